package io.streamlet.live;

import io.streamlet.OwnedThreads;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live sources by {@link StreamKey} (SRS's stream mux): at most one publisher per stream.
 *
 * <p>A source is mounted when its first publish is accepted. When its publisher goes, it is unmounted
 * at once, or after {@code republishGrace} if nobody publishes it again by then: a republish within the
 * window continues the same source, so its players stay on their responses. A publish of a stream whose
 * publisher has sent nothing for {@code stalePublisher} replaces that session (a reconnecting encoder
 * is not refused as "busy" by its own dead connection).
 */
public final class SourceRegistry implements AutoCloseable {

    /**
     * What is told of sources coming and going: the sinks that are not players (HLS, recording, forwards,
     * a cluster directory) attach here. Called on the publisher's thread (or the closing one); return quickly.
     */
    public interface Listener {
        /** A source was mounted: its first publish was accepted (not a republish within the grace window). */
        void onMounted(LiveSource source);

        /** A source ended: its players get the end of their stream. */
        void onEnded(LiveSource source);
    }

    /** Brings here, for a play, a stream that nobody publishes here: a relay's pulls. */
    public interface Elsewhere {
        /** The source to play {@code key} from once there is one, or null; see {@link SourceRegistry#awaitSource}. */
        CompletableFuture<LiveSource> awaitSource(StreamKey key, int hops);
    }

    private static final Logger log = LoggerFactory.getLogger(SourceRegistry.class);

    private final LiveConfig config;
    private final ConcurrentHashMap<StreamKey, LiveSource> sources = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Elsewhere elsewhere;
    private final long stalePublisherNanos;
    private final OwnedThreads graceThread = new OwnedThreads("streamlet-republish-grace-");
    /** Ends sources whose grace window passed; only when there is a window. */
    private final ScheduledExecutorService graceTimer;

    public SourceRegistry(LiveConfig config) {
        this.config = config;
        this.stalePublisherNanos = TimeUnit.MILLISECONDS.toNanos(config.stalePublisherMs());
        this.graceTimer = config.republishGraceMs() == 0 ? null
                : Executors.newSingleThreadScheduledExecutor(graceThread);
    }

    /**
     * Starts {@code publisherId}'s session on {@code key}: a new source, the continuation of one in its
     * grace window, or the replacement of a silent publisher (whose connection {@code disconnect} of the
     * old session is then called).
     *
     * @param disconnect ends this publisher's connection from any thread, should a later publish replace it
     * @throws StreamBusyException the stream has a live publisher
     */
    public Publication publish(StreamKey key, String publisherId, Runnable disconnect) throws StreamBusyException {
        Publication[] started = new Publication[1];
        boolean[] mounted = new boolean[1];
        String[] busyWith = new String[1];
        sources.compute(key, (k, source) -> {
            if (source == null) {
                source = new LiveSource(k, config, this::onPublisherGone);
                mounted[0] = true;
                log.info("[{}] stream {} published", publisherId, k);
            } else if (source.publisherId() == null) {
                log.info("[{}] stream {} republished within the grace window", publisherId, k);
            } else if (source.isSilentFor(stalePublisherNanos)) {
                log.info("[{}] stream {} taken over from silent publisher {}", publisherId, k, source.publisherId());
            } else {
                busyWith[0] = source.publisherId();
                return source;
            }
            started[0] = source.startSession(publisherId, disconnect);
            return source;
        });
        if (started[0] == null) throw new StreamBusyException(key, busyWith[0]);
        if (mounted[0]) listeners.forEach(l -> l.onMounted(started[0].source()));
        return started[0];
    }

    /**
     * Starts a new session of the same publisher on {@code current}'s source, as a republish within the
     * grace window would, whatever the window: a relay that reconnected to its upstream. Players stay on,
     * time continues forward and they resume at the new session's keyframe after its sequence headers.
     *
     * @return the new session, or null if {@code current} is no longer the source's session (replaced, or ended)
     */
    public Publication resume(Publication current) {
        Publication[] resumed = new Publication[1];
        sources.computeIfPresent(current.source().key(), (k, source) -> {
            if (source == current.source()) resumed[0] = source.resumeSession(current);
            return source;
        });
        if (resumed[0] != null) log.info("[{}] stream {} resumed by a new session", current.publisherId(), current.source().key());
        return resumed[0];
    }

    /** The live source of {@code key}, or null when nobody publishes it. */
    public LiveSource find(StreamKey key) {
        return sources.get(key);
    }

    /**
     * The source a play of {@code key} reads: the one published here, or one that {@link #setElsewhere} brings
     * (a pull); completes with null when there is none. Never blocks: a pull may take a while to mount.
     *
     * @param hops how many relays the play crossed to get here (0 for a player)
     */
    public CompletableFuture<LiveSource> awaitSource(StreamKey key, int hops) {
        Elsewhere e = elsewhere;
        return e == null ? CompletableFuture.completedFuture(find(key)) : e.awaitSource(key, hops);
    }

    /** Where plays of streams not published here are served from. */
    public void setElsewhere(Elsewhere elsewhere) {
        this.elsewhere = elsewhere;
    }

    /** The sources mounted now. */
    public Collection<LiveSource> sources() {
        return Collections.unmodifiableCollection(sources.values());
    }

    /** Ends every stream now (players get end of stream) and stops the grace timer. */
    @Override
    public void close() {
        sources.values().forEach(this::unmount);
        if (graceTimer == null) return;
        graceTimer.shutdownNow();
        try {
            graceThread.joinAll(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A publisher session ended: unmount the source now, or once its grace window passes unused. */
    private void onPublisherGone(Publication gone) {
        LiveSource source = gone.source();
        boolean[] ended = new boolean[1];
        boolean[] orphaned = new boolean[1];
        sources.computeIfPresent(source.key(), (k, current) -> {
            if (current != source || !source.endSession(gone)) return current;
            orphaned[0] = true;
            ended[0] = graceTimer == null;
            return ended[0] ? null : current;
        });
        if (ended[0]) {
            ended(source);
        } else if (orphaned[0]) {
            log.info("stream {} lost its publisher; players wait {} ms for a republish", source.key(), config.republishGraceMs());
            try {
                graceTimer.schedule(() -> unmountIfOrphaned(gone), config.republishGraceMs(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                unmountIfOrphaned(gone);
            }
        }
    }

    /** Ends the source if nobody republished it since {@code gone} ended (a later wait has its own timer). */
    private void unmountIfOrphaned(Publication gone) {
        LiveSource source = gone.source();
        boolean[] removed = new boolean[1];
        sources.computeIfPresent(source.key(), (k, current) -> {
            removed[0] = current == source && source.isOrphanedBy(gone);
            return removed[0] ? null : current;
        });
        if (removed[0]) ended(source);
    }

    /** Tells {@code listener} of every source mounted and ended from now on. */
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    private void ended(LiveSource source) {
        log.info("stream {} unpublished after {} tags, {} bytes", source.key(), source.tagsIn(), source.bytesIn());
        source.end();
        listeners.forEach(l -> l.onEnded(source));
    }

    private void unmount(LiveSource source) {
        if (sources.remove(source.key(), source)) ended(source);
    }
}
