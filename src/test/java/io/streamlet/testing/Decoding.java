package io.streamlet.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What a real player makes of a stream: ffmpeg decodes it. */
public final class Decoding {
    private Decoding() {}

    /**
     * Decodes two seconds of {@code input} (a URL or a file) with ffmpeg: it must hold H.264 video and AAC audio,
     * and at least 30 video frames must decode.
     */
    public static void assertDecodableH264Aac(String input) throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        ExternalTools.Result result = ExternalTools.run(List.of(ffmpeg, "-hide_banner", "-rw_timeout", "10000000", "-i", input,
                "-t", "2", "-f", "null", "-"), 30);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("Video: h264"), result.output());
        assertTrue(result.output().contains("Audio: aac"), result.output());
        Matcher frames = Pattern.compile("frame=\\s*(\\d+)").matcher(result.output());
        int decoded = 0;
        while (frames.find()) decoded = Integer.parseInt(frames.group(1));
        assertTrue(decoded >= 30, "decoded " + decoded + " frames: " + result.output());
    }
}
