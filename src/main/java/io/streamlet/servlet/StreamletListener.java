package io.streamlet.servlet;

import io.streamlet.StreamletConfig;
import io.streamlet.auth.AccessPolicy;
import io.streamlet.config.KnobNames;
import io.streamlet.config.StartupReport;
import io.streamlet.ingest.RtmpServer;
import io.streamlet.live.SourceRegistry;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.time.Clock;
import java.util.Collections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Streamlet with the webapp and stops it with the webapp: reads the configuration from the
 * context parameters, mounts the source registry, starts the RTMP ingest and the player threads, and on
 * shutdown releases the port and every thread it started (a redeploy must leave nothing behind).
 */
public final class StreamletListener implements ServletContextListener {
    private static final Logger log = LoggerFactory.getLogger(StreamletListener.class);
    private static final String RUNTIME = StreamletListener.class.getName() + ".runtime";
    /** Context attribute holding the bound RTMP port (an Integer), e.g. for tests that bind port 0. */
    public static final String RTMP_PORT = "io.streamlet.rtmp.port";

    /** What the servlets and filters of this webapp share. */
    record Runtime(StreamletConfig config, SourceRegistry registry, Players players, RtmpServer rtmp, AccessPolicy access) {}

    static Runtime runtime(ServletContext context) {
        Runtime runtime = (Runtime) context.getAttribute(RUNTIME);
        if (runtime == null) throw new IllegalStateException("StreamletListener is not registered in web.xml");
        return runtime;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        try {
            start(context);
        } catch (RuntimeException e) {
            // The container does not start the webapp, and logs why in its own way (Tomcat: only in
            // localhost.<date>.log); this line says it where an admin looks first.
            log.error("Streamlet failed to start in {}: {}", contextName(context), e.getMessage());
            throw e;
        }
    }

    private static void start(ServletContext context) {
        // A bad value throws here with a message naming the knob.
        KnobNames knobs = StreamletConfig.Source.layered(context::getInitParameter);
        StreamletConfig config = StreamletConfig.load(knobs);
        StartupReport.log(contextName(context), config, knobs, Collections.list(context.getInitParameterNames()));
        SourceRegistry registry = new SourceRegistry(config);
        Players players = new Players(config.fanoutThreads(), config.playerStallTimeoutMs(), config.writeBatchBytes());
        AccessPolicy access = new AccessPolicy(config, registry.metrics(), Clock.systemUTC());
        RtmpServer rtmp = null;
        if (config.rtmpEnabled()) {
            try {
                rtmp = startRtmp(config, registry, access);
            } catch (RuntimeException e) {
                players.close(); // a webapp that fails to start must leave no thread behind either
                registry.close();
                access.close();
                throw e;
            }
        }
        if (rtmp != null) context.setAttribute(RTMP_PORT, rtmp.port());
        context.setAttribute(RUNTIME, new Runtime(config, registry, players, rtmp, access));
        log.info("Streamlet started in {}: RTMP {}", contextName(context),
                rtmp == null ? "disabled" : "on " + config.rtmpHost() + ":" + rtmp.port());
    }

    /** The started RTMP ingest; null if its port cannot be bound and streamlet.rtmp.failOnBindError is false. */
    private static RtmpServer startRtmp(StreamletConfig config, SourceRegistry registry, AccessPolicy access) {
        RtmpServer rtmp = new RtmpServer(config, registry, access);
        try {
            rtmp.start();
            return rtmp;
        } catch (IOException e) {
            rtmp.close();
            if (config.rtmpFailOnBindError()) {
                throw new IllegalStateException("Streamlet cannot start RTMP ingest: " + e.getMessage()
                        + " (choose another streamlet.rtmp.port, or set streamlet.rtmp.failOnBindError=false"
                        + " to start without ingest)", e);
            }
            log.warn("Streamlet starts without RTMP ingest (streamlet.rtmp.failOnBindError=false): {}", e.getMessage());
            return null;
        }
    }

    /**
     * Stops gracefully: no new publishers, every stream unpublished so that each player receives what it
     * still had to and then the terminating chunk, up to {@code streamlet.http.shutdownDrain} for players
     * to take it, then whatever is left is closed and every thread ended.
     */
    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Runtime runtime = (Runtime) context.getAttribute(RUNTIME);
        if (runtime == null) return;
        context.removeAttribute(RUNTIME);
        context.removeAttribute(RTMP_PORT);
        if (runtime.rtmp() != null) runtime.rtmp().close(); // no new publishers; the current ones are disconnected
        runtime.registry().close(); // every stream ends: its players get what they still had to, then end of stream
        Players players = runtime.players();
        long drainMs = runtime.config().shutdownDrainMs();
        try {
            if (!players.awaitAllClosed(drainMs)) {
                log.warn("Streamlet closes {} players still receiving after the {} ms drain (streamlet.http.shutdownDrain)",
                        players.count(), drainMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // stop waiting; the players are closed below
        }
        players.close();
        runtime.access().close(); // last: the on_unpublish and on_stop hooks of the streams ended above are on their way
        log.info("Streamlet stopped in {}", contextName(context));
    }

    private static String contextName(ServletContext context) {
        String path = context.getContextPath();
        return path.isEmpty() ? "/" : path;
    }
}
