package io.streamlet.servlet;

import static io.streamlet.testing.EnhancedRtmpTags.CODED_FRAMES_X;
import static io.streamlet.testing.EnhancedRtmpTags.FRAME_KEY;
import static io.streamlet.testing.EnhancedRtmpTags.MOD_EX;
import static io.streamlet.testing.EnhancedRtmpTags.SEQUENCE_END;
import static io.streamlet.testing.EnhancedRtmpTags.SEQUENCE_START;
import static io.streamlet.testing.EnhancedRtmpTags.codedFrames;
import static io.streamlet.testing.EnhancedRtmpTags.codedFramesX;
import static io.streamlet.testing.EnhancedRtmpTags.exVideo;
import static io.streamlet.testing.EnhancedRtmpTags.frameType;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.amf.Amf0;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.live.LiveSource;
import io.streamlet.live.StreamKey;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.EncodedMedia.Codec;
import io.streamlet.testing.EnhancedRtmpTags;
import io.streamlet.testing.ExternalTools;
import io.streamlet.testing.FlvCollector;
import io.streamlet.testing.FlvCollector.Tag;
import io.streamlet.testing.HttpFlvClient;
import io.streamlet.testing.RtmpTestPublisher;
import io.streamlet.testing.WebContainer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Enhanced RTMP (and the legacy HEVC codec id 12) from publisher to player, in each embedded container, with
 * real HEVC, AV1 and Opus that ffmpeg encoded ({@link EncodedMedia}): Streamlet must cache the sequence
 * starts, let players join at keyframes with rebased timestamps, and pass every body through byte for byte.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(WebContainer.Kind.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one container for all tests of an invocation
class EnhancedRtmpIT {
    /** A FourCC no codec registry has. */
    private static final String UNKNOWN_CODEC = "xq7z";

    /** How a test stream carries its video over RTMP. */
    enum Carriage {
        HEVC(Codec.HEVC, EnhancedRtmpTags.fourCcNumber("hvc1")),
        AV1(Codec.AV1, EnhancedRtmpTags.fourCcNumber("av01")),
        /** AVC's layout with codec id 12, as many encoders sent HEVC before Enhanced RTMP. */
        LEGACY_HEVC(Codec.HEVC, 12.0),
        /** A FourCC Streamlet has never heard of (the HEVC bytes under it are as opaque to the server as any). */
        UNKNOWN_FOURCC(Codec.HEVC, EnhancedRtmpTags.fourCcNumber(UNKNOWN_CODEC));

        final Codec codec;
        /** {@code videocodecid} in the metadata: the codec id, or the FourCC as a number for Enhanced RTMP. */
        final double videoCodecId;

        Carriage(Codec codec, double videoCodecId) {
            this.codec = codec;
            this.videoCodecId = videoCodecId;
        }

        byte[] sequenceHeader(EncodedMedia video) {
            return switch (this) {
                case HEVC, AV1 -> EnhancedRtmpTags.sequenceStart(video);
                case LEGACY_HEVC -> EnhancedRtmpTags.legacyHevcSequenceHeader(video);
                case UNKNOWN_FOURCC -> exVideo(FRAME_KEY, SEQUENCE_START, UNKNOWN_CODEC, video.configurationRecord);
            };
        }

        byte[] frame(EncodedMedia video, int index) {
            EncodedMedia.Frame frame = video.frames.get(index);
            return switch (this) {
                // Encoders use both forms (CodedFramesX when the composition time is 0).
                case HEVC -> index % 2 == 0 ? codedFrames(video, index) : codedFramesX(video, index);
                case AV1 -> codedFrames(video, index);
                case LEGACY_HEVC -> EnhancedRtmpTags.legacyHevcFrame(video, index);
                case UNKNOWN_FOURCC -> exVideo(frameType(frame), CODED_FRAMES_X, UNKNOWN_CODEC, frame.data());
            };
        }

        byte[] sequenceEnd(EncodedMedia video) {
            return switch (this) {
                case HEVC, AV1 -> EnhancedRtmpTags.sequenceEnd(video);
                case LEGACY_HEVC -> EnhancedRtmpTags.legacyHevcSequenceEnd();
                case UNKNOWN_FOURCC -> exVideo(FRAME_KEY, SEQUENCE_END, UNKNOWN_CODEC);
            };
        }
    }

    @Parameter
    private WebContainer.Kind container;
    private WebContainer server;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        server = container.start(Map.of());
    }

    @AfterParameterizedClassInvocation
    void stop() throws Exception {
        server.close();
    }

    /** A publisher that records what it sent: the tags a player should receive, before rebasing. */
    private static final class RecordingPublisher implements AutoCloseable {
        final RtmpTestPublisher rtmp;
        final List<Tag> sent = new ArrayList<>();

        RecordingPublisher(RtmpTestPublisher rtmp) {
            this.rtmp = rtmp;
        }

        void sendVideo(long timestamp, byte[] body) throws IOException {
            rtmp.sendVideo(timestamp, body);
            sent.add(new Tag(FlvTag.VIDEO, timestamp, body));
        }

        void sendAudio(long timestamp, byte[] body) throws IOException {
            rtmp.sendAudio(timestamp, body);
            sent.add(new Tag(FlvTag.AUDIO, timestamp, body));
        }

        /** Sends the frames [from, to) of {@code video}, frame 0 at {@code t0}. */
        void sendFrames(Carriage carriage, EncodedMedia video, long t0, int from, int to) throws IOException {
            for (int i = from; i < to; i++) sendVideo(t0 + video.timeOf(i), carriage.frame(video, i));
        }

        /**
         * Sends video frames [from, to), each after the audio packets due before it, from {@code nextAudio} on
         * (one clock for both, frame 0 at 0); returns the next audio packet to send.
         */
        int sendFramesWithAudio(Carriage carriage, EncodedMedia video, int from, int to, EncodedMedia audio, int nextAudio)
                throws IOException {
            for (int i = from; i < to; i++) {
                for (; audio.timeOf(nextAudio) < video.timeOf(i); nextAudio++) {
                    sendAudio(audio.timeOf(nextAudio), EnhancedRtmpTags.audioCodedFrames(audio, nextAudio));
                }
                sendVideo(video.timeOf(i), carriage.frame(video, i));
            }
            return nextAudio;
        }

        /**
         * Returns once the server has handled everything sent before: it handles a connection's messages
         * in order, and answers an unknown command with an empty {@code _result}.
         */
        void awaitHandled() throws IOException {
            rtmp.call("awaitHandled", null);
        }

        @Override
        public void close() throws IOException {
            rtmp.close();
        }
    }

    private RecordingPublisher publish(String stream, Map<String, Object> metadata) throws IOException {
        RtmpTestPublisher rtmp = RtmpTestPublisher.publish("127.0.0.1", server.rtmpPort(), "live", stream);
        assertEquals("NetStream.Publish.Start", rtmp.lastStatusCode());
        rtmp.setChunkSize(4096);
        rtmp.sendMetadata(metadata);
        return new RecordingPublisher(rtmp);
    }

    private RecordingPublisher publishVideo(String stream, Carriage carriage) throws IOException {
        return publish(stream, Map.of("width", 320.0, "height", 240.0, "framerate", 30.0, "videocodecid", carriage.videoCodecId));
    }

    private HttpFlvClient play(String stream) throws IOException {
        HttpFlvClient player = new HttpFlvClient(server.httpPort(), "GET", "/live/" + stream + ".flv");
        assertEquals(200, player.status);
        return player;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Carriage.class)
    void playersJoiningMidStreamGetSequenceStartThenKeyframeAndEveryBodyUnchanged(Carriage carriage) throws Exception {
        EncodedMedia video = EncodedMedia.video(carriage.codec, 320, 240);
        EncodedMedia resized = EncodedMedia.video(carriage.codec, 160, 120);
        assertTrue(video.frames.get(30).keyframe() && !video.frames.get(31).keyframe() && video.frames.get(60).keyframe()
                && resized.frames.get(0).keyframe(), "the encoder made a keyframe every 30 frames");
        String stream = "join-" + carriage.name().toLowerCase(Locale.ROOT);
        long t0 = 5_000; // whatever the encoder's clock, a player's starts at 0
        long restart = t0 + video.timeOf(90);
        try (RecordingPublisher pub = publishVideo(stream, carriage)) {
            pub.sendVideo(t0, carriage.sequenceHeader(video));
            pub.sendFrames(carriage, video, t0, 0, 45);
            pub.awaitHandled();
            try (HttpFlvClient player = play(stream)) {
                player.readTags(1 + 1 + 15, 5000); // joined at frame 30, the newest keyframe
                pub.sendFrames(carriage, video, t0, 45, 90);
                pub.sendVideo(restart, carriage.sequenceEnd(video));
                pub.awaitHandled();
                // The SequenceEnd has the key frame type, but a player cannot start there: it starts at frame 60.
                try (HttpFlvClient late = play(stream)) {
                    late.readTags(1 + 1 + 1, 5000);
                    assertArrayEquals(pub.sent.get(1 + 60).body(), late.flv.media().get(1).body(), "late player starts at frame 60");
                    assertEquals(0, late.flv.media().get(1).timestamp());
                }
                // The encoder starts again at another size: a new SequenceStart, then frames that need it.
                pub.sendVideo(restart, carriage.sequenceHeader(resized));
                pub.sendFrames(carriage, resized, restart, 0, 30);

                long keyframeTime = t0 + video.timeOf(30);
                List<Tag> expected = new ArrayList<>();
                expected.add(new Tag(FlvTag.VIDEO, 0, pub.sent.get(0).body())); // the cached SequenceStart, first
                for (Tag tag : pub.sent.subList(1 + 30, pub.sent.size())) {
                    expected.add(new Tag(FlvTag.VIDEO, tag.timestamp() - keyframeTime, tag.body()));
                }
                player.readTags(1 + expected.size(), 5000);

                FlvCollector flv = player.flv;
                assertEquals(FlvHeader.FLAG_VIDEO, flv.headerFlags, "video only, as the metadata announced");
                assertEquals(carriage.videoCodecId, metadata(flv).get("videocodecid"));
                assertSameTags(expected, flv.media());
                int restartAt = 1 + 60 + 1; // after the SequenceStart, frames 30..89 and the SequenceEnd
                assertTrue(flv.media().get(restartAt).isSequenceHeader() && flv.media().get(restartAt + 1).isKeyframe(),
                        "the new SequenceStart went out right before the first frame using it");
            }
        }
    }

    @Test
    void opusAudioSequenceStartIsCachedAndItsPacketsPassThrough() throws Exception {
        Carriage carriage = Carriage.HEVC;
        EncodedMedia video = EncodedMedia.video(carriage.codec, 320, 240);
        EncodedMedia opus = EncodedMedia.opus();
        double opusCodecId = EnhancedRtmpTags.fourCcNumber(Codec.OPUS.fourCc);
        try (RecordingPublisher pub = publish("opus", Map.of("width", 320.0, "height", 240.0,
                "videocodecid", carriage.videoCodecId, "audiocodecid", opusCodecId))) {
            pub.sendVideo(0, carriage.sequenceHeader(video));
            pub.sendAudio(0, EnhancedRtmpTags.audioSequenceStart(opus));
            int nextAudio = pub.sendFramesWithAudio(carriage, video, 0, 45, opus, 0);
            pub.awaitHandled();
            try (HttpFlvClient player = play("opus")) {
                player.readTags(1 + 2 + 1, 5000); // joined at video frame 30
                pub.sendFramesWithAudio(carriage, video, 45, 90, opus, nextAudio);

                long keyframeTime = video.timeOf(30);
                List<Tag> expected = new ArrayList<>(List.of(pub.sent.get(0), pub.sent.get(1))); // both SequenceStarts, at 0
                pub.sent.stream()
                        .dropWhile(tag -> !(tag.isVideo() && tag.timestamp() == keyframeTime))
                        .map(tag -> new Tag(tag.type(), tag.timestamp() - keyframeTime, tag.body()))
                        .forEach(expected::add);
                player.readTags(1 + expected.size(), 5000);
                assertEquals(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO, player.flv.headerFlags);
                assertEquals(opusCodecId, metadata(player.flv).get("audiocodecid"));
                assertSameTags(expected, player.flv.media());
            }
        }
    }

    @Test
    void malformedExHeaderClosesOnlyThatPublisher() throws Exception {
        Carriage carriage = Carriage.HEVC;
        EncodedMedia video = EncodedMedia.video(carriage.codec, 320, 240);
        List<byte[]> malformedVideo = List.of(
                exVideo(FRAME_KEY, SEQUENCE_START, "hv"), // FourCC cut short
                exVideo(FRAME_KEY, MOD_EX, "", new byte[] {9, 1})); // ModEx whose data runs past the end
        byte[] malformedAudio = {(byte) 0x90, 'O', 'p'}; // SoundFormat 9 (ex-header), SequenceStart, FourCC cut short
        try (RecordingPublisher good = publishVideo("steady", carriage)) {
            good.sendVideo(0, carriage.sequenceHeader(video));
            good.sendFrames(carriage, video, 0, 0, 30);
            try (HttpFlvClient player = play("steady")) {
                player.readTags(1 + 1 + 30, 5000);
                for (int i = 0; i < malformedVideo.size(); i++) {
                    try (RecordingPublisher bad = publishVideo("broken" + i, carriage)) {
                        bad.sendVideo(0, malformedVideo.get(i));
                        assertTrue(bad.rtmp.awaitClosedByServer(), "a malformed video ex-header closes its publisher");
                    }
                }
                try (RecordingPublisher bad = publishVideo("broken-audio", carriage)) {
                    bad.sendAudio(0, malformedAudio);
                    assertTrue(bad.rtmp.awaitClosedByServer(), "a malformed audio ex-header closes its publisher");
                }
                good.sendFrames(carriage, video, 0, 30, 60);
                player.readTags(1 + 1 + 60, 5000);
                assertSameTags(good.sent, player.flv.media());
            }
        }
    }

    /**
     * ffprobe as a second, independent FLV demuxer. FFmpeg learnt Enhanced FLV in 6.1: from that version on it
     * must name the codec; before, it takes the ex-header for a legacy header of an unknown codec, yet still
     * checks the framing (tag and previous-tag sizes, timestamps) by reading each tag as one packet.
     */
    @Test
    void ffprobeReadsTheHevcHttpFlvAsFarAsItsVersionKnowsEnhancedFlv() throws Exception {
        String ffprobe = ExternalTools.require("ffprobe", "ffmpeg");
        boolean knowsEnhancedFlv = ffprobeVersionAtLeast(ffprobe, 6, 1);
        Carriage carriage = Carriage.HEVC;
        EncodedMedia video = EncodedMedia.video(carriage.codec, 320, 240);
        CompletableFuture<ExternalTools.Result> probe;
        List<Tag> sent;
        try (RecordingPublisher pub = publishVideo("probe", carriage)) {
            pub.sendVideo(0, carriage.sequenceHeader(video));
            pub.sendFrames(carriage, video, 0, 0, 30);
            pub.awaitHandled();
            probe = CompletableFuture.supplyAsync(() -> run(List.of(ffprobe, "-hide_banner", "-v", "error",
                    "-show_entries", "stream=codec_type,codec_name,width,height:packet=pts,size",
                    "-of", "compact", server.url("/live/probe.flv")), 30));
            long deadline = System.currentTimeMillis() + 10_000;
            while (consumers("probe") == 0) {
                assertTrue(!probe.isDone() && System.currentTimeMillis() < deadline, "ffprobe did not connect: " + probe);
                Thread.sleep(20);
            }
            pub.sendFrames(carriage, video, 0, 30, 90);
            sent = pub.sent;
        } // unpublished: the response ends, and ffprobe with it
        ExternalTools.Result result = probe.get();
        assertEquals(0, result.exitCode(), result.output());
        String output = result.output();

        List<long[]> packets = new ArrayList<>(); // {pts, size}
        Matcher m = Pattern.compile("packet\\|pts=(\\d+)\\|size=(\\d+)").matcher(output);
        while (m.find()) packets.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
        if (knowsEnhancedFlv) {
            assertTrue(output.contains("codec_name=hevc|codec_type=video|width=320|height=240"), output);
            assertEquals(90, packets.size(), output);
            for (int i = 0; i < 90; i++) assertEquals(video.timeOf(i), packets.get(i)[0], "pts of frame " + i);
        } else {
            // Without Enhanced FLV, ffprobe guesses a legacy codec from the ex-header's low nibble ("unknown", or
            // "flashsv" when it probes a CodedFramesX first): only the framing is meaningful here.
            assertTrue(output.contains("|codec_type=video"), output);
            assertEquals(sent.size(), packets.size(), output);
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(sent.get(i).timestamp(), packets.get(i)[0], "pts of tag " + i);
                assertEquals(sent.get(i).body().length - 1, packets.get(i)[1], "size of tag " + i + " (all but the first byte)");
            }
        }
    }

    private static Map<?, ?> metadata(FlvCollector flv) throws Exception {
        Tag tag = flv.tags.get(0);
        assertEquals(FlvTag.SCRIPT, tag.type());
        List<Object> values = Amf0.decodeAll(tag.body(), 0, tag.body().length);
        assertEquals("onMetaData", values.get(0));
        return (Map<?, ?>) values.get(1);
    }

    /** Same bodies, in the same order, with the same (rebased) timestamps. */
    private static void assertSameTags(List<Tag> expected, List<Tag> received) {
        assertEquals(expected.size(), received.size(), "tags received: " + received);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).type(), received.get(i).type(), "type of tag " + i + " in " + received);
            assertEquals(expected.get(i).timestamp(), received.get(i).timestamp(), "timestamp of tag " + i + " in " + received);
            assertArrayEquals(expected.get(i).body(), received.get(i).body(), "body of tag " + i);
        }
    }

    private int consumers(String stream) {
        LiveSource source = server.streamlet().registry().find(new StreamKey("live", stream));
        return source == null ? 0 : source.consumerCount();
    }

    private static boolean ffprobeVersionAtLeast(String ffprobe, int major, int minor) throws Exception {
        String output = ExternalTools.run(List.of(ffprobe, "-version"), 10).output();
        Matcher m = Pattern.compile("version n?(\\d+)\\.(\\d+)").matcher(output);
        if (!m.find()) return true; // a git build: newer than any release this could be about
        int foundMajor = Integer.parseInt(m.group(1));
        return foundMajor > major || foundMajor == major && Integer.parseInt(m.group(2)) >= minor;
    }

    private static ExternalTools.Result run(List<String> command, long timeoutSeconds) {
        try {
            return ExternalTools.run(command, timeoutSeconds);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
