package io.streamlet.bench;

import io.streamlet.rtmp.client.RtmpUrl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The load client's command line: {@code --key=value} arguments, each with a default. */
record BenchOptions(
        InetSocketAddress rtmp,
        InetSocketAddress http,
        String httpPathPrefix,
        String stream,
        int players,
        Protocol protocol,
        double rampSeconds,
        double warmupSeconds,
        double seconds,
        double slowFraction,
        int slowKbps,
        Path file,
        Path json,
        int threads,
        long serverPid) {

    static final String USAGE = """
            LoadClient [--key=value ...]
              --rtmp=HOST:PORT          RTMP endpoint to publish to (default 127.0.0.1:1935)
              --http=HOST:PORT|URL      HTTP base, may include a context path (default 127.0.0.1:8080)
              --stream=APP/NAME         stream to publish and play (default live/bench)
              --players=N               players (default 100)
              --protocol=flv|rtmp|mixed how they play: HTTP-FLV, RTMP from the --rtmp endpoint, or every
                                        other player each (default flv)
              --ramp-seconds=S          players are opened evenly over this time (default 5)
              --warmup-seconds=S        wait after the ramp before measuring (default 5)
              --seconds=S               measured interval (default 20)
              --slow-fraction=F         fraction of players reading at a capped rate (default 0)
              --slow-kbps=K             the slow players' rate in kbit/s (default 100)
              --file=PATH               FLV file to publish in a loop (default target/bench/sample.flv)
              --json=PATH               also write the results as JSON
              --threads=N               selector threads for the players (default 2)
              --server-pid=PID          sample this process's CPU and RSS (the server)
            Only 127.0.0.1 is ever contacted.""";

    /** How the players play the stream. */
    enum Protocol { FLV, RTMP, MIXED }

    private static final Set<String> KEYS = Set.of("rtmp", "http", "stream", "players", "protocol", "ramp-seconds",
            "warmup-seconds", "seconds", "slow-fraction", "slow-kbps", "file", "json", "threads", "server-pid");

    static BenchOptions parse(String[] args) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) throw new IllegalArgumentException("expected --key=value: " + arg);
            String key = arg.substring(2, eq);
            if (!KEYS.contains(key)) throw new IllegalArgumentException("unknown option --" + key);
            values.put(key, arg.substring(eq + 1));
        }
        URI httpBase = baseUri(values.getOrDefault("http", "127.0.0.1:8080"), "http");
        String prefix = httpBase.getPath() == null ? "" : httpBase.getPath().replaceAll("/+$", "");
        BenchOptions options = new BenchOptions(
                loopback(baseUri(values.getOrDefault("rtmp", "127.0.0.1:1935"), "rtmp"), 1935),
                loopback(httpBase, 80),
                prefix,
                values.getOrDefault("stream", "live/bench").replaceAll("^/+|/+$", ""),
                Integer.parseInt(values.getOrDefault("players", "100")),
                protocol(values.getOrDefault("protocol", "flv")),
                Double.parseDouble(values.getOrDefault("ramp-seconds", "5")),
                Double.parseDouble(values.getOrDefault("warmup-seconds", "5")),
                Double.parseDouble(values.getOrDefault("seconds", "20")),
                Double.parseDouble(values.getOrDefault("slow-fraction", "0")),
                Integer.parseInt(values.getOrDefault("slow-kbps", "100")),
                Path.of(values.getOrDefault("file", "target/bench/sample.flv")),
                values.containsKey("json") ? Path.of(values.get("json")) : null,
                Integer.parseInt(values.getOrDefault("threads", "2")),
                Long.parseLong(values.getOrDefault("server-pid", "0")));
        options.validate();
        return options;
    }

    /** The request path of the stream, e.g. {@code /live/bench.flv}. */
    String playPath() {
        return httpPathPrefix + "/" + stream + ".flv";
    }

    /** flv, rtmp or mixed, as on the command line. */
    String protocolName() {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    /** The URL RTMP players play: the stream on the RTMP endpoint. */
    RtmpUrl rtmpPlayUrl() {
        int slash = stream.lastIndexOf('/');
        return new RtmpUrl("127.0.0.1", rtmp.getPort(), stream.substring(0, slash), stream.substring(slash + 1));
    }

    /** Whether player {@code index} plays over RTMP; mixed runs alternate, so both kinds share the ramp. */
    boolean playsRtmp(int index) {
        return protocol == Protocol.RTMP || protocol == Protocol.MIXED && index % 2 == 1;
    }

    int slowPlayers() {
        return (int) Math.round(players * slowFraction);
    }

    private void validate() {
        if (players < 1) throw new IllegalArgumentException("--players must be at least 1");
        if (rampSeconds < 0 || warmupSeconds < 0 || seconds <= 0) {
            throw new IllegalArgumentException("--ramp-seconds and --warmup-seconds must be >= 0, --seconds > 0");
        }
        if (slowFraction < 0 || slowFraction > 1) throw new IllegalArgumentException("--slow-fraction must be in [0, 1]");
        if (slowKbps < 1) throw new IllegalArgumentException("--slow-kbps must be at least 1");
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1");
        if (!stream.contains("/")) throw new IllegalArgumentException("--stream must be APP/NAME");
    }

    private static Protocol protocol(String value) {
        try {
            return Protocol.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--protocol must be flv, rtmp or mixed, not " + value);
        }
    }

    private static URI baseUri(String value, String scheme) {
        return URI.create(value.contains("://") ? value : scheme + "://" + value);
    }

    /** The benchmark only ever talks to this machine: any other host is refused. */
    private static InetSocketAddress loopback(URI uri, int defaultPort) {
        String host = uri.getHost();
        if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) {
            throw new IllegalArgumentException("only 127.0.0.1 is allowed, not " + host);
        }
        try {
            InetAddress address = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            return new InetSocketAddress(address, uri.getPort() < 0 ? defaultPort : uri.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
