package io.streamlet.webapp;

import io.streamlet.api.ApiConfig;
import io.streamlet.config.ConfigReader;
import io.streamlet.config.KnobNames;
import io.streamlet.config.ContextAttributes;
import io.streamlet.server.Streamlet;
import io.streamlet.server.StreamletConfig;
import io.streamlet.servlet.HttpConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.Collections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Streamlet with the webapp and stops it with the webapp: reads every module's part of the
 * configuration from the context parameters (and properties, environment) once, starts the
 * {@link Streamlet} and shares it and the HTTP parts with the servlets and filters as context attributes;
 * on shutdown stops it, releasing the port and every thread (a redeploy must leave nothing behind).
 */
public final class StreamletListener implements ServletContextListener {
    private static final Logger log = LoggerFactory.getLogger(StreamletListener.class);
    /** Context attribute holding the bound RTMP port (an Integer), e.g. for tests that bind port 0. */
    public static final String RTMP_PORT = "io.streamlet.rtmp.port";
    private static final Class<?>[] PARTS = {Streamlet.class, HttpConfig.class, ApiConfig.class};

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
        // A bad value throws here with a message naming the knob, before anything starts.
        KnobNames knobs = new KnobNames(context::getInitParameter);
        ConfigReader reader = new ConfigReader(knobs);
        StreamletConfig config = StreamletConfig.read(reader);
        HttpConfig http = HttpConfig.read(reader);
        ApiConfig api = ApiConfig.read(reader);
        StartupReport.log(contextName(context), config, http, api, knobs, Collections.list(context.getInitParameterNames()));
        Streamlet streamlet = Streamlet.start(config);
        Integer rtmpPort = streamlet.rtmpPort();
        if (rtmpPort != null) context.setAttribute(RTMP_PORT, rtmpPort);
        context.setAttribute(ContextAttributes.nameOf(Streamlet.class), streamlet);
        context.setAttribute(ContextAttributes.nameOf(HttpConfig.class), http);
        context.setAttribute(ContextAttributes.nameOf(ApiConfig.class), api);
        log.info("Streamlet started in {}: RTMP {}", contextName(context),
                rtmpPort == null ? "disabled" : "on " + config.rtmp().host() + ":" + rtmpPort);
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Object streamlet = context.getAttribute(ContextAttributes.nameOf(Streamlet.class));
        if (streamlet == null) return;
        for (Class<?> part : PARTS) context.removeAttribute(ContextAttributes.nameOf(part));
        context.removeAttribute(RTMP_PORT);
        ((Streamlet) streamlet).close();
        log.info("Streamlet stopped in {}", contextName(context));
    }

    private static String contextName(ServletContext context) {
        String path = context.getContextPath();
        return path.isEmpty() ? "/" : path;
    }
}
