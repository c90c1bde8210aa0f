package io.streamlet.config;

/** Thrown when a knob has a value that cannot work; the message names the knob. */
public final class InvalidConfigException extends RuntimeException {
    public InvalidConfigException(String message) {
        super(message);
    }
}
