package io.streamlet.rtmp.client;

import io.streamlet.rtmp.NetStatus;

/**
 * Why an RTMP client connection could not do what it came for; the connection cannot continue.
 * {@link #reason()} says what kind of failure it is, {@link #status()} holds the server's own words
 * when it refused with an {@code onStatus} or {@code _error}.
 */
public final class RtmpClientException extends Exception {
    public enum Reason {
        /** The server broke the protocol (bad handshake, chunk stream, AMF, or answer). */
        PROTOCOL,
        /** {@code connect} was refused (an {@code _error}, often NetConnection.Connect.Rejected). */
        CONNECT_REJECTED,
        /** NetStream.Play.StreamNotFound: nothing is published under that name. */
        STREAM_NOT_FOUND,
        /** NetStream.Publish.BadName or .Denied: the name is taken, invalid, or not allowed. */
        PUBLISH_REFUSED,
        /** Any other error answer: createStream refused, NetStream.Play.Failed, ... */
        FAILED,
        /** The server did not answer in time. */
        TIMEOUT,
        /** The server closed the connection, or the network failed. */
        CONNECTION_LOST
    }

    private final Reason reason;
    private final NetStatus status;

    public RtmpClientException(Reason reason, String message, NetStatus status) {
        super(message);
        this.reason = reason;
        this.status = status;
    }

    public RtmpClientException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = null;
    }

    public Reason reason() {
        return reason;
    }

    /** The server's status when it answered with one, else null. */
    public NetStatus status() {
        return status;
    }
}
