package io.streamlet.auth;

/**
 * What the access policy answered: allowed, or denied with the reason (for the log, not for the client).
 *
 * @param busy denied because the stream is published elsewhere (on another origin of a cluster): the client
 *     is answered as a second publisher of a stream on this server is
 */
public record Decision(boolean allowed, String reason, boolean busy) {
    public static final Decision ALLOWED = new Decision(true, "allowed", false);

    public static Decision denied(String reason) {
        return new Decision(false, reason, false);
    }

    public static Decision busy(String reason) {
        return new Decision(false, reason, true);
    }
}
