package io.streamlet.api;

import io.streamlet.config.ConfigReader;
import io.streamlet.config.InvalidConfigException;
import io.streamlet.config.Secret;

/** Basic auth for the HTTP API and {@code /metrics} ({@code streamlet.api.*}); off while both are null. */
public record ApiConfig(String username, Secret password) {

    public ApiConfig {
        if ((username == null) != (password == null)) {
            throw new InvalidConfigException("streamlet.api.username and streamlet.api.password must be set together"
                    + " (Basic auth for the HTTP API and /metrics), or neither");
        }
    }

    public static ApiConfig read(ConfigReader r) {
        return new ApiConfig(r.string("streamlet.api.username", null), r.secret("streamlet.api.password"));
    }
}
