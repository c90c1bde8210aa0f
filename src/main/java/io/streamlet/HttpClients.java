package io.streamlet;

import java.net.http.HttpClient;

/** Builds the webapp's {@code java.net.http} clients (hooks, HTTP-FLV pulls) so that undeploy leaves no trace. */
public final class HttpClients {
    private HttpClients() {}

    /**
     * The client starts its selector thread when built, and the thread takes the building thread's context class
     * loader: the webapp's. Before Java 21 nothing can stop that thread: it ends on its own once the client is
     * unreachable. Built under the platform loader, it does not name the webapp's loader meanwhile, which Tomcat
     * reports at undeploy as a thread the webapp failed to stop.
     */
    public static HttpClient build(HttpClient.Builder builder) {
        Thread current = Thread.currentThread();
        ClassLoader webappLoader = current.getContextClassLoader();
        current.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            return builder.build();
        } finally {
            current.setContextClassLoader(webappLoader);
        }
    }
}
