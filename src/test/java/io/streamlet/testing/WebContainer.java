package io.streamlet.testing;

import io.streamlet.config.ContextAttributes;
import io.streamlet.server.Streamlet;
import io.streamlet.webapp.StreamletListener;
import jakarta.servlet.ServletContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A servlet container embedded in the test JVM, listening on 127.0.0.1 on a port chosen by the OS, that
 * runs the webapp as it is in the source tree: {@code src/main/webapp} with the compiled classes from the
 * test classpath (loaded parent-first, so tests can look into the webapp's runtime).
 *
 * <p>It starts with the webapp at the root; {@link #deploy} adds more instances at other context paths.
 * Every instance gets RTMP on 127.0.0.1 on a free port unless its context parameters say otherwise.
 */
public interface WebContainer extends AutoCloseable {

    /** The containers the integration suite runs on. */
    enum Kind {
        JETTY {
            @Override
            WebContainer start(Map<String, String> contextParams, TestCertificate tls) throws Exception {
                return new EmbeddedJetty(contextParams, tls);
            }
        },
        TOMCAT {
            @Override
            WebContainer start(Map<String, String> contextParams, TestCertificate tls) throws Exception {
                return new EmbeddedTomcat(contextParams, tls);
            }
        };

        /** Starts the container with the webapp at the root; fails if the webapp fails to start. */
        public WebContainer start(Map<String, String> contextParams) throws Exception {
            return start(contextParams, null);
        }

        /**
         * As {@link #start(Map)}, with HTTP/2 as a deployment turns it on: an HTTPS port ({@link #httpsPort()}, the
         * {@link TestCertificate#selfSigned() test certificate}) that speaks HTTP/2 to clients offering it by ALPN
         * and HTTP/1.1 to the others, and HTTP/2 without TLS (h2c) on the plain port besides HTTP/1.1.
         */
        public WebContainer startWithHttp2(Map<String, String> contextParams) throws Exception {
            return start(contextParams, TestCertificate.selfSigned());
        }

        /** {@code tls} null: plain HTTP/1.1 only. */
        abstract WebContainer start(Map<String, String> contextParams, TestCertificate tls) throws Exception;
    }

    /** One started instance of the webapp in a container. */
    interface Webapp {
        /** "" for the root. */
        String contextPath();

        ServletContext servletContext();

        /** Stops the webapp and removes it from the container, as an admin's undeploy does. */
        void undeploy() throws Exception;

        /** The bound RTMP port (the context attribute {@link StreamletListener#RTMP_PORT}); null without ingest. */
        default Integer rtmpPortOrNull() {
            return (Integer) servletContext().getAttribute(StreamletListener.RTMP_PORT);
        }

        /** The running server of this webapp, to look into it. */
        default Streamlet streamlet() {
            return ContextAttributes.require(servletContext()::getAttribute, Streamlet.class);
        }

        default int rtmpPort() {
            Integer port = rtmpPortOrNull();
            if (port == null) throw new IllegalStateException("RTMP ingest is not running in " + contextPath());
            return port;
        }
    }

    /** Thrown by {@link #deploy} (and {@link Kind#start}) when the container did not start the webapp. */
    final class WebappStartException extends Exception {
        public WebappStartException(String contextPath, Throwable cause) {
            super("the webapp at '" + contextPath + "' failed to start: " + cause, cause);
        }
    }

    int httpPort();

    /** The HTTPS port of a container started with {@link Kind#startWithHttp2}; fails for the others. */
    int httpsPort();

    /** The webapp at the root. */
    Webapp webapp();

    /**
     * Deploys and starts another instance of the webapp at {@code contextPath} ("/name").
     *
     * @throws WebappStartException if the webapp does not start, with the webapp's own exception as cause
     */
    Webapp deploy(String contextPath, Map<String, String> contextParams) throws Exception;

    /** Stops the container and everything in it. */
    @Override
    void close() throws Exception;

    default int rtmpPort() {
        return webapp().rtmpPort();
    }

    default Streamlet streamlet() {
        return webapp().streamlet();
    }

    default ServletContext servletContext() {
        return webapp().servletContext();
    }

    default String url(String path) {
        return "http://127.0.0.1:" + httpPort() + path;
    }

    default String httpsUrl(String path) {
        return "https://127.0.0.1:" + httpsPort() + path;
    }

    /** What the tests run with: RTMP on 127.0.0.1, on a port chosen by the OS; then {@code overrides}. */
    static Map<String, String> testContextParams(Map<String, String> overrides) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("streamlet.rtmp.host", "127.0.0.1");
        params.put("streamlet.rtmp.port", "0");
        params.putAll(overrides);
        return params;
    }
}
