package io.streamlet.amf;

/** Bytes that are not a valid AMF value: truncated, an unknown marker, a bad reference, too deep. */
public final class AmfException extends Exception {
    public AmfException(String message) {
        super(message);
    }
}
