package io.streamlet.packager;

import io.streamlet.config.ConfigReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * HLS output's knobs ({@code streamlet.hls.*}).
 *
 * @param enabled make and serve HLS for every live stream
 * @param fragmentMs the target segment duration: a segment ends on the first keyframe this long after its start
 * @param window the segments a playlist lists
 * @param path a directory the playlists and segments are also written to (for a CDN origin), or null
 */
public record HlsConfig(boolean enabled, long fragmentMs, int window, Path path) {

    public static HlsConfig read(ConfigReader r) {
        return new HlsConfig(
                r.bool("streamlet.hls.enabled", true),
                r.duration("streamlet.hls.fragment", 2_000, 500, 60_000),
                r.integer("streamlet.hls.window", 6, 2, 100),
                r.parsed("streamlet.hls.path", "", HlsConfig::directory));
    }

    public static HlsConfig defaults() {
        return read(new ConfigReader(name -> null));
    }

    private static Path directory(String value) {
        if (value.isBlank()) return null;
        try {
            return Path.of(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("not a path: " + e.getMessage());
        }
    }
}
