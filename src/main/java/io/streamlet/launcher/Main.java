package io.streamlet.launcher;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.SAXException;

/**
 * {@code java -jar streamlet.war}: runs the WAR in an embedded Jetty, as {@code jenkins.war} does. This
 * class sits at the WAR's root, where a container never looks, and uses only the JDK: it unpacks the WAR
 * once (Jetty's jars are in {@code WEB-INF/lib-embedded/}, which containers ignore too), then runs
 * {@link EmbeddedServer} in a class loader over those jars. {@code sign} runs the URL signer instead.
 */
public final class Main {
    static final String USAGE = """
            usage: java -jar streamlet.war [--http-port=PORT] [--http-host=ADDRESS]
                   java -jar streamlet.war sign SECRET URL [TTL_SECONDS]

              --http-port  HTTP port (system property streamlet.http.port, environment STREAMLET_HTTP_PORT;
                           default 8080, 0 for any free port)
              --http-host  address HTTP listens on (streamlet.http.host, STREAMLET_HTTP_HOST; default all)
              sign         prints URL with a sign parameter made with SECRET, valid for TTL_SECONDS (3600)

            Every other knob is a system property or environment variable, e.g.
              java -Dstreamlet.rtmp.port=1936 -jar streamlet.war
            """;

    private Main() {}

    public static void main(String[] args) throws Exception {
        // Before anything touches java.util.logging: keep its handlers through the JVM's shutdown, when the
        // webapp logs its stop lines (see ShutdownSafeLogManager).
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", ShutdownSafeLogManager.class.getName());
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT.%1$tL %4$s %3$s - %5$s%6$s%n");
        }
        List<String> arguments = List.of(args);
        if (!arguments.isEmpty() && arguments.get(0).equals("sign")) {
            Path webapp = unpacked(war());
            run(webappClassLoader(webapp), "io.streamlet.auth.UrlSigner", "main",
                    new Class<?>[] {String[].class}, (Object) arguments.subList(1, arguments.size()).toArray(String[]::new));
            return;
        }
        String host;
        int port;
        try {
            Map<String, String> options = options(arguments);
            host = option(options, "--http-host", "streamlet.http.host", "0.0.0.0");
            port = port(option(options, "--http-port", "streamlet.http.port", "8080"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\n\n" + USAGE);
            System.exit(2);
            return;
        }
        warmUpJdk();
        Path webapp = unpacked(war());
        run(serverClassLoader(webapp), "io.streamlet.launcher.EmbeddedServer", "run",
                new Class<?>[] {Path.class, String.class, int.class}, webapp, host, port);
    }

    /**
     * Starts on another core the JDK's part of what Jetty asks for in its first second, so that it is done or
     * under way when Jetty gets there: the list of the JDK's locales (Jetty's MimeTypes makes a set of them
     * before anything else; a fifth of the start on one core), a SecureRandom (the webapp's temp folder, session
     * ids) and a SAX parser (web.xml). Only the JDK's own caches fill up: a failure here is Jetty's to report.
     */
    private static void warmUpJdk() {
        Thread thread = new Thread(() -> {
            Locale.getAvailableLocales();
            new SecureRandom().nextInt();
            try {
                SAXParserFactory.newInstance().newSAXParser();
            } catch (ParserConfigurationException | SAXException e) {
                // reported by Jetty when it parses web.xml
            }
        }, "streamlet-jdk-warm-up");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@code --name=value} arguments by name; anything else is refused, {@code --help} prints the usage. */
    static Map<String, String> options(List<String> args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(USAGE);
                System.exit(0);
            }
            int equals = arg.indexOf('=');
            String name = equals < 0 ? arg : arg.substring(0, equals);
            if (equals < 0 || !name.equals("--http-port") && !name.equals("--http-host")) {
                throw new IllegalArgumentException("unknown argument: " + arg);
            }
            options.put(name, arg.substring(equals + 1));
        }
        return options;
    }

    /** The option {@code flag} if given, else the system property, the environment variable, the default. */
    static String option(Map<String, String> options, String flag, String property, String dflt) {
        String value = options.get(flag);
        if (value == null) value = System.getProperty(property);
        if (value == null) value = System.getenv(property.toUpperCase(Locale.ROOT).replace('.', '_'));
        return value == null || value.isBlank() ? dflt : value.trim();
    }

    static int port(String value) {
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) return port;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("invalid HTTP port '" + value + "': expected 0 to 65535");
    }

    private static void run(ClassLoader loader, String className, String method, Class<?>[] types, Object... args)
            throws Exception {
        Thread.currentThread().setContextClassLoader(loader);
        Method entry = loader.loadClass(className).getMethod(method, types);
        try {
            entry.invoke(null, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception cause) throw cause;
            throw e;
        }
    }

    /** This WAR's launcher classes and Jetty; the JDK's own classes come from the platform loader. */
    private static ClassLoader serverClassLoader(Path webapp) throws IOException {
        List<URL> urls = new ArrayList<>();
        urls.add(webapp.toUri().toURL());
        urls.addAll(jars(webapp.resolve("WEB-INF/lib-embedded")));
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    /** The webapp's own classes, as a container would load them. */
    private static ClassLoader webappClassLoader(Path webapp) throws IOException {
        List<URL> urls = new ArrayList<>();
        urls.add(webapp.resolve("WEB-INF/classes").toUri().toURL());
        urls.addAll(jars(webapp.resolve("WEB-INF/lib")));
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }

    private static List<URL> jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<URL> urls = new ArrayList<>();
            for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) urls.add(jar.toUri().toURL());
            return urls;
        }
    }

    private static Path war() throws URISyntaxException {
        Path war = warPath(Main.class.getProtectionDomain().getCodeSource(), System.getProperty("java.class.path"));
        if (!Files.isRegularFile(war)) throw new IllegalStateException("not run from a WAR file: " + war);
        return war;
    }

    /**
     * The WAR this class was loaded from. A class loaded from Java 25's AOT cache ({@code -XX:AOTCache}) has no
     * location; {@code java -jar} puts the WAR alone on the class path.
     */
    static Path warPath(CodeSource source, String classPath) throws URISyntaxException {
        return source != null && source.getLocation() != null ? Path.of(source.getLocation().toURI()) : Path.of(classPath);
    }

    private static Path unpacked(Path war) throws IOException {
        return UnpackedWar.of(war, Path.of(System.getProperty("java.io.tmpdir")));
    }
}
