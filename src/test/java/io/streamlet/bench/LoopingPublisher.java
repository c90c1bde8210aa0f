package io.streamlet.bench;

import io.streamlet.amf.Amf0;
import io.streamlet.amf.AmfException;
import io.streamlet.flv.FlvTag;
import io.streamlet.testing.RtmpTestPublisher;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes the sample over RTMP in real time, as {@code ffmpeg -re -stream_loop -1} would: metadata
 * and sequence headers once, then the media in a loop with timestamps that keep increasing. Every
 * media tag is stamped with its sequence id just before it is sent ({@link SendLog}).
 */
final class LoopingPublisher implements Runnable {
    /** As ffmpeg and OBS send: fewer, larger chunks than RTMP's default 128. */
    private static final int CHUNK_SIZE = 4096;

    private final SampleFile sample;
    private final InetSocketAddress server;
    private final String app;
    private final String stream;
    private final SendLog sendLog;
    private volatile boolean stopped;
    private volatile Exception failure;
    private volatile boolean publishing;

    LoopingPublisher(SampleFile sample, InetSocketAddress server, String streamPath, SendLog sendLog) {
        this.sample = sample;
        this.server = server;
        int slash = streamPath.lastIndexOf('/');
        this.app = streamPath.substring(0, slash);
        this.stream = streamPath.substring(slash + 1);
        this.sendLog = sendLog;
    }

    /** Why publishing stopped early, or null. */
    Exception failure() {
        return failure;
    }

    /** True once the server accepted the publish. */
    boolean publishing() {
        return publishing;
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        String host = server.getAddress().getHostAddress();
        try (RtmpTestPublisher rtmp = RtmpTestPublisher.publish(host, server.getPort(), app, stream)) {
            if (!"NetStream.Publish.Start".equals(rtmp.lastStatusCode())) {
                throw new IOException("publish refused: " + rtmp.lastStatusCode());
            }
            publishing = true;
            rtmp.setChunkSize(CHUNK_SIZE);
            long startNanos = System.nanoTime();
            for (long pass = 0; !stopped; pass++) {
                long offsetMillis = pass * sample.loopMillis;
                for (SampleFile.Tag tag : sample.tags) {
                    if (stopped) break;
                    if (tag.isHeader() && pass > 0) continue;
                    long mediaMillis = offsetMillis + tag.timestamp();
                    sleepUntil(startNanos + TimeUnit.MILLISECONDS.toNanos(mediaMillis));
                    send(rtmp, tag, mediaMillis);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (!stopped) failure = e;
        }
    }

    private void send(RtmpTestPublisher rtmp, SampleFile.Tag tag, long timestamp) throws IOException {
        switch (tag.type()) {
            case FlvTag.SCRIPT -> sendMetadata(rtmp, tag.body());
            case FlvTag.AUDIO -> rtmp.sendAudio(timestamp, tag.isHeader() ? tag.body() : sendLog.stamp(tag.body()));
            case FlvTag.VIDEO -> rtmp.sendVideo(timestamp, tag.isHeader() ? tag.body() : sendLog.stamp(tag.body()));
            default -> { } // not a type a publisher sends
        }
    }

    /** The file's {@code onMetaData}, re-sent the way encoders do: wrapped in {@code @setDataFrame}. */
    private static void sendMetadata(RtmpTestPublisher rtmp, byte[] body) throws IOException {
        try {
            List<Object> values = Amf0.decodeAll(body, 0, body.length);
            if (values.size() >= 2 && "onMetaData".equals(values.get(0)) && values.get(1) instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> metadata = (Map<String, Object>) map;
                rtmp.sendMetadata(metadata);
            }
        } catch (AmfException e) {
            throw new IOException("the sample's script tag is not AMF0: " + e.getMessage(), e);
        }
    }

    private void sleepUntil(long deadlineNanos) {
        for (long wait = deadlineNanos - System.nanoTime(); wait > 0 && !stopped; wait = deadlineNanos - System.nanoTime()) {
            LockSupport.parkNanos(wait);
        }
    }
}
