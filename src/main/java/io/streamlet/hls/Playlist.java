package io.streamlet.hls;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A live HLS media playlist (RFC 8216) over a sliding window of the newest segments. The target duration
 * never goes down and is at least every listed segment's duration rounded to the nearest second
 * (4.3.3.1); the media sequence and discontinuity sequence count what slid out of the window, so that
 * a player polling it keeps its place (6.2.2).
 */
public final class Playlist {
    /**
     * A segment as listed.
     * @param mapUri the URI of its fMP4 initialization section (EXT-X-MAP), or null for MPEG-TS
     */
    public record Entry(long sequence, String uri, long durationMs, boolean discontinuity, String mapUri) {}

    private final int window;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private long targetDuration;
    private long discontinuitySequence;
    private boolean ended;

    /**
     * @param window the most segments listed
     * @param targetDurationMs the segment duration aimed at: the least EXT-X-TARGETDURATION
     */
    public Playlist(int window, long targetDurationMs) {
        if (window < 1) throw new IllegalArgumentException("window of " + window + " segments");
        this.window = window;
        this.targetDuration = Math.max(1, roundedSeconds(targetDurationMs));
    }

    /** Lists a segment after the others; the oldest leaves when the window is full. */
    public void add(Entry entry) {
        Entry last = entries.peekLast();
        if (last != null && entry.sequence() != last.sequence() + 1) {
            throw new IllegalArgumentException("segment " + entry.sequence() + " after " + last.sequence());
        }
        entries.addLast(entry);
        targetDuration = Math.max(targetDuration, roundedSeconds(entry.durationMs()));
        while (entries.size() > window) {
            if (entries.removeFirst().discontinuity()) discontinuitySequence++;
        }
        ended = false;
    }

    /** No segment will follow (EXT-X-ENDLIST) until the next {@link #add}. */
    public void end() {
        ended = true;
    }

    public String render() {
        boolean fmp4 = entries.stream().anyMatch(e -> e.mapUri() != null);
        StringBuilder m3u8 = new StringBuilder(64 * (entries.size() + 4));
        m3u8.append("#EXTM3U\n");
        // Version 3 for decimal EXTINF durations; 6 for EXT-X-MAP in a playlist that is not I-frames only (7).
        m3u8.append("#EXT-X-VERSION:").append(fmp4 ? 6 : 3).append('\n');
        m3u8.append("#EXT-X-TARGETDURATION:").append(targetDuration).append('\n');
        m3u8.append("#EXT-X-MEDIA-SEQUENCE:").append(entries.isEmpty() ? 0 : entries.peekFirst().sequence()).append('\n');
        if (discontinuitySequence > 0) m3u8.append("#EXT-X-DISCONTINUITY-SEQUENCE:").append(discontinuitySequence).append('\n');
        String map = null;
        for (Entry e : entries) {
            if (e.discontinuity()) m3u8.append("#EXT-X-DISCONTINUITY\n");
            if (e.mapUri() != null && !e.mapUri().equals(map)) {
                map = e.mapUri();
                m3u8.append("#EXT-X-MAP:URI=\"").append(map).append("\"\n");
            }
            m3u8.append(String.format(Locale.ROOT, "#EXTINF:%.3f,", e.durationMs() / 1000.0)).append('\n');
            m3u8.append(e.uri()).append('\n');
        }
        if (ended) m3u8.append("#EXT-X-ENDLIST\n");
        return m3u8.toString();
    }

    /** Half up, as RFC 8216 4.3.3.1 rounds for the target duration. */
    private static long roundedSeconds(long ms) {
        return (ms + 500) / 1000;
    }
}
