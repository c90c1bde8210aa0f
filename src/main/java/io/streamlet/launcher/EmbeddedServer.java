package io.streamlet.launcher;

import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
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

    private EmbeddedServer() {}

    public static void run(Path webapp, String host, int port) throws Exception {
        Server server = new Server();
        ServerConnector http = new ServerConnector(server);
        http.setHost(host);
        http.setPort(port);
        server.addConnector(http);

        WebAppContext context = new WebAppContext(webapp.toString(), "/");
        context.setThrowUnavailableOnStartupException(true); // a bad knob ends the process with its message
        // The webapp's libraries (Jackson, SLF4J) declare no servlets, filters or initializers: not parsing
        // their classes for annotations saves a third of the start-up.
        context.setAttribute("org.eclipse.jetty.server.webapp.WebInfIncludeJarPattern", "^$");
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
