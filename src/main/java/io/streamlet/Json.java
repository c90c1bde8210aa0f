package io.streamlet;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The webapp's one Jackson mapper (API answers, hook requests and their answers). A mapper is
 * thread-safe once built and caches what it learns of each type, so one serves all.
 */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
}
