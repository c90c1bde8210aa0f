package io.streamlet.rtmp;

import java.nio.ByteBuffer;

/**
 * The client's side of the handshake, incrementally: send {@link #hello()} (C0 and C1), then feed what
 * the server answers to {@link #receive} until it returns C2, which goes out before any chunk.
 *
 * <p>C1 has a zero version, so servers answer with the simple form (SRS, nginx-rtmp, ffmpeg and Streamlet
 * all do). S0 must be version 3 and is checked as soon as it arrives; S2 is not checked, as ffmpeg and
 * librtmp do not: servers fill it inconsistently and nothing later depends on it.
 */
public final class ClientHandshake {
    /** S0, S1 and S2. */
    public static final int RESPONSE_SIZE = 1 + 2 * Handshake.PACKET_SIZE;

    private final byte[] hello = Handshake.clientHello();
    private final byte[] response = new byte[RESPONSE_SIZE];
    private int received;

    /** C0 and C1, to send first. */
    public byte[] hello() {
        return hello;
    }

    /** True once S0, S1 and S2 have all arrived. */
    public boolean isDone() {
        return received == RESPONSE_SIZE;
    }

    /**
     * Consumes the server's answer from {@code in}, never past the end of S2 (what follows is chunks);
     * returns C2 once S2 is complete, null while more is needed.
     */
    public byte[] receive(ByteBuffer in) throws RtmpProtocolException {
        if (isDone()) throw new IllegalStateException("the handshake is already complete");
        int n = Math.min(in.remaining(), RESPONSE_SIZE - received);
        in.get(response, received, n);
        if (received == 0 && n > 0) Handshake.checkVersion(response[0] & 0xFF);
        received += n;
        if (!isDone()) return null;
        byte[] s1 = new byte[Handshake.PACKET_SIZE];
        System.arraycopy(response, 1, s1, 0, Handshake.PACKET_SIZE);
        return Handshake.clientResponse(s1);
    }
}
