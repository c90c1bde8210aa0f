package io.streamlet.rtmp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The commands an RTMP client sends (RTMP 1.0 section 7.2), with the fields real servers look for.
 * Commands that expect an answer carry the caller's transaction id; {@code play}, {@code publish} and
 * {@code deleteStream} carry 0, as the specification says (the answer is an {@code onStatus}).
 */
public final class ClientCommands {
    /** Flash Player's audio codec bits: every codec up to Speex (ffmpeg and librtmp send the same). */
    private static final double AUDIO_CODECS = 4071;
    /** Flash Player's video codec bits: Sorenson, VP6 with and without alpha, screen video 2, H.264. */
    private static final double VIDEO_CODECS = 252;
    /** SUPPORT_VID_CLIENT_SEEK: the only video function bit defined. */
    private static final double VIDEO_FUNCTION = 1;
    private static final double CAPABILITIES = 15;
    /** {@code play}'s start: -2 means "the live stream if there is one, else a recording" (section 7.2.2.1). */
    private static final double PLAY_LIVE_OR_RECORDED = -2;

    private ClientCommands() {}

    /**
     * {@code connect} with what Flash Player sends: app, flashVer, tcUrl, fpad, capabilities, the codec
     * bit fields and objectEncoding 0 (AMF0); a publisher also says {@code type: nonprivate}, as FMLE,
     * OBS and ffmpeg do.
     */
    public static Command connect(double transactionId, String app, String tcUrl, String flashVer, boolean publisher) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("app", app);
        if (publisher) properties.put("type", "nonprivate");
        properties.put("flashVer", flashVer);
        properties.put("tcUrl", tcUrl);
        properties.put("fpad", false);
        properties.put("capabilities", CAPABILITIES);
        properties.put("audioCodecs", AUDIO_CODECS);
        properties.put("videoCodecs", VIDEO_CODECS);
        properties.put("videoFunction", VIDEO_FUNCTION);
        properties.put("objectEncoding", 0.0);
        return Command.of("connect", transactionId, properties);
    }

    public static Command createStream(double transactionId) {
        return Command.of("createStream", transactionId, null);
    }

    /** Asks the server to drop a stale publisher of {@code stream} (an FMS artefact servers still answer). */
    public static Command releaseStream(double transactionId, String stream) {
        return Command.of("releaseStream", transactionId, null, stream);
    }

    public static Command fcPublish(double transactionId, String stream) {
        return Command.of("FCPublish", transactionId, null, stream);
    }

    public static Command fcUnpublish(double transactionId, String stream) {
        return Command.of("FCUnpublish", transactionId, null, stream);
    }

    /** {@code publish} of a live stream (not recorded on the server). */
    public static Command publish(String stream) {
        return Command.of("publish", 0, null, stream, "live");
    }

    public static Command play(String stream) {
        return Command.of("play", 0, null, stream, PLAY_LIVE_OR_RECORDED);
    }

    public static Command deleteStream(int streamId) {
        return Command.of("deleteStream", 0, null, (double) streamId);
    }

    /** The message stream id in {@code createStream}'s {@code _result}. */
    public static int createdStreamId(Command result) throws RtmpProtocolException {
        if (result.argument(0) instanceof Double id && id >= 1 && id <= Integer.MAX_VALUE && id == Math.rint(id)) {
            return id.intValue();
        }
        throw new RtmpProtocolException("createStream answered without a stream id: " + result.arguments());
    }
}
