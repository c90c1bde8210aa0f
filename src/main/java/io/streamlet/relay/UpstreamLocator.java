package io.streamlet.relay;

import io.streamlet.live.StreamKey;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a stream that is not published here can be pulled from: the static {@code streamlet.pull.sources}
 * map, or a cluster edge's origin directory.
 *
 * <p>Registered with {@link Pulls#addLocator(UpstreamLocator, java.time.Duration, java.time.Duration)}
 * (reach {@code Pulls} through {@code Streamlet#pulls()}), with the timings of the pulls it starts. For a
 * play of a stream that nobody publishes here, the first locator (in registration order) that
 * {@link #covers} the stream owns its pull: one pull per stream, however many players wait. The pull asks
 * {@link #locate} for candidates, tries them in order (an HTTP 404 or a refused RTMP play moves on to the
 * next), and asks again, with backoff and jitter (250 ms → 8 s), whenever all failed or the upstream it had
 * breaks: a moved stream is found again on the next lookup. Players keep waiting until the stream comes or
 * {@code maxStreamWait} passes (then 404 / {@code NetStream.Play.StreamNotFound}); once a pull has mounted the
 * stream, its players are kept across reconnects.
 *
 * <p>A pull never starts for a play that already crossed {@code streamlet.pull.maxHops} relays (the
 * {@value Pulls#HOPS_HEADER} header a pull sends), so a locator need not guard against loops beyond not
 * naming this very node.
 */
public interface UpstreamLocator {

    /**
     * Whether this locator is the one to ask for {@code key}: cheap and without I/O (a map lookup, or
     * {@code true} for every key on an edge). A covered key whose {@link #locate} finds nothing is retried
     * until {@code maxStreamWait}; an uncovered one is left to the next locator, and without any, its play
     * gets a 404 at once.
     */
    boolean covers(StreamKey key);

    /**
     * Candidate source URLs for {@code key}, best first: {@code http(s)://host/app/stream.flv} (HTTP-FLV) or
     * {@code rtmp://host[:port]/app/stream}; empty when none has it now. Must not block: complete the future
     * from the locator's own I/O (a failed future counts as empty, and is logged by the pull).
     */
    CompletableFuture<List<URI>> locate(StreamKey key);
}
