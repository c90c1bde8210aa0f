package io.streamlet.relay;

import io.streamlet.flv.FlvTag;
import io.streamlet.flv.MediaInfo;
import io.streamlet.flv.ScriptData;

/**
 * Holds back the audio frames an upstream sends before its first video, when its metadata announces video.
 *
 * <p>Servers without a GOP cache (nginx-rtmp) start a new subscriber's video at the next keyframe but its audio
 * at once: up to a GOP of audio alone. Published as it comes, that audio outlasts the source's track guess
 * ({@code streamlet.live.trackGuess}), which then decides the stream has no video, and every player of the
 * pulled stream gets audio only. Players start at a keyframe anyway, so the frames held back are none they would
 * play. Sequence headers pass. If no video comes within {@link #MAX_LEAD_MS} of audio, the metadata was wrong
 * and audio passes from then on.
 *
 * <p>One per upstream connection, used by its one reporting thread.
 */
final class LeadingAudioGate {
    /** Longer than any sensible GOP. */
    static final long MAX_LEAD_MS = 10_000;

    private boolean videoAnnounced;
    private boolean open;
    private boolean leading;
    private long firstHeldTimestamp;

    /** Whether the message goes on to the source; false for audio that waits for video. */
    boolean admits(int type, long timestamp, byte[] payload) {
        switch (type) {
            case FlvTag.SCRIPT -> {
                if (!open) readMetadata(payload);
                return true;
            }
            case FlvTag.VIDEO -> {
                open = true;
                return true;
            }
            case FlvTag.AUDIO -> {
                if (open || !videoAnnounced || !isAudioFrame(payload)) return true;
                if (!leading) {
                    leading = true;
                    firstHeldTimestamp = timestamp;
                }
                open = (int) (timestamp - firstHeldTimestamp) >= MAX_LEAD_MS; // RTMP timestamps wrap at 32 bits
                return open;
            }
            default -> {
                return true;
            }
        }
    }

    /** False for a sequence header, and for a malformed tag, which the source refuses with its own error. */
    private static boolean isAudioFrame(byte[] payload) {
        try {
            return !MediaInfo.audio(payload).sequenceHeader();
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    private void readMetadata(byte[] payload) {
        try {
            ScriptData data = ScriptData.parse(payload);
            if (data.isMetadata()) videoAnnounced = data.properties().containsKey("videocodecid");
        } catch (IllegalArgumentException malformed) {
            // not metadata: the pull drops it
        }
    }
}
