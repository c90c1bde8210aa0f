package io.streamlet.testing;

import jakarta.servlet.ServletContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/** The webapp in an embedded Jetty 12 (ee10); see {@link WebContainer}. */
public final class EmbeddedJetty implements WebContainer {
    private final Server server = new Server();
    private final ServerConnector connector;
    /** HTTPS with HTTP/2 by ALPN; null unless started with a certificate. */
    private final ServerConnector tlsConnector;
    private final ContextHandlerCollection contexts = new ContextHandlerCollection();
    private final Webapp root;
    /** Every webapp deployed and not yet undeployed, the root first. */
    private final List<Webapp> deployed = new CopyOnWriteArrayList<>();

    /** {@code tls} null: HTTP/1.1 only; else h2c on the plain port too, and the HTTPS port (as src/main/jetty/jetty-http2.xml). */
    EmbeddedJetty(Map<String, String> contextParams, TestCertificate tls) throws Exception {
        HttpConfiguration http = new HttpConfiguration();
        if (tls == null) {
            connector = new ServerConnector(server, new HttpConnectionFactory(http));
            tlsConnector = null;
        } else {
            connector = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
            HttpConfiguration https = new HttpConfiguration(http);
            https.addCustomizer(new SecureRequestCustomizer());
            SslContextFactory.Server ssl = new SslContextFactory.Server();
            ssl.setKeyStorePath(tls.keystore().toString());
            ssl.setKeyStorePassword(tls.password());
            ssl.setKeyStoreType("PKCS12");
            tlsConnector = new ServerConnector(server, new SslConnectionFactory(ssl, "alpn"),
                    new ALPNServerConnectionFactory("h2", "http/1.1"), new HTTP2ServerConnectionFactory(https),
                    new HttpConnectionFactory(https));
            listenOnLoopback(tlsConnector);
        }
        listenOnLoopback(connector);
        server.setHandler(contexts);
        server.start();
        try {
            root = deploy("", contextParams);
        } catch (Exception e) {
            server.stop();
            throw e;
        }
    }

    private void listenOnLoopback(ServerConnector listener) {
        listener.setHost("127.0.0.1");
        listener.setPort(0);
        server.addConnector(listener);
    }

    @Override
    public int httpPort() {
        return connector.getLocalPort();
    }

    @Override
    public int httpsPort() {
        if (tlsConnector == null) throw new IllegalStateException("no HTTPS: start the container with startWithHttp2");
        return tlsConnector.getLocalPort();
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
        Webapp deployedWebapp = new Webapp() {
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
                if (!deployed.remove(this)) return; // undeployed already
                webapp.stop();
                contexts.removeHandler(webapp);
                webapp.destroy();
            }
        };
        deployed.add(deployedWebapp);
        return deployedWebapp;
    }

    @Override
    public void close() throws Exception {
        // Server.stop() leaves the contexts added after the server started (the root and every deploy())
        // running, with their RTMP ports, threads and Redis clients: stop them first, the latest first, while
        // their players' connections are still open.
        try {
            List<Webapp> latestFirst = new ArrayList<>(deployed);
            Collections.reverse(latestFirst);
            for (Webapp webapp : latestFirst) webapp.undeploy();
        } finally {
            server.stop();
        }
    }

    @Override
    public String toString() {
        return "Jetty " + Server.getVersion();
    }
}
