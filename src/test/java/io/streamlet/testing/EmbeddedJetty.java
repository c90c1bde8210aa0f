package io.streamlet.testing;

import io.streamlet.servlet.StreamletListener;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The webapp (src/main/webapp + the compiled classes) in an embedded Jetty 12 on 127.0.0.1, ports chosen by the OS. */
public final class EmbeddedJetty implements AutoCloseable {
    private final Server server = new Server();
    private final WebAppContext webapp = new WebAppContext();
    private final ServerConnector connector = new ServerConnector(server);

    public EmbeddedJetty(Map<String, String> contextParams) throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        webapp.setContextPath("/");
        webapp.setWar("src/main/webapp");
        webapp.setParentLoaderPriority(true);
        webapp.setInitParameter("streamlet.rtmp.host", "127.0.0.1");
        webapp.setInitParameter("streamlet.rtmp.port", "0");
        contextParams.forEach(webapp::setInitParameter);
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.start();
    }

    public int httpPort() {
        return connector.getLocalPort();
    }

    public int rtmpPort() {
        return (Integer) webapp.getServletContext().getAttribute(StreamletListener.RTMP_PORT);
    }

    public String url(String path) {
        return "http://127.0.0.1:" + httpPort() + path;
    }

    public jakarta.servlet.ServletContext servletContext() {
        return webapp.getServletContext();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
