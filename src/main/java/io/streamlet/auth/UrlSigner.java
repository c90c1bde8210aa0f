package io.streamlet.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed URLs: {@code ?sign=EXPIRY-HMAC}, where EXPIRY is the Unix time in seconds (10 digits) after which
 * the URL stops working, and HMAC is the lowercase hex HMAC-SHA256, keyed with the secret, of the string
 * {@code /APP/STREAM} immediately followed by EXPIRY, e.g. {@code /live/livestream1767225600}. The same
 * string is signed for {@code rtmp://host/live/livestream} and {@code http://host/live/livestream.flv}
 * (no context path, no {@code .flv}); play and publish use separate secrets, so one cannot stand for the
 * other. EXPIRY has a fixed width so that path and expiry cannot be re-split into another valid pair.
 *
 * <p>Also a command that signs a URL: {@code java -cp WEB-INF/classes io.streamlet.auth.UrlSigner SECRET URL [TTL_SECONDS]}.
 */
public final class UrlSigner {
    /** The query parameter carrying the signature. */
    public static final String PARAM = "sign";
    private static final String ALGORITHM = "HmacSHA256";
    private static final Pattern SIGN = Pattern.compile("(\\d{10})-([0-9a-fA-F]{64})");
    private static final long MIN_EXPIRY = 1_000_000_000L;
    private static final long MAX_EXPIRY = 9_999_999_999L;
    private static final long DEFAULT_TTL_SECONDS = 3600;

    private final SecretKeySpec key;

    public UrlSigner(String secret) {
        if (secret.isEmpty()) throw new IllegalArgumentException("empty secret");
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    /** The value of the {@code sign} parameter for {@code streamPath} ({@code /app/stream}) until {@code expiresAt}. */
    public String sign(String streamPath, long expiresAtEpochSeconds) {
        if (expiresAtEpochSeconds < MIN_EXPIRY || expiresAtEpochSeconds > MAX_EXPIRY) {
            throw new IllegalArgumentException("expiry must be a 10-digit Unix time in seconds: " + expiresAtEpochSeconds);
        }
        return expiresAtEpochSeconds + "-" + HexFormat.of().formatHex(hmac(streamPath, Long.toString(expiresAtEpochSeconds)));
    }

    /**
     * Null if {@code sign} is a valid, unexpired signature of {@code streamPath}, else why not. The MAC is
     * compared in constant time, and before the expiry, so a forgery is never told it merely expired.
     */
    public String verify(String streamPath, String sign, long nowEpochSeconds) {
        if (sign == null || sign.isEmpty()) return "missing signature";
        var m = SIGN.matcher(sign);
        if (!m.matches()) return "malformed signature";
        byte[] expected = hmac(streamPath, m.group(1));
        if (!MessageDigest.isEqual(expected, HexFormat.of().parseHex(m.group(2)))) return "bad signature";
        if (Long.parseLong(m.group(1)) <= nowEpochSeconds) return "signature expired";
        return null;
    }

    private byte[] hmac(String streamPath, String expiry) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal((streamPath + expiry).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * The {@code /app/stream} a URL names, as signed: the last two path segments, without {@code .flv} or
     * {@code .m3u8} ({@code rtmp://h/live/s}, {@code http://h:8080/ctx/live/s.flv}, {@code .../live/s.m3u8} → {@code /live/s}).
     */
    static String streamPathOf(URI url) {
        String path = url.getPath() == null ? "" : url.getPath();
        for (String extension : new String[] {".flv", ".m3u8"}) {
            if (path.endsWith(extension)) path = path.substring(0, path.length() - extension.length());
        }
        String[] segments = path.split("/");
        if (segments.length < 3) throw new IllegalArgumentException("no /app/stream in " + url);
        return "/" + segments[segments.length - 2] + "/" + segments[segments.length - 1];
    }

    /** Prints {@code URL} with a {@code sign} parameter valid for TTL seconds (default an hour). */
    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: UrlSigner SECRET URL [TTL_SECONDS]\n"
                    + "  e.g. UrlSigner \"$STREAMLET_AUTH_PLAYSECRET\" http://localhost:8080/live/livestream.flv 3600\n"
                    + "       UrlSigner \"$STREAMLET_AUTH_PUBLISHSECRET\" rtmp://localhost/live/livestream");
            System.exit(2);
        }
        URI url = URI.create(args[1]);
        long ttl = args.length == 3 ? Long.parseLong(args[2]) : DEFAULT_TTL_SECONDS;
        String sign = new UrlSigner(args[0]).sign(streamPathOf(url), System.currentTimeMillis() / 1000 + ttl);
        System.out.println(args[1] + (url.getRawQuery() == null ? "?" : "&") + PARAM + "=" + sign);
    }
}
