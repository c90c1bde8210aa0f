package io.streamlet.live;

import static io.streamlet.testing.SyntheticMedia.aacFrame;
import static io.streamlet.testing.SyntheticMedia.aacSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.avcFrame;
import static io.streamlet.testing.SyntheticMedia.avcSequenceHeader;
import static io.streamlet.testing.SyntheticMedia.metadata;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.amf.Amf0;
import io.streamlet.flv.FlvHeader;
import io.streamlet.flv.FlvTag;
import io.streamlet.output.FlvEncoder;
import io.streamlet.testing.FlvCollector;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a player gets from a source through its cursor, as the FLV byte stream its encoder makes of it, checked against the rules of shared/DESIGN.md. */
class LiveCursorTest {
    private final AtomicInteger signals = new AtomicInteger();

    private static SourceRegistry registry(String... knobs) {
        Map<String, String> map = new java.util.HashMap<>();
        for (int i = 0; i < knobs.length; i += 2) map.put(knobs[i], knobs[i + 1]);
        return new SourceRegistry(LiveConfig.read(new ConfigReader(map::get)));
    }

    private static Publication publish(SourceRegistry registry) throws StreamBusyException {
        return registry.publish(new StreamKey("live", "test"), "pub", () -> {});
    }

    /** Publishes {@code seconds} of 30 fps video (keyframe every second) and ~43 fps audio from {@code t0}. */
    private static long publishAv(Publication s, long t0, int seconds) {
        long t = t0;
        for (int frame = 0; frame < seconds * 30; frame++) {
            t = t0 + frame * 1000L / 30;
            s.onMessage(FlvTag.VIDEO, t, avcFrame(frame % 30 == 0, 200));
            s.onMessage(FlvTag.AUDIO, t + 5, aacFrame(50));
        }
        return t;
    }

    private static void startAv(Publication s, long t0) {
        s.onMessage(FlvTag.SCRIPT, t0, metadata(true, true));
        s.onMessage(FlvTag.VIDEO, t0, avcSequenceHeader(1));
        s.onMessage(FlvTag.AUDIO, t0, aacSequenceHeader());
    }

    private static FlvEncoder player(LiveSource source, String id, LiveCursor.Listener listener) {
        return new FlvEncoder(source.subscribe(id, LiveCursor.Mode.LOSSY, listener));
    }

    /** Reads everything the consumer has now; returns the last read result (0 parked, -1 ended). */
    private static int drain(FlvEncoder c, FlvCollector into) throws Exception {
        byte[] buf = new byte[1000]; // small, so tags span several reads
        while (true) {
            int n = c.read(buf, 0, buf.length);
            if (n <= 0) return n;
            into.feed(buf, 0, n);
        }
    }

    private static void assertMonotonic(List<FlvCollector.Tag> tags) {
        for (int i = 1; i < tags.size(); i++) {
            assertTrue(tags.get(i).timestamp() >= tags.get(i - 1).timestamp(), "timestamp went back at tag " + i + ": " + tags);
        }
    }

    @Test
    void newPlayerGetsHeaderMetadataSequenceHeadersThenGopFromKeyframe() throws Exception {
        Publication s = publish(registry());
        startAv(s, 5000);
        publishAv(s, 5000, 2); // keyframes at 5000 and 6000
        s.onMessage(FlvTag.VIDEO, 7000, avcFrame(false, 200)); // still in the GOP of 6000

        FlvEncoder c = player(s.source(), "p1", signals::incrementAndGet);
        FlvCollector got = new FlvCollector();
        assertEquals(0, drain(c, got));

        assertEquals(FlvHeader.FLAG_AUDIO | FlvHeader.FLAG_VIDEO, got.headerFlags);
        List<FlvCollector.Tag> tags = got.tags;
        assertEquals(FlvTag.SCRIPT, tags.get(0).type());
        List<Object> meta = Amf0.decodeAll(tags.get(0).body(), 0, tags.get(0).body().length);
        assertEquals("onMetaData", meta.get(0));
        assertFalse(((Map<?, ?>) meta.get(1)).containsKey("duration"));
        assertEquals(640.0, ((Map<?, ?>) meta.get(1)).get("width"));
        assertEquals("avc-header@0", tags.get(1).toString());
        assertEquals("aac-header@0", tags.get(2).toString());
        assertEquals("key@0", tags.get(3).toString(), "media starts at the newest keyframe, at time 0");
        assertTrue(tags.get(tags.size() - 1).timestamp() >= 1000);
        assertMonotonic(tags);
        assertEquals(0, c.cursor().skips());
    }

    @Test
    void playerWaitsForFirstKeyframeAndIsSignalledWhenDataArrives() throws Exception {
        Publication s = publish(registry());
        FlvEncoder c = player(s.source(), "p1", signals::incrementAndGet);
        FlvCollector got = new FlvCollector();
        assertEquals(0, drain(c, got));
        startAv(s, 0);
        s.onMessage(FlvTag.VIDEO, 0, avcFrame(false, 100)); // no keyframe yet: nothing to start from
        assertEquals(0, drain(c, got));
        assertEquals(-1, got.headerFlags);
        int before = signals.get();
        assertTrue(before >= 1, "a parked consumer is signalled when a tag arrives");
        s.onMessage(FlvTag.VIDEO, 33, avcFrame(true, 100));
        assertEquals(0, drain(c, got));
        assertEquals(List.of("avc-header@0", "aac-header@0", "key@0"), got.media().stream().map(Object::toString).toList());
    }

    @Test
    void trackFlagsMatchWhatIsSent() throws Exception {
        SourceRegistry reg = registry("streamlet.live.trackGuess", "500ms");
        Publication video = reg.publish(new StreamKey("live", "v"), "a", () -> {});
        video.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        video.onMessage(FlvTag.VIDEO, 0, avcFrame(true, 100));
        FlvEncoder vc = player(video.source(), "p", () -> {});
        FlvCollector got = new FlvCollector();
        drain(vc, got);
        assertEquals(-1, got.headerFlags, "without metadata both tracks are expected until the guess window passes");
        for (int t = 33; t <= 600; t += 33) video.onMessage(FlvTag.VIDEO, t, avcFrame(false, 100));
        drain(vc, got);
        assertEquals(FlvHeader.FLAG_VIDEO, got.headerFlags);
        assertTrue(got.tags.stream().noneMatch(FlvCollector.Tag::isAudio));

        Publication audio = reg.publish(new StreamKey("live", "a"), "b", () -> {});
        audio.onMessage(FlvTag.SCRIPT, 0, metadata(true, false));
        audio.onMessage(FlvTag.AUDIO, 0, aacSequenceHeader());
        for (int t = 0; t < 5000; t += 23) audio.onMessage(FlvTag.AUDIO, t, aacFrame(20));
        FlvEncoder ac = player(audio.source(), "p", () -> {});
        FlvCollector gotAudio = new FlvCollector();
        drain(ac, gotAudio);
        assertEquals(FlvHeader.FLAG_AUDIO, gotAudio.headerFlags, "metadata announcing only audio settles at once");
        assertEquals("aac-header@0", gotAudio.media().get(0).toString());
        int audioFrames = gotAudio.media().size() - 1;
        assertTrue(audioFrames > 0 && audioFrames <= 1 + LiveSource.AUDIO_ONLY_JOIN_MS / 23 + 1,
                "audio-only joins recent audio, not the whole history: " + audioFrames);
    }

    @Test
    void trackFlagsCanBeFixedPerDeployment() throws Exception {
        Publication audioOnly = publish(registry("streamlet.live.tracks", "audio"));
        startAv(audioOnly, 0);
        publishAv(audioOnly, 0, 1);
        FlvCollector got = new FlvCollector();
        drain(player(audioOnly.source(), "p", () -> {}), got);
        assertEquals(FlvHeader.FLAG_AUDIO, got.headerFlags);
        assertTrue(got.media().stream().allMatch(FlvCollector.Tag::isAudio), "video is held back as announced");
        assertThrows(InvalidConfigException.class, () -> registry("streamlet.live.tracks", "stereo"));
    }

    @Test
    void busyPlayerLetsAudioWaitForTheNextVideoFrame() throws Exception {
        Publication s = publish(registry());
        startAv(s, 0);
        publishAv(s, 0, 1);
        FlvEncoder c = player(s.source(), "p1", new LiveCursor.Listener() {
            @Override
            public void onDataAvailable() {
                signals.incrementAndGet();
            }

            @Override
            public boolean deferWakeups() {
                return true; // as a player says while the fan-out threads are busy
            }
        });
        FlvCollector got = new FlvCollector();
        drain(c, got);
        s.onMessage(FlvTag.VIDEO, 1000, avcFrame(false, 100));
        assertEquals(1, signals.get(), "video wakes the player");
        drain(c, got);
        s.onMessage(FlvTag.AUDIO, 1010, aacFrame(30));
        assertEquals(1, signals.get(), "audio right after video waits for the next frame");
        s.onMessage(FlvTag.VIDEO, 1033, avcFrame(false, 100));
        assertEquals(2, signals.get());
        assertEquals(0, drain(c, got));
        assertEquals(List.of("video@1000", "audio@1010", "video@1033"),
                got.media().subList(got.media().size() - 3, got.media().size()).stream().map(Object::toString).toList());
        Thread.sleep(150); // video stopped coming: audio must not wait for it
        s.onMessage(FlvTag.AUDIO, 1200, aacFrame(30));
        assertEquals(3, signals.get());
    }

    @Test
    void newSequenceHeaderMidStreamPrecedesTheFramesUsingIt() throws Exception {
        Publication s = publish(registry());
        startAv(s, 0);
        publishAv(s, 0, 1);
        FlvEncoder c = player(s.source(), "p1", () -> {});
        FlvCollector got = new FlvCollector();
        drain(c, got);
        s.onMessage(FlvTag.VIDEO, 1000, avcSequenceHeader(2));
        s.onMessage(FlvTag.VIDEO, 1000, avcFrame(true, 100));
        drain(c, got);
        List<FlvCollector.Tag> media = got.media();
        FlvCollector.Tag header = media.get(media.size() - 2);
        assertTrue(header.isSequenceHeader());
        assertArrayEquals(avcSequenceHeader(2), header.body());
        assertTrue(media.get(media.size() - 1).isKeyframe());
        assertMonotonic(got.tags);
    }

    @Test
    void slowPlayerSkipsToNewestKeyframeWithChangedHeadersAndTimeGoingForward() throws Exception {
        Publication s = publish(registry("streamlet.live.queueLength", "2s"));
        startAv(s, 0);
        publishAv(s, 0, 1);
        FlvEncoder c = player(s.source(), "p1", () -> {});
        FlvCollector got = new FlvCollector();
        byte[] buf = new byte[2000];
        got.feed(buf, 0, c.read(buf, 0, buf.length)); // reads a little, then stops reading
        long lastSeen = got.tags.isEmpty() ? 0 : got.tags.get(got.tags.size() - 1).timestamp();

        s.onMessage(FlvTag.VIDEO, 1000, avcSequenceHeader(2)); // the encoder changes resolution meanwhile
        publishAv(s, 1000, 5);
        drain(c, got);

        assertEquals(1, c.cursor().skips());
        assertMonotonic(got.tags);
        int firstAfterSkip = -1;
        for (int i = 0; i < got.tags.size(); i++) {
            if (got.tags.get(i).timestamp() > lastSeen && got.tags.get(i).isSequenceHeader()) {
                firstAfterSkip = i;
                break;
            }
        }
        assertTrue(firstAfterSkip > 0, "the changed sequence header is re-sent after the skip: " + got.tags);
        assertArrayEquals(avcSequenceHeader(2), got.tags.get(firstAfterSkip).body());
        assertTrue(got.tags.get(firstAfterSkip + 1).isKeyframe(), "then the newest keyframe");
        long gap = got.tags.get(firstAfterSkip + 1).timestamp() - lastSeen;
        assertTrue(gap > 0 && gap <= 2 * SourceClock.STEP_MS + 50, "time continues by a small step, was " + gap);
        // The skip landed within the last GOP: no more than ~1 s of media after it.
        long tagsAfter = got.tags.size() - firstAfterSkip;
        assertTrue(tagsAfter <= 2 * 30 + 2, "skipped to the newest GOP, got " + tagsAfter + " tags after the skip");
    }

    @Test
    void unpublishDeliversTheRestThenEnds() throws Exception {
        Publication s = publish(registry());
        startAv(s, 0);
        publishAv(s, 0, 1);
        FlvEncoder c = player(s.source(), "p1", signals::incrementAndGet);
        FlvCollector got = new FlvCollector();
        drain(c, got);
        s.onMessage(FlvTag.VIDEO, 1000, avcFrame(true, 100));
        s.unpublish();
        assertEquals(-1, drain(c, got));
        assertTrue(got.media().get(got.media().size() - 1).isKeyframe(), "the last tag is delivered before the end");
        assertTrue(signals.get() > 0);
    }

    @Test
    void secondPublisherIsRefusedUntilTheFirstUnpublishes() throws Exception {
        SourceRegistry reg = registry();
        Publication first = publish(reg);
        assertThrows(StreamBusyException.class, () -> publish(reg));
        assertTrue(reg.find(new StreamKey("live", "test")) == first.source());
        first.unpublish();
        assertEquals(null, reg.find(new StreamKey("live", "test")));
        publish(reg);
    }

    @Test
    void logHoldsBoundedBytesWhateverThePublisherSends() throws Exception {
        Publication s = publish(registry("streamlet.live.logMaxBytes", "256KiB", "streamlet.live.queueLength", "60s"));
        startAv(s, 0);
        for (int i = 0; i < 3000; i++) s.onMessage(FlvTag.VIDEO, i * 33L, avcFrame(i == 0, 1000));
        assertTrue(s.source().log().heldBytes() <= 256 * 1024 + 2000, "held " + s.source().log().heldBytes());
        // The GOP started at tag 0 no longer fits: new players wait for the next keyframe.
        assertEquals(null, s.source().joinPoint());
    }

    @Test
    void republishWithinGraceContinuesTheSameResponse() throws Exception {
        SourceRegistry reg = registry("streamlet.live.republishGrace", "300ms");
        Publication first = publish(reg);
        startAv(first, 0);
        publishAv(first, 0, 1);
        FlvEncoder c = player(first.source(), "p1", signals::incrementAndGet);
        FlvCollector got = new FlvCollector();
        drain(c, got);
        long lastBefore = got.tags.get(got.tags.size() - 1).timestamp();
        first.unpublish();
        assertEquals(0, drain(c, got), "within the grace window the player waits");

        Publication second = publish(reg); // the encoder reconnects, its clock restarted at 0, new resolution
        assertTrue(second.source() == first.source(), "the same source continues");
        second.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(2));
        second.onMessage(FlvTag.AUDIO, 0, aacSequenceHeader());
        second.onMessage(FlvTag.AUDIO, 3, aacFrame(30)); // before the first keyframe: dropped for this player
        second.onMessage(FlvTag.VIDEO, 5, avcFrame(true, 100));
        second.onMessage(FlvTag.VIDEO, 38, avcFrame(false, 100));
        first.unpublish(); // a stale session's late unpublish changes nothing
        assertEquals(0, drain(c, got));

        List<FlvCollector.Tag> after = got.tags.stream().filter(t -> t.timestamp() > lastBefore).toList();
        assertEquals(List.of("avc-header", "aac-header", "key", "video"),
                after.stream().map(t -> t.toString().replaceAll("@.*", "")).toList());
        assertArrayEquals(avcSequenceHeader(2), after.get(0).body());
        assertEquals(lastBefore + SourceClock.STEP_MS + 5, after.get(2).timestamp(), "time goes on from where it was");
        assertMonotonic(got.tags);

        second.unpublish();
        assertEquals(0, drain(c, got));
        long deadline = System.currentTimeMillis() + 3000;
        int last = 0;
        while (last != -1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            last = drain(c, got);
        }
        assertEquals(-1, last, "the response ends once the window passes with no republish");
        assertNull(reg.find(new StreamKey("live", "test")));
        reg.close();
    }

    @Test
    void resumedSessionContinuesTheResponseWithoutAGraceWindow() throws Exception {
        SourceRegistry reg = registry(); // republishGrace 0: an unpublish would end the stream at once
        AtomicInteger kicked = new AtomicInteger();
        Publication first = reg.publish(new StreamKey("live", "test"), "pull", kicked::incrementAndGet);
        startAv(first, 5000);
        publishAv(first, 5000, 1);
        FlvEncoder c = player(first.source(), "p1", signals::incrementAndGet);
        FlvCollector got = new FlvCollector();
        drain(c, got);
        long lastBefore = got.tags.get(got.tags.size() - 1).timestamp();

        Publication second = reg.resume(first); // the relay reconnected: its upstream's clock starts at 0 again
        assertTrue(second.source() == first.source());
        assertNull(reg.resume(first), "a session resumes once");
        first.onMessage(FlvTag.VIDEO, 99_000, avcFrame(true, 100));
        first.unpublish(); // the old session is inert
        second.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(2));
        second.onMessage(FlvTag.VIDEO, 0, avcFrame(true, 100));
        assertEquals(0, drain(c, got), "the player goes on");
        List<FlvCollector.Tag> after = got.tags.stream().filter(t -> t.timestamp() > lastBefore).toList();
        assertEquals(List.of("avc-header", "key"), after.stream().map(t -> t.toString().replaceAll("@.*", "")).toList());
        assertMonotonic(got.tags);
        assertEquals(0, kicked.get(), "resuming does not disconnect the publisher");
        assertTrue(reg.find(new StreamKey("live", "test")) == second.source());
        reg.close();
    }

    @Test
    void silentPublisherIsReplacedAndItsSessionBecomesInert() throws Exception {
        SourceRegistry reg = registry("streamlet.live.stalePublisher", "1s"); // a loaded machine may pause 100 ms
        AtomicInteger kicked = new AtomicInteger();
        Publication dead = reg.publish(new StreamKey("live", "test"), "dead", kicked::incrementAndGet);
        startAv(dead, 0);
        assertThrows(StreamBusyException.class, () -> publish(reg), "a live publisher is not replaced");
        Thread.sleep(1100);
        Publication fresh = publish(reg);
        assertEquals(1, kicked.get(), "the silent session's connection is closed");
        assertEquals("pub", fresh.source().publisherId());
        long tags = fresh.source().tagsIn();
        dead.onMessage(FlvTag.VIDEO, 100, avcFrame(true, 100));
        dead.unpublish();
        assertEquals(tags, fresh.source().tagsIn(), "nothing of the replaced session gets in");
        assertTrue(reg.find(new StreamKey("live", "test")) == fresh.source(), "nor can it end the stream");
    }

    @Test
    void aPlayerJoiningAtAudioBeforeAnyKeyframeStillStartsItsVideoAtAKeyframe() throws Exception {
        Publication s = publish(registry("streamlet.live.tracks", "audio+video"));
        s.onMessage(FlvTag.AUDIO, 0, aacSequenceHeader());
        s.onMessage(FlvTag.AUDIO, 0, aacFrame(50)); // an audio join point: no video yet
        s.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        s.onMessage(FlvTag.VIDEO, 10, avcFrame(false, 200)); // an encoder that starts without a keyframe
        s.onMessage(FlvTag.AUDIO, 20, aacFrame(50));
        s.onMessage(FlvTag.VIDEO, 40, avcFrame(true, 200));
        FlvCollector got = new FlvCollector();
        drain(player(s.source(), "p1", () -> {}), got);
        FlvCollector.Tag firstVideo = got.media().stream().filter(t -> t.isVideo() && !t.isSequenceHeader()).findFirst().orElseThrow();
        assertTrue(firstVideo.isKeyframe(), "video starts at a keyframe: " + got.tags);
    }
    /** A sink (HLS, a recorder) attached when the publish starts: it gets the stream from its first keyframe. */
    private static FlvEncoder sink(LiveSource source) {
        return new FlvEncoder(source.subscribe("sink", LiveCursor.Mode.LOSSLESS, () -> {}));
    }

    @Test
    void aLosslessCursorAttachedAtThePublishGetsTheFirstGopEvenWhenItReadsLate() throws Exception {
        Publication s = publish(registry());
        FlvEncoder sink = sink(s.source()); // as the sinks do in SourceRegistry.Listener#onMounted
        FlvEncoder player = player(s.source(), "p1", () -> {});
        startAv(s, 5000);
        publishAv(s, 5000, 3); // keyframes at 5000, 6000, 7000, all before either consumer reads (a busy thread)

        FlvCollector got = new FlvCollector();
        assertEquals(0, drain(sink, got));
        assertEquals(List.of("script@0", "avc-header@0", "aac-header@0", "key@0"),
                got.tags.subList(0, 4).stream().map(Object::toString).toList(), "headers, then the first keyframe at 0");
        assertEquals(3, got.media().stream().filter(FlvCollector.Tag::isKeyframe).count(), "every GOP: " + got.tags);
        assertEquals(90, got.media().stream().filter(t -> t.isVideo() && !t.isSequenceHeader()).count());
        assertEquals(90, got.media().stream().filter(t -> t.isAudio() && !t.isSequenceHeader()).count());
        assertMonotonic(got.tags);

        FlvCollector played = new FlvCollector();
        drain(player, played);
        assertEquals(1, played.media().stream().filter(FlvCollector.Tag::isKeyframe).count(),
                "a player still joins at the newest keyframe: " + played.tags);
    }

    @Test
    void aLosslessCursorGetsTheGopsPublishedBeforeTheTracksWereGuessed() throws Exception {
        Publication s = publish(registry("streamlet.live.trackGuess", "1s"));
        FlvEncoder sink = sink(s.source());
        FlvCollector got = new FlvCollector();
        s.onMessage(FlvTag.SCRIPT, 0, metadata(true, true)); // announces audio, which never comes
        s.onMessage(FlvTag.VIDEO, 0, avcSequenceHeader(1));
        for (int frame = 0; frame < 45; frame++) { // 1.5 s, a keyframe every 0.5 s; the sink reads after each
            s.onMessage(FlvTag.VIDEO, frame * 1000L / 30, avcFrame(frame % 15 == 0, 200));
            drain(sink, got);
        }
        assertEquals(FlvHeader.FLAG_VIDEO, got.headerFlags, "video only, once the guess window passed");
        assertEquals(List.of("script@0", "avc-header@0", "key@0"),
                got.tags.subList(0, 3).stream().map(Object::toString).toList());
        assertEquals(3, got.media().stream().filter(FlvCollector.Tag::isKeyframe).count(), "every GOP: " + got.tags);
        assertEquals(45, got.media().stream().filter(t -> t.isVideo() && !t.isSequenceHeader()).count());
    }

    @Test
    void aLosslessCursorAttachedMidStreamStartsAtTheCurrentGopAndDropsNothingAfter() throws Exception {
        Publication s = publish(registry());
        startAv(s, 0);
        publishAv(s, 0, 2); // keyframes at 0 and 1000
        FlvEncoder sink = sink(s.source()); // a recording started through the API
        s.onMessage(FlvTag.VIDEO, 1000, avcSequenceHeader(2)); // a new encoder configuration, then its keyframe
        publishAv(s, 2000, 2); // keyframes at 2000 and 3000
        FlvCollector got = new FlvCollector();
        drain(sink, got);
        assertEquals(List.of("script@0", "avc-header@0", "aac-header@0", "key@0"),
                got.tags.subList(0, 4).stream().map(Object::toString).toList(), "the GOP of 1000 with its headers");
        assertEquals(3, got.media().stream().filter(FlvCollector.Tag::isKeyframe).count(), "1000, 2000, 3000: " + got.tags);
        assertEquals(2, got.media().stream().filter(t -> t.isVideo() && t.isSequenceHeader()).count(),
                "the changed sequence header in its place: " + got.tags);
        assertMonotonic(got.tags);
    }
}
