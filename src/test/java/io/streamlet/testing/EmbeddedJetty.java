package io.streamlet.testing;

import jakarta.servlet.ServletContext;
import java.util.Map;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

/** The webapp in an embedded Jetty 12 (ee10); see {@link WebContainer}. */
public final class EmbeddedJetty implements WebContainer {
    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final ContextHandlerCollection contexts = new ContextHandlerCollection();
    private final Webapp root;

    public EmbeddedJetty(Map<String, String> contextParams) throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(contexts);
        server.start();
        try {
            root = deploy("", contextParams);
        } catch (Exception e) {
            server.stop();
            throw e;
        }
    }

    @Override
    public int httpPort() {
        return connector.getLocalPort();
    }

    @Override
    public Webapp webapp() {
        return root;
    }

    @Override
    public Webapp deploy(String contextPath, Map<String, String> contextParams) throws Exception {
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(contextPath.isEmpty() ? "/" : contextPath);
        webapp.setWar("src/main/webapp");
        webapp.setParentLoaderPriority(true);
        // The test classpath holds Tomcat too: its WebSocket initializer is not Jetty's to run.
        webapp.setAttribute("org.eclipse.jetty.containerInitializerExclusionPattern", "org\\.apache\\.tomcat\\..*");
        WebContainer.testContextParams(contextParams).forEach(webapp::setInitParameter);
        webapp.setThrowUnavailableOnStartupException(true);
        contexts.addHandler(webapp); // in a started server this starts the webapp too
        try {
            webapp.start(); // a no-op once started; rethrows a failed start
        } catch (Exception e) {
            contexts.removeHandler(webapp);
            webapp.stop();
            throw new WebappStartException(contextPath, e);
        }
        return new Webapp() {
            @Override
            public String contextPath() {
                return contextPath;
            }

            @Override
            public ServletContext servletContext() {
                return webapp.getServletContext();
            }

            @Override
            public void undeploy() throws Exception {
                webapp.stop();
                contexts.removeHandler(webapp);
                webapp.destroy();
            }
        };
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    @Override
    public String toString() {
        return "Jetty " + Server.getVersion();
    }
}
