package io.streamlet.cluster;

import io.streamlet.live.StreamKey;
import io.streamlet.relay.UpstreamLocator;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where an edge pulls a stream from: the origin the directory names, then the static origins in their order,
 * never this node itself. Answers the origins' play URLs, {@code {origin}/{app}/{stream}.flv} for HTTP-FLV and
 * {@code {origin}/{app}/{stream}} for RTMP, so any origin that plays HTTP-FLV or RTMP will do (SRS too).
 */
public final class EdgeLocator implements UpstreamLocator {
    private final StreamDirectory directory;
    private final List<URI> origins;
    /** This node's URL, never pulled from; null when unset. */
    private final URI self;

    public EdgeLocator(StreamDirectory directory, ClusterConfig config) {
        this.directory = directory;
        this.origins = config.origins();
        this.self = config.nodeUrl();
    }

    /** An edge pulls every stream it does not have. */
    @Override
    public boolean covers(StreamKey key) {
        return true;
    }

    /** The URLs to try for {@code key}, best first; empty when nobody is known to have it. Never fails. */
    @Override
    public CompletableFuture<List<URI>> locate(StreamKey key) {
        return directory.lookup(key).handle((entry, failure) -> {
            Set<URI> bases = new LinkedHashSet<>();
            // a failed lookup was logged by the directory (once per outage): the static origins stand in
            if (failure == null) entry.ifPresent(holder -> bases.add(URI.create(holder.node())));
            bases.addAll(origins);
            if (self != null) bases.remove(self);
            List<URI> urls = new ArrayList<>();
            for (URI base : bases) urls.add(playUrl(base, key));
            return List.copyOf(urls);
        });
    }

    /** {@code key}'s play URL on the origin at {@code base}. */
    static URI playUrl(URI base, StreamKey key) {
        String suffix = "rtmp".equals(base.getScheme()) ? "" : ".flv";
        return URI.create(base + "/" + key.app() + "/" + key.stream() + suffix);
    }
}
