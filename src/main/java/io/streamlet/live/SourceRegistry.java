package io.streamlet.live;

import io.streamlet.StreamletConfig;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live sources by {@link StreamKey} (SRS's stream mux): at most one publisher per stream. A source
 * is mounted when its publish is accepted and unmounted when it unpublishes.
 */
public final class SourceRegistry {
    private static final Logger log = LoggerFactory.getLogger(SourceRegistry.class);

    private final StreamletConfig config;
    private final ConcurrentHashMap<StreamKey, LiveSource> sources = new ConcurrentHashMap<>();

    public SourceRegistry(StreamletConfig config) {
        this.config = config;
    }

    /** Mounts a new source for {@code key}; fails if the stream already has a live publisher. */
    public LiveSource publish(StreamKey key, String publisherId) throws StreamBusyException {
        LiveSource fresh = new LiveSource(key, publisherId, config, this::unmount);
        LiveSource current = sources.putIfAbsent(key, fresh);
        if (current != null) throw new StreamBusyException(key, current.publisherId());
        log.info("[{}] stream {} published", publisherId, key);
        return fresh;
    }

    /** The live source of {@code key}, or null when nobody publishes it. */
    public LiveSource find(StreamKey key) {
        return sources.get(key);
    }

    /** The sources published now. */
    public Collection<LiveSource> sources() {
        return Collections.unmodifiableCollection(sources.values());
    }

    /** Unpublishes every source: their players get end of stream. */
    public void unpublishAll() {
        sources.values().forEach(LiveSource::unpublish);
    }

    private void unmount(LiveSource source) {
        if (sources.remove(source.key(), source)) {
            log.info("[{}] stream {} unpublished after {} tags, {} bytes", source.publisherId(), source.key(),
                    source.tagsIn(), source.bytesIn());
        }
    }
}
