package io.streamlet.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A plain HTTP/1.1 client over a socket that decodes the chunked body itself, so a test sees exactly
 * what went over the wire: the status, the headers, the FLV bytes, and whether the terminating chunk
 * arrived (a clean end of stream) or the connection just broke.
 */
public final class HttpFlvClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    public final int status;
    public final Map<String, String> headers = new LinkedHashMap<>();
    public final FlvCollector flv = new FlvCollector();
    private boolean ended;
    private boolean chunked;
    private int chunkLeft;
    private long bodyBytes;

    public HttpFlvClient(int port, String method, String path) throws IOException {
        this(port, method, path, Map.of());
    }

    public HttpFlvClient(int port, String method, String path, Map<String, String> extraHeaders) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(15_000);
        in = socket.getInputStream();
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        extraHeaders.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        OutputStream out = socket.getOutputStream();
        out.write(req.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String statusLine = readLine();
        status = Integer.parseInt(statusLine.split(" ")[1]);
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** True once the terminating chunk was read: the server ended the response cleanly. */
    public boolean ended() {
        return ended;
    }

    public long bodyBytes() {
        return bodyBytes;
    }

    /** Reads body bytes into the FLV parser until {@code tags} tags were parsed, the body ended, or the timeout. */
    public void readTags(int tags, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (flv.tags.size() < tags && !ended && System.currentTimeMillis() < deadline) {
            readSome();
        }
    }

    /** Reads until the response ends (terminating chunk) or {@code timeoutMs}; false on timeout. */
    public boolean readToEnd(long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!ended && System.currentTimeMillis() < deadline) readSome();
        return ended;
    }

    private final byte[] buf = new byte[16384];

    private void readSome() throws Exception {
        if (!chunked) throw new IOException("response is not chunked: " + headers);
        if (chunkLeft == 0) {
            String size = readLine();
            if (size.isEmpty()) size = readLine(); // CRLF after the previous chunk's data
            chunkLeft = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (chunkLeft == 0) {
                readLine(); // the empty trailer
                ended = true;
                return;
            }
        }
        int n = in.read(buf, 0, Math.min(buf.length, chunkLeft));
        if (n < 0) throw new IOException("connection closed without a terminating chunk");
        chunkLeft -= n;
        bodyBytes += n;
        flv.feed(buf, 0, n);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new IOException("connection closed mid-line, after status " + status + " " + headers);
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
