package io.streamlet.rtmp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The info object of an {@code onStatus} command (and of {@code connect}'s answer): level
 * ({@code status}, {@code warning} or {@code error}), a code such as {@code NetStream.Play.Start}, and
 * a description for people.
 */
public record NetStatus(String level, String code, String description) {
    public static final String CONNECT_SUCCESS = "NetConnection.Connect.Success";
    public static final String CONNECT_REJECTED = "NetConnection.Connect.Rejected";
    public static final String PLAY_RESET = "NetStream.Play.Reset";
    public static final String PLAY_START = "NetStream.Play.Start";
    public static final String PLAY_STOP = "NetStream.Play.Stop";
    public static final String PLAY_FAILED = "NetStream.Play.Failed";
    public static final String PLAY_STREAM_NOT_FOUND = "NetStream.Play.StreamNotFound";
    public static final String PLAY_UNPUBLISH_NOTIFY = "NetStream.Play.UnpublishNotify";
    public static final String PUBLISH_START = "NetStream.Publish.Start";
    public static final String PUBLISH_BAD_NAME = "NetStream.Publish.BadName";
    public static final String PUBLISH_DENIED = "NetStream.Publish.Denied";

    /** The status in an info object, or null when it is not an object with a string {@code code}. */
    public static NetStatus from(Object info) {
        if (!(info instanceof Map<?, ?> map) || !(map.get("code") instanceof String code)) return null;
        return new NetStatus(map.get("level") instanceof String s ? s : "", code,
                map.get("description") instanceof String s ? s : "");
    }

    /** The status of an {@code onStatus} command (its first argument), or null. */
    public static NetStatus of(Command onStatus) {
        return from(onStatus.argument(0));
    }

    public boolean isError() {
        return "error".equals(level);
    }

    /** As an AMF0 object: level, code, description. */
    public Map<String, Object> toInfoObject() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("level", level);
        info.put("code", code);
        info.put("description", description);
        return info;
    }
}
