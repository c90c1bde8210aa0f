package io.streamlet.bench;

import io.streamlet.bench.ChunkedDecoder.ChunkedFormatException;
import io.streamlet.flv.FlvReader;
import io.streamlet.flv.FlvReader.FlvFormatException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An HTTP-FLV player: sends {@code GET}, reads the response head, decodes the chunked body and parses
 * the FLV stream, whose tags {@link Player} checks and measures.
 */
final class FlvPlayer extends Player implements FlvReader.Handler {
    private static final int MAX_RESPONSE_HEAD = 8192;

    private final byte[] request;
    private final FlvReader flv = new FlvReader(this);
    private final ChunkedDecoder chunked = new ChunkedDecoder();
    /** The response head read so far, or null once it is complete. */
    private byte[] head = new byte[MAX_RESPONSE_HEAD];
    private int headLength;
    private boolean bodyChunked;

    FlvPlayer(int index, boolean slow, PlayerLoop loop, InetSocketAddress server, byte[] request) {
        super(index, slow, loop, server);
        this.request = request;
    }

    @Override
    protected void onConnected(long now) throws IOException {
        write(ByteBuffer.wrap(request));
    }

    @Override
    protected void received(byte[] data, int length, long now) {
        int offset = 0;
        if (head != null) {
            offset = readHead(data, length);
            if (state() != State.STREAMING) return;
        }
        try {
            int payload = bodyChunked ? chunked.decode(data, offset, length - offset) : length - offset;
            if (payload > 0) flv.feed(data, offset, payload);
            if (chunked.done()) closedByServer();
        } catch (ChunkedFormatException e) {
            abort(Violation.CHUNKED_FRAMING);
        } catch (FlvFormatException e) {
            abort(Violation.FLV_FRAMING);
        }
    }

    /** Consumes response-head bytes; returns where the body starts in {@code data}. */
    private int readHead(byte[] data, int length) {
        for (int i = 0; i < length; i++) {
            if (headLength == head.length) {
                fail("response head too long");
                return length;
            }
            head[headLength++] = data[i];
            if (headLength >= 4 && head[headLength - 4] == '\r' && head[headLength - 3] == '\n'
                    && head[headLength - 2] == '\r' && head[headLength - 1] == '\n') {
                parseHead(new String(head, 0, headLength, StandardCharsets.ISO_8859_1));
                head = null;
                return i + 1;
            }
        }
        return length;
    }

    private void parseHead(String text) {
        String[] lines = text.split("\r\n");
        String[] status = lines[0].split(" ", 3);
        if (status.length < 2 || !status[0].startsWith("HTTP/")) {
            fail("bad status line");
            return;
        }
        if (!status[1].equals("200")) {
            fail("status " + status[1]);
            return;
        }
        String contentType = "";
        boolean hasContentLength = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0) continue;
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "content-type" -> contentType = value;
                case "transfer-encoding" -> bodyChunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-length" -> hasContentLength = true;
                default -> { }
            }
        }
        if (!contentType.equals("video/x-flv") || !bodyChunked || hasContentLength) {
            rules.violate(Violation.RESPONSE_HEADERS);
        }
        streaming();
    }

    @Override
    public void onHeader(int flags) {
        rules.onHeader(flags);
    }

    @Override
    public void onTag(int type, long timestamp, byte[] body, int offset, int length) {
        checkTag(type, timestamp, body, offset, length);
    }
}
