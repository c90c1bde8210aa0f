package io.streamlet.auth;

/** What the access policy answered: allowed, or denied with the reason (for the log, not for the client). */
public record Decision(boolean allowed, String reason) {
    public static final Decision ALLOWED = new Decision(true, "allowed");

    public static Decision denied(String reason) {
        return new Decision(false, reason);
    }
}
