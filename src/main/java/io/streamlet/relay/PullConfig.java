package io.streamlet.relay;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.live.StreamKey;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The static pulls' knobs ({@code streamlet.pull.*}): which streams are pulled from where, which stay on
 * from start, and the timings of the pulls they start.
 *
 * @param sources {@code streamlet.pull.sources}, in the order given
 * @param always {@code streamlet.pull.always}: streams pulled from start and never stopped for idleness
 * @param idleTimeoutMs how long a pull goes on after its last player left
 * @param maxStreamWaitMs how long a player waits for a pulled stream to come before a 404
 * @param maxHops a play that already crossed this many relays never starts a pull (loops stop here)
 */
public record PullConfig(List<Source> sources, Set<StreamKey> always, long idleTimeoutMs, long maxStreamWaitMs,
        int maxHops) {

    /**
     * One entry of {@code streamlet.pull.sources}: {@code app/stream=URL}, or {@code app/*=URL} for every
     * stream of an app, where the URL may hold {@code [app]} and {@code [stream]}.
     *
     * @param stream the stream's name, or null for every stream of {@code app}
     */
    public record Source(String app, String stream, String urlTemplate) {

        /** Parses {@code app/stream=URL} or {@code app/*=URL-template}. */
        public static Source parse(String entry) {
            int eq = entry.indexOf('=');
            int slash = entry.indexOf('/');
            if (eq < 0 || slash < 0 || slash > eq) {
                throw new IllegalArgumentException("expected app/stream=URL or app/*=URL with [app] and [stream]");
            }
            String app = entry.substring(0, slash).trim();
            String stream = entry.substring(slash + 1, eq).trim();
            Source source = new Source(app, stream.equals("*") ? null : stream, entry.substring(eq + 1).trim());
            source.urlFor(new StreamKey(app, stream.equals("*") ? "x" : stream)); // names and a URL a pull can use
            return source;
        }

        public boolean matches(StreamKey key) {
            return app.equals(key.app()) && (stream == null || stream.equals(key.stream()));
        }

        /** The URL of {@code key}'s upstream: the template with {@code [app]} and {@code [stream]} filled in. */
        public URI urlFor(StreamKey key) {
            String url = urlTemplate.replace("[app]", key.app()).replace("[stream]", key.stream());
            try {
                URI uri = new URI(url);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!List.of("http", "https", "rtmp").contains(scheme) || uri.getHost() == null) {
                    throw new IllegalArgumentException("'" + url + "' is not an http://, https:// or rtmp:// URL");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("'" + url + "' is not a URL: " + e.getMessage());
            }
        }
    }

    public static PullConfig read(ConfigReader r) {
        List<Source> sources = r.parsedList("streamlet.pull.sources", Source::parse);
        List<StreamKey> always = r.parsedList("streamlet.pull.always", PullConfig::parseKey);
        for (StreamKey key : always) {
            if (sources.stream().noneMatch(s -> s.matches(key))) {
                throw new InvalidConfigException("invalid value '" + key + "' for streamlet.pull.always: "
                        + "no entry of streamlet.pull.sources serves it");
            }
        }
        return new PullConfig(sources, Set.copyOf(always),
                r.duration("streamlet.pull.idleTimeout", 15_000, 0, 86_400_000),
                r.duration("streamlet.pull.maxStreamWait", 5_000, 100, 600_000),
                r.integer("streamlet.pull.maxHops", 2, 1, 16));
    }

    public static PullConfig defaults() {
        return read(new ConfigReader(name -> null));
    }

    /** The static sources of {@code key}, exact entries before {@code app/*} ones. */
    List<URI> sourcesOf(StreamKey key) {
        List<URI> urls = new ArrayList<>();
        for (Source s : sources) if (s.matches(key) && s.stream() != null) urls.add(s.urlFor(key));
        for (Source s : sources) if (s.matches(key) && s.stream() == null) urls.add(s.urlFor(key));
        return urls;
    }

    private static StreamKey parseKey(String appSlashStream) {
        int slash = appSlashStream.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("expected app/stream");
        return new StreamKey(appSlashStream.substring(0, slash), appSlashStream.substring(slash + 1));
    }
}
