package io.streamlet.rtmp;

/** The peer broke the RTMP protocol; the message says how. The connection cannot continue. */
public final class RtmpProtocolException extends Exception {
    public RtmpProtocolException(String message) {
        super(message);
    }

    public RtmpProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
