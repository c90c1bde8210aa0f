package io.streamlet.bench;

import io.streamlet.flv.FlvTag;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.ChunkEncoder;
import io.streamlet.rtmp.ClientHandshake;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import io.streamlet.rtmp.client.RtmpClientException;
import io.streamlet.rtmp.client.RtmpClientSession;
import io.streamlet.rtmp.client.RtmpUrl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Locale;

/**
 * An RTMP player: handshake, then Streamlet's client session (connect, createStream, play); the
 * metadata, audio and video messages it gets are checked and measured as FLV tags are, since they carry
 * the same bodies under the same type ids. Other data messages ({@code |RtmpSampleAccess}, SRS's
 * {@code onStatus NetStream.Data.Start}) are RTMP's own and not part of the stream.
 */
final class RtmpPlayer extends Player implements RtmpClientSession.Peer, RtmpClientSession.Listener {
    /** AMF0 "onMetaData" and "@setDataFrame": the data messages that are the stream's metadata. */
    private static final byte[] ON_METADATA = {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'};
    private static final byte[] SET_DATA_FRAME = {2, 0, 13, '@', 's', 'e', 't', 'D', 'a', 't', 'a', 'F', 'r', 'a', 'm', 'e'};
    /** Large enough for any frame of the sample; the session refuses more. */
    private static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024 - 1;

    private final ClientHandshake handshake = new ClientHandshake();
    private final ChunkDecoder decoder = new ChunkDecoder(MAX_MESSAGE_SIZE);
    private final ChunkEncoder encoder = new ChunkEncoder();
    private final RtmpClientSession session;

    RtmpPlayer(int index, boolean slow, PlayerLoop loop, InetSocketAddress server, RtmpUrl url) {
        super(index, slow, loop, server);
        this.session = new RtmpClientSession(url, RtmpClientSession.Role.PLAY, RtmpClientSession.Options.DEFAULTS, this, this);
    }

    @Override
    protected void onConnected(long now) throws IOException {
        write(ByteBuffer.wrap(handshake.hello()));
    }

    @Override
    protected void received(byte[] data, int length, long now) {
        ByteBuffer in = ByteBuffer.wrap(data, 0, length);
        try {
            if (!handshake.isDone()) {
                byte[] c2 = handshake.receive(in);
                if (c2 == null) return;
                write(ByteBuffer.wrap(c2));
                session.start(now / 1_000_000);
            }
            decoder.decode(in, this::onMessage);
            session.onBytesReceived(decoder.bytesReceived());
        } catch (RtmpProtocolException e) {
            failOrAbort("rtmp protocol");
        } catch (IOException | UncheckedIOException e) {
            closedByServer();
        } catch (SessionFailure e) {
            failOrAbort("rtmp " + e.getCause().reason().name().toLowerCase(Locale.ROOT));
        }
    }

    @Override
    public void send(RtmpMessage message) {
        try {
            write(ByteBuffer.wrap(encoder.encode(message)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onStarted(int streamId) {
        streaming();
    }

    @Override
    public void onMedia(RtmpMessage message) {
        byte[] body = message.payload();
        if (message.type() == MessageType.DATA_AMF0 && !startsWith(body, ON_METADATA)) {
            if (!startsWith(body, SET_DATA_FRAME)) return;
            // Metadata as the encoder sent it: the rules look at the onMetaData inside.
            checkTag(FlvTag.SCRIPT, message.timestamp(), body, SET_DATA_FRAME.length, body.length - SET_DATA_FRAME.length);
            return;
        }
        checkTag(message.type(), message.timestamp(), body, 0, body.length);
    }

    private void onMessage(RtmpMessage message) {
        try {
            session.onMessage(message);
        } catch (RtmpClientException e) {
            throw new SessionFailure(e);
        }
    }

    /** Before the play started, the player failed (as a non-200 would); after, it gives up on the stream. */
    private void failOrAbort(String reason) {
        if (state() == State.STREAMING) abort(Violation.RTMP_PROTOCOL);
        else fail(reason);
    }

    private static boolean startsWith(byte[] body, byte[] prefix) {
        return body.length >= prefix.length && Arrays.equals(body, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Carries the session's checked failure out of the decoder's callback. */
    private static final class SessionFailure extends RuntimeException {
        SessionFailure(RtmpClientException cause) {
            super(cause);
        }

        @Override
        public synchronized RtmpClientException getCause() {
            return (RtmpClientException) super.getCause();
        }
    }
}
