package io.streamlet.packager;

import io.streamlet.live.StreamKey;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The URLs of a stream's HLS, relative to the webapp: the playlist {@code /{app}/{stream}.m3u8}, and beside
 * it the segments {@code {stream}-{generation}-{sequence}.ts} (or {@code .m4s}) and fMP4 initialization
 * sections {@code {stream}-{generation}-init{id}.mp4}. The generation names one publish of the stream (it
 * changes when the stream is published anew after it ended), so a segment's URL is never reused for other
 * bytes and may be cached for long. Every request path goes through {@link #parse}, for the servlet and the
 * auth filter alike, so the two cannot read a path differently.
 *
 * @param number the segment's media sequence number, or the initialization section's id; 0 for a playlist
 */
public record HlsPath(StreamKey key, Kind kind, String generation, long number) {

    /** What a path names, with its file extension and the content type it is served with. */
    public enum Kind {
        PLAYLIST(".m3u8", "application/vnd.apple.mpegurl"),
        TS_SEGMENT(".ts", "video/mp2t"),
        FMP4_SEGMENT(".m4s", "video/iso.segment"),
        INIT_SECTION(".mp4", "video/mp4");

        public final String extension;
        public final String contentType;

        Kind(String extension, String contentType) {
            this.extension = extension;
            this.contentType = contentType;
        }
    }

    private static final Pattern PATH = Pattern.compile("/(?<app>[^/]+)/(?<file>[^/]+)");
    /** Greedy on the stream name: the generation and number are the last two parts, whatever dashes the name has. */
    private static final Pattern MEDIA = Pattern.compile("(?<stream>.+)-(?<gen>[0-9a-z]{1,16})-(?<init>init)?(?<n>[0-9]{1,18})");

    /** The HLS resource a request path (the container's decoded, normalised path in the webapp) names, or null. */
    public static HlsPath parse(String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) return null;
        String app = m.group("app");
        String file = m.group("file");
        for (Kind kind : Kind.values()) {
            if (!file.endsWith(kind.extension)) continue;
            String name = file.substring(0, file.length() - kind.extension.length());
            if (kind == Kind.PLAYLIST) return of(app, name, kind, "", 0);
            Matcher media = MEDIA.matcher(name);
            if (!media.matches() || (media.group("init") != null) != (kind == Kind.INIT_SECTION)) return null;
            return of(app, media.group("stream"), kind, media.group("gen"), Long.parseLong(media.group("n")));
        }
        return null;
    }

    private static HlsPath of(String app, String stream, Kind kind, String generation, long number) {
        if (!StreamKey.isValidName(app) || !StreamKey.isValidName(stream)) return null;
        return new HlsPath(new StreamKey(app, stream), kind, generation, number);
    }

    /** The playlist's path, {@code /app/stream.m3u8}. */
    public static String playlistPath(StreamKey key) {
        return "/" + key.app() + "/" + key.stream() + Kind.PLAYLIST.extension;
    }

    /** A segment's URI relative to its playlist. */
    static String segmentName(StreamKey key, String generation, long sequence, boolean fmp4) {
        return key.stream() + "-" + generation + "-" + sequence + (fmp4 ? Kind.FMP4_SEGMENT : Kind.TS_SEGMENT).extension;
    }

    /** An initialization section's URI relative to its playlist. */
    static String initName(StreamKey key, String generation, int id) {
        return key.stream() + "-" + generation + "-init" + id + Kind.INIT_SECTION.extension;
    }
}
