package io.streamlet.testing;

import io.streamlet.server.Streamlet;
import io.streamlet.server.StreamletConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Streamlets a test starts in-process, without a servlet container (RTMP and relays only), and whatever else
 * it opens around them: all closed at the end, the last opened first.
 */
public final class LocalServers implements AutoCloseable {
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Starts a Streamlet with RTMP on a free port of 127.0.0.1, HLS off, and {@code knobs} (name, value, ...). */
    public Streamlet start(String... knobs) {
        Map<String, String> config = new HashMap<>(Map.of("streamlet.rtmp.host", "127.0.0.1", "streamlet.rtmp.port", "0",
                "streamlet.hls.enabled", "false"));
        for (int i = 0; i < knobs.length; i += 2) config.put(knobs[i], knobs[i + 1]);
        return closeLater(Streamlet.start(StreamletConfig.load(config::get)));
    }

    /** Closes {@code resource} with the servers, before those opened earlier. */
    public <T extends AutoCloseable> T closeLater(T resource) {
        opened.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) opened.get(i).close();
    }
}
