package io.streamlet.flv;

import io.streamlet.amf.Amf0;
import io.streamlet.amf.AmfException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A script data message (FLV E.4.4) as published over RTMP, normalised for live playback: the RTMP
 * {@code @setDataFrame} wrapper removed and, for {@code onMetaData}, the file-only fields that make no
 * sense live ({@code duration}, {@code filesize}) dropped.
 *
 * @param name the handler name, e.g. {@code onMetaData}
 * @param body the tag body to send to players
 * @param properties the onMetaData properties (empty for other handlers)
 */
public record ScriptData(String name, byte[] body, Map<String, Object> properties) {
    public static final String ON_METADATA = "onMetaData";
    private static final String SET_DATA_FRAME = "@setDataFrame";

    public boolean isMetadata() {
        return ON_METADATA.equals(name);
    }

    /** @throws IllegalArgumentException when the payload is not AMF0 starting with a handler name */
    public static ScriptData parse(byte[] payload) {
        List<Object> values;
        try {
            values = Amf0.decodeAll(payload, 0, payload.length);
        } catch (AmfException e) {
            throw new IllegalArgumentException("malformed AMF0 in data message: " + e.getMessage(), e);
        }
        if (!values.isEmpty() && SET_DATA_FRAME.equals(values.get(0))) values = values.subList(1, values.size());
        if (values.isEmpty() || !(values.get(0) instanceof String name)) {
            throw new IllegalArgumentException("data message without a handler name");
        }
        if (!ON_METADATA.equals(name)) {
            return new ScriptData(name, Amf0.encode(values.toArray()), Map.of());
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        if (values.size() > 1 && values.get(1) instanceof Map<?, ?> map) {
            map.forEach((k, v) -> properties.put(String.valueOf(k), v));
        }
        properties.remove("duration");
        properties.remove("filesize");
        Amf0.EcmaArray array = new Amf0.EcmaArray();
        array.putAll(properties);
        return new ScriptData(name, Amf0.encode(ON_METADATA, array), Collections.unmodifiableMap(properties));
    }
}
