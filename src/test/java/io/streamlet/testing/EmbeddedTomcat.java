package io.streamlet.testing;

import jakarta.servlet.ServletContext;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.descriptor.web.ApplicationParameter;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;
import org.apache.tomcat.util.scan.StandardJarScanner;

/** The webapp in an embedded Tomcat; see {@link WebContainer}. */
public final class EmbeddedTomcat implements WebContainer {
    /** Parent of every context's logger: Tomcat logs a listener that failed to start there. */
    private static final String CONTAINER_LOGGER = "org.apache.catalina.core.ContainerBase";

    private final Path baseDir;
    private final Tomcat tomcat = new Tomcat();
    private final Connector connector = new Connector();
    /** HTTPS with HTTP/2 by ALPN; null unless started with a certificate. */
    private final Connector tlsConnector;
    private final Webapp root;

    /** {@code tls} null: HTTP/1.1 only; else h2c on the plain port too, and the HTTPS port (as the README's server.xml). */
    EmbeddedTomcat(Map<String, String> contextParams, TestCertificate tls) throws Exception {
        baseDir = Files.createTempDirectory("streamlet-tomcat-");
        tomcat.setBaseDir(baseDir.toString());
        listenOnLoopback(connector);
        tomcat.setConnector(connector);
        if (tls == null) {
            tlsConnector = null;
        } else {
            connector.addUpgradeProtocol(new Http2Protocol());
            tlsConnector = new Connector();
            listenOnLoopback(tlsConnector);
            tlsConnector.setScheme("https");
            tlsConnector.setSecure(true);
            tlsConnector.setProperty("SSLEnabled", "true");
            SSLHostConfig ssl = new SSLHostConfig();
            SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.UNDEFINED);
            certificate.setCertificateKeystoreFile(tls.keystore().toString());
            certificate.setCertificateKeystorePassword(tls.password());
            certificate.setCertificateKeystoreType("PKCS12");
            ssl.addCertificate(certificate);
            tlsConnector.addSslHostConfig(ssl);
            tlsConnector.addUpgradeProtocol(new Http2Protocol());
            tomcat.getService().addConnector(tlsConnector);
        }
        tomcat.getHost().setAutoDeploy(false);
        // No background processor (session expiry, reload checks: unused here). When its periodic run meets a
        // context being stopped, it blocks on that context's lock with the webapp's class loader bound, and the
        // leak detector then reports Tomcat's own utility thread as one the webapp started.
        tomcat.getEngine().setBackgroundProcessorDelay(-1);
        tomcat.start();
        try {
            root = deploy("", contextParams);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private static void listenOnLoopback(Connector listener) {
        listener.setPort(0);
        listener.setProperty("address", "127.0.0.1");
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
        StandardContext context = new StandardContext();
        context.setName(contextPath);
        context.setPath(contextPath);
        context.setDocBase(new File("src/main/webapp").getAbsolutePath());
        ContextConfig config = new ContextConfig(); // reads WEB-INF/web.xml
        config.setDefaultWebXml(tomcat.noDefaultWebXmlPath()); // no JSP or static-file servlet: the suite needs neither
        context.addLifecycleListener(config);
        WebContainer.testContextParams(contextParams).forEach((name, value) -> context.addApplicationParameter(parameter(name, value)));
        context.setDelegate(true); // parent-first, as the classes are on the test classpath
        context.setContainerSciFilter("org\\.eclipse\\.jetty\\..*"); // Jetty's initializers are on the test classpath too
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false); // the test classpath is not the webapp's WEB-INF/lib
        context.setJarScanner(scanner);
        // The player page's files (index.html, player.js), served as a Tomcat's conf/web.xml would, for the browser tests.
        Tomcat.addServlet(context, "default", new DefaultServlet());
        context.addServletMappingDecoded("/", "default");
        Map.of("html", "text/html", "js", "text/javascript", "css", "text/css").forEach(context::addMimeMapping);

        // Tomcat does not throw when a listener fails: it logs the exception and marks the context FAILED.
        AtomicReference<Throwable> startFailure = new AtomicReference<>();
        Handler failureCatcher = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.SEVERE.intValue() && record.getThrown() != null) {
                    startFailure.compareAndSet(null, record.getThrown());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger containerLog = Logger.getLogger(CONTAINER_LOGGER);
        containerLog.addHandler(failureCatcher);
        try {
            tomcat.getHost().addChild(context); // the host is started: this starts the webapp
        } finally {
            containerLog.removeHandler(failureCatcher);
        }
        if (context.getState() != LifecycleState.STARTED) {
            tomcat.getHost().removeChild(context);
            Throwable cause = startFailure.get();
            throw new WebappStartException(contextPath,
                    cause != null ? cause : new IllegalStateException("context state " + context.getState()));
        }
        return new Webapp() {
            @Override
            public String contextPath() {
                return contextPath;
            }

            @Override
            public ServletContext servletContext() {
                return context.getServletContext();
            }

            @Override
            public void undeploy() {
                tomcat.getHost().removeChild(context); // stops and destroys it, running the leak detection
            }
        };
    }

    /** A context parameter as from context.xml; override=false: a context-param in web.xml may not replace it. */
    private static ApplicationParameter parameter(String name, String value) {
        ApplicationParameter parameter = new ApplicationParameter();
        parameter.setName(name);
        parameter.setValue(value);
        parameter.setOverride(false);
        return parameter;
    }

    @Override
    public void close() throws Exception {
        tomcat.stop();
        tomcat.destroy();
        try (Stream<Path> files = Files.walk(baseDir)) {
            files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    @Override
    public String toString() {
        return org.apache.catalina.util.ServerInfo.getServerInfo();
    }
}
