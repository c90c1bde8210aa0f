package io.streamlet.testing;

import io.streamlet.amf.Amf0;
import io.streamlet.amf.AmfException;
import io.streamlet.flv.FlvTag;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes the same FLV tags (e.g. {@link EncodedMedia#flvTags}) to several streams at once, in real time and in
 * a loop with timestamps that keep increasing, as {@code ffmpeg -re -stream_loop -1} would per stream: many
 * streams of real media for the cost of one thread, where as many encoders would overload the machine.
 */
public final class TagLoopPublisher implements AutoCloseable {
    private final List<RtmpTestPublisher> publishers = new ArrayList<>();
    private final List<FlvCollector.Tag> tags;
    private final long loopMillis;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Exception failure;

    /**
     * Publishes {@code app/name} for every name, then sends {@code tags} from a thread until {@link #close}.
     *
     * @param loopMillis media time of one pass: the next pass's timestamps are this much later
     */
    public TagLoopPublisher(int rtmpPort, String app, List<String> names, List<FlvCollector.Tag> tags, long loopMillis)
            throws IOException {
        this.tags = tags;
        this.loopMillis = loopMillis;
        try {
            for (String name : names) {
                RtmpTestPublisher publisher = RtmpTestPublisher.publish("127.0.0.1", rtmpPort, app, name);
                publishers.add(publisher);
                if (!"NetStream.Publish.Start".equals(publisher.lastStatusCode())) {
                    throw new IOException("publish of " + app + "/" + name + " refused: " + publisher.lastStatusCode());
                }
                publisher.setChunkSize(4096); // as encoders do: fewer, larger chunks
            }
        } catch (IOException | RuntimeException e) {
            closePublishers();
            throw e;
        }
        thread = new Thread(this::run, "tag-loop-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Why publishing stopped before {@link #close}, or null. */
    public Exception failure() {
        return failure;
    }

    private void run() {
        long start = System.nanoTime();
        try {
            for (long pass = 0; !stopped; pass++) {
                for (FlvCollector.Tag tag : tags) {
                    if (stopped) return;
                    if (pass > 0 && (tag.type() == FlvTag.SCRIPT || tag.isSequenceHeader())) continue;
                    long time = pass * loopMillis + tag.timestamp();
                    long due = start + TimeUnit.MILLISECONDS.toNanos(time);
                    for (long wait = due - System.nanoTime(); wait > 0 && !stopped; wait = due - System.nanoTime()) {
                        LockSupport.parkNanos(wait);
                    }
                    for (RtmpTestPublisher publisher : publishers) send(publisher, tag, time);
                }
            }
        } catch (IOException | AmfException | RuntimeException e) {
            if (!stopped) failure = e;
        }
    }

    private static void send(RtmpTestPublisher publisher, FlvCollector.Tag tag, long time) throws IOException, AmfException {
        switch (tag.type()) {
            case FlvTag.VIDEO -> publisher.sendVideo(time, tag.body());
            case FlvTag.AUDIO -> publisher.sendAudio(time, tag.body());
            case FlvTag.SCRIPT -> { // a file's onMetaData, sent as encoders do: in @setDataFrame
                List<Object> values = Amf0.decodeAll(tag.body(), 0, tag.body().length);
                if (values.size() >= 2 && values.get(1) instanceof Map<?, ?> map) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> metadata = (Map<String, Object>) map;
                    publisher.sendMetadata(metadata);
                }
            }
            default -> throw new IllegalArgumentException("not a tag a publisher sends: " + tag);
        }
    }

    /** Stops sending and unpublishes every stream. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(5_000);
        closePublishers();
    }

    private void closePublishers() {
        for (RtmpTestPublisher publisher : publishers) {
            try {
                publisher.close();
            } catch (IOException e) {
                // closing a socket; nothing to do about it
            }
        }
    }
}
