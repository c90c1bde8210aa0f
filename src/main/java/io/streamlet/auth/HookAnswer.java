package io.streamlet.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.streamlet.Json;

/**
 * Reads a hook backend's answer under SRS's contract: yes is HTTP 200 or 201 with the body {@code 0} or a
 * JSON object whose {@code code} is 0; anything else is no. Pure, so it can be tested (and fuzzed) on its own.
 */
public final class HookAnswer {
    private static final int QUOTED_LENGTH = 80;

    private HookAnswer() {}

    /** Null if the answer means yes, else what is wrong with it (quoting at most 80 characters of the body). */
    public static String refusal(int status, String body) {
        if (status != 200 && status != 201) return "answered HTTP " + status;
        String text = body == null ? "" : body.trim();
        if (text.isEmpty()) return "answered an empty body";
        JsonNode answer;
        try {
            answer = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            return "answered something that is not JSON: " + abbreviate(text);
        }
        JsonNode code = answer.isObject() ? answer.get("code") : answer;
        // Compared as the number it is: asLong() would take 2^64 (or any multiple) for 0.
        if (code != null && code.isIntegralNumber() && code.bigIntegerValue().signum() == 0) return null;
        return "answered " + abbreviate(text);
    }

    private static String abbreviate(String text) {
        return text.length() <= QUOTED_LENGTH ? text : text.substring(0, QUOTED_LENGTH) + "...";
    }
}
