package io.streamlet.servlet;

import io.streamlet.StreamletConfig;
import io.streamlet.ingest.RtmpServer;
import io.streamlet.live.SourceRegistry;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    record Runtime(StreamletConfig config, SourceRegistry registry, Players players, RtmpServer rtmp) {}

    static Runtime runtime(ServletContext context) {
        Runtime runtime = (Runtime) context.getAttribute(RUNTIME);
        if (runtime == null) throw new IllegalStateException("StreamletListener is not registered in web.xml");
        return runtime;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        StreamletConfig config = StreamletConfig.load(StreamletConfig.Source.layered(context::getInitParameter));
        SourceRegistry registry = new SourceRegistry(config);
        Players players = new Players(config.fanoutThreads(), config.playerStallTimeoutMs());
        RtmpServer rtmp = null;
        if (config.rtmpEnabled()) {
            rtmp = new RtmpServer(config, registry);
            try {
                rtmp.start();
            } catch (IOException e) {
                players.close();
                throw new UncheckedIOException("Streamlet cannot start RTMP ingest: " + e.getMessage(), e);
            }
            context.setAttribute(RTMP_PORT, rtmp.port());
        }
        context.setAttribute(RUNTIME, new Runtime(config, registry, players, rtmp));
        log.info("Streamlet started in {}: RTMP {}", contextName(context),
                rtmp == null ? "disabled" : "on " + config.rtmpHost() + ":" + rtmp.port());
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Runtime runtime = (Runtime) context.getAttribute(RUNTIME);
        if (runtime == null) return;
        context.removeAttribute(RUNTIME);
        context.removeAttribute(RTMP_PORT);
        if (runtime.rtmp() != null) runtime.rtmp().close();
        runtime.registry().unpublishAll();
        runtime.players().close();
        log.info("Streamlet stopped in {}", contextName(context));
    }

    private static String contextName(ServletContext context) {
        String path = context.getContextPath();
        return path.isEmpty() ? "/" : path;
    }
}
