package io.streamlet.servlet;

import io.streamlet.config.ConfigReader;
import java.util.List;

/** The webapp's HTTP knobs: where streams are mounted, and CORS ({@code streamlet.cors.*}). */
public record HttpConfig(FlvMount flvMount, boolean corsEnabled, List<String> corsAllowOrigins) {

    public static HttpConfig read(ConfigReader r) {
        return new HttpConfig(
                r.parsed("streamlet.http.flvMount", FlvMount.DEFAULT, FlvMount::parse),
                r.bool("streamlet.cors.enabled", true),
                r.list("streamlet.cors.allowOrigins", "*"));
    }
}
