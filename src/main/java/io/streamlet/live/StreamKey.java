package io.streamlet.live;

import java.util.regex.Pattern;

/**
 * Names one live stream: SRS's {@code app/stream}, without any query string.
 *
 * <p>Names are restricted to a safe alphabet so that a key made from an RTMP {@code publish} and one
 * made from an HTTP path can only meet when they really name the same stream (no {@code ..}, no
 * separators, no encoded tricks).
 */
public record StreamKey(String app, String stream) {
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_\\-][A-Za-z0-9_.\\-]{0,127}");

    public StreamKey {
        if (!isValidName(app)) throw new IllegalArgumentException("invalid app name '" + app + "'");
        if (!isValidName(stream)) throw new IllegalArgumentException("invalid stream name '" + stream + "'");
    }

    /** True for names of 1 to 128 letters, digits, {@code _ - .}, not starting with a dot. */
    public static boolean isValidName(String name) {
        return name != null && SEGMENT.matcher(name).matches();
    }

    @Override
    public String toString() {
        return app + "/" + stream;
    }
}
