package io.streamlet.record;

import io.streamlet.live.StreamKey;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a recording's file goes: SRS's {@code dvr_path} template. {@code [app]} and {@code [stream]} are the
 * stream's names; {@code [timestamp]} the time the file was opened, in Unix milliseconds; Go's reference
 * date stands for that time's parts in the server's zone: {@code [2006]} year, {@code [01]} month,
 * {@code [02]} day, {@code [15]} hour, {@code [04]} minute, {@code [05]} second, {@code [999]} millisecond,
 * each zero-padded. Any other bracketed word is refused, so that a typo is not written into every file name.
 */
public record DvrPath(String template) {
    private static final Pattern VARIABLE = Pattern.compile("\\[([^\\[\\]]*)\\]");

    /** @throws IllegalArgumentException an unknown variable, or an extension Streamlet cannot record in */
    public DvrPath {
        Matcher m = VARIABLE.matcher(template);
        while (m.find()) {
            if (!isKnown(m.group(1))) {
                throw new IllegalArgumentException("unknown variable [" + m.group(1) + "] (known: [app], [stream],"
                        + " [timestamp], [2006], [01], [02], [15], [04], [05], [999])");
            }
        }
        String name = template.toLowerCase(Locale.ROOT);
        if (!name.endsWith(".flv") && !name.endsWith(".mp4")) {
            throw new IllegalArgumentException("the file name must end in .flv or .mp4 (Streamlet records FLV or fragmented MP4)");
        }
    }

    /** Whether files are fragmented MP4 ({@code .mp4}) rather than FLV. */
    public boolean isMp4() {
        return template.toLowerCase(Locale.ROOT).endsWith(".mp4");
    }

    /** The file for {@code key} opened at {@code at}, with the date parts in {@code zone}. */
    public Path resolve(StreamKey key, Instant at, ZoneId zone) {
        ZonedDateTime t = at.atZone(zone);
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "app" -> key.app();
                case "stream" -> key.stream();
                case "timestamp" -> Long.toString(at.toEpochMilli());
                case "2006" -> String.format(Locale.ROOT, "%04d", t.getYear());
                case "01" -> two(t.getMonthValue());
                case "02" -> two(t.getDayOfMonth());
                case "15" -> two(t.getHour());
                case "04" -> two(t.getMinute());
                case "05" -> two(t.getSecond());
                case "999" -> String.format(Locale.ROOT, "%03d", t.getNano() / 1_000_000);
                default -> throw new IllegalStateException("checked in the constructor");
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return Path.of(out.toString());
    }

    private static boolean isKnown(String name) {
        return switch (name) {
            case "app", "stream", "timestamp", "2006", "01", "02", "15", "04", "05", "999" -> true;
            default -> false;
        };
    }

    private static String two(int n) {
        return String.format(Locale.ROOT, "%02d", n);
    }
}
