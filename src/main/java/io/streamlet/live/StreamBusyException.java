package io.streamlet.live;

/** A publish was refused because the stream already has a live publisher. */
public final class StreamBusyException extends Exception {
    public StreamBusyException(StreamKey key, String currentPublisher) {
        super("stream " + key + " is already published by client '" + currentPublisher + "'");
    }
}
