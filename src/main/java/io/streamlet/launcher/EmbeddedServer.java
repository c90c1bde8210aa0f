package io.streamlet.launcher;

import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.Configuration;
import org.eclipse.jetty.ee10.webapp.MetaInfConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.ee10.webapp.WebInfConfiguration;
import org.eclipse.jetty.ee10.webapp.WebXmlConfiguration;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketConfiguration;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.ShutdownThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unpacked WAR in Jetty 12 (ee10) at the root context, as {@code mvn jetty:run} serves it. Loaded by
 * {@link Main} in a class loader over Jetty's jars; runs until the JVM is told to stop (Ctrl-C, SIGTERM).
 */
public final class EmbeddedServer {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedServer.class);
    private static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

    private EmbeddedServer() {}

    public static void run(Path webapp, String host, int port) throws Exception {
        // Jetty pads a queue by the JVM's reference size, which it asks the platform MBean server for: starting
        // that server loads some 300 classes. 16 per cache line is Jetty's own answer when it cannot ask, right
        // with compressed references (heaps under 32 GB) and padding more than needed otherwise.
        if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) System.setProperty(REFERENCES_PER_CACHE_LINE, "16");
        Server server = new Server();
        ServerConnector http = new ServerConnector(server);
        http.setHost(host);
        http.setPort(port);
        server.addConnector(http);

        WebAppContext context = new WebAppContext(webapp.toString(), "/");
        context.setThrowUnavailableOnStartupException(true); // a bad knob ends the process with its message
        // web.xml declares every servlet, filter and listener, and the webapp's libraries (Jackson, Lettuce,
        // SLF4J) bring none, nor any ServletContainerInitializer: no annotation scanning, JNDI, fragments or
        // jetty-web.xml, only web.xml over WEB-INF/classes and lib. The one initializer the webapp needs,
        // Jakarta WebSocket's (WebSocket-FLV), is installed directly.
        context.setConfigurations(new Configuration[] {new WebInfConfiguration(), new WebXmlConfiguration(),
                new MetaInfConfiguration(), new WebAppConfiguration(), new JakartaWebSocketConfiguration()});
        context.setAttribute("org.eclipse.jetty.server.webapp.WebInfIncludeJarPattern", "^$"); // nor META-INF scans
        JakartaWebSocketServletContainerInitializer.configure(context, null);
        server.setHandler(context);

        // On shutdown the webapp stops first, while the connections are still open, so that each player
        // receives the end of its response (StreamletListener.contextDestroyed); then the server.
        server.setStopAtShutdown(true);
        ShutdownThread.register(0, context);
        try {
            server.start();
        } catch (Exception e) {
            log.error("Streamlet did not start: {}", e.getMessage());
            server.stop();
            System.exit(1);
        }
        log.info("Streamlet serves http://{}:{}/", host.equals("0.0.0.0") ? "localhost" : host, http.getLocalPort());
        server.join();
    }
}
