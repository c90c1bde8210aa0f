package io.streamlet.testing;

import java.io.IOException;

/**
 * An encoder in real time: publishes {@code live/{stream}} over RTMP and sends 30 fps synthetic video with a
 * keyframe every second and audio in between, timestamps from 0, from its own thread until closed.
 */
public final class LivePublisher implements AutoCloseable {
    private final RtmpTestPublisher rtmp;
    private final Thread thread;
    private volatile boolean stopped;

    /** @throws IOException the publish was refused, with the server's status code */
    public LivePublisher(int rtmpPort, String stream) throws IOException {
        rtmp = RtmpTestPublisher.publish("127.0.0.1", rtmpPort, "live", stream);
        if (!"NetStream.Publish.Start".equals(rtmp.lastStatusCode())) {
            rtmp.close();
            throw new IOException("publish of live/" + stream + " refused: " + rtmp.lastStatusCode());
        }
        SyntheticMedia.sendHeaders(rtmp);
        thread = new Thread(this::run, "live-publisher-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long start = System.nanoTime();
        try {
            for (int frame = 0; !stopped; frame++) {
                long due = start + frame * 1_000_000_000L / 30;
                long wait = due - System.nanoTime();
                if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                SyntheticMedia.sendFrames(rtmp, 0, frame, frame + 1, 2000);
            }
        } catch (IOException | InterruptedException e) {
            // closed, or the server cut the connection (an origin stopped): the test looks at what players got
        }
    }

    /** Unpublishes by closing the connection, as an encoder that stops does. */
    @Override
    public void close() throws IOException {
        stopped = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        rtmp.close();
    }
}
