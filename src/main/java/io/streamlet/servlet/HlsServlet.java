package io.streamlet.servlet;

import io.streamlet.config.ContextAttributes;
import io.streamlet.packager.HlsPackager;
import io.streamlet.packager.HlsPath;
import io.streamlet.packager.HlsStream;
import io.streamlet.server.Streamlet;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves HLS from memory ({@link HlsPackager}): {@code GET /{app}/{stream}.m3u8} and the segments and
 * initialization sections it lists. The playlist's segment URIs carry the playlist request's query, so a
 * signed URL ({@code ?sign=}) or an HLS session ({@code hls_ctx}) reaches the segments as well. Playlists may be
 * cached for a second (a CDN then asks the origin once a second however many players poll it); segments, whose
 * URLs are never reused, for a year. A playlist asked for before the stream's first segment waits for it
 * (asynchronously, no thread held), as long as a segment may take.
 */
public final class HlsServlet extends HttpServlet {
    private static final Logger log = LoggerFactory.getLogger(HlsServlet.class);
    static final String PLAYLIST_CACHE = "public, max-age=1";
    static final String SEGMENT_CACHE = "public, max-age=31536000, immutable";

    private transient HlsPackager hls;

    @Override
    public void init() {
        hls = ContextAttributes.require(getServletContext()::getAttribute, Streamlet.class).hls();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HlsPath path = pathOf(req);
        HlsStream stream = path == null || hls == null ? null : hls.find(path.key());
        if (stream == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND, "no live stream at this URL");
            return;
        }
        switch (path.kind()) {
            case PLAYLIST -> servePlaylist(stream, req, resp);
            case TS_SEGMENT, FMP4_SEGMENT -> serveSegment(path, stream.segment(path), resp);
            case INIT_SECTION -> serveSegment(path, stream.initSection(path), resp);
        }
    }

    /** The HLS resource a request names, or null; the auth filter judges requests by this very function. */
    static HlsPath pathOf(HttpServletRequest req) {
        return HlsPath.parse(req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo()));
    }

    private void servePlaylist(HlsStream stream, HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (stream.playlist() != null) {
            writePlaylist(stream, req.getQueryString(), resp);
            return;
        }
        if ("HEAD".equals(req.getMethod())) { // nothing to wait for: the headers would be a guess
            resp.sendError(HttpServletResponse.SC_NOT_FOUND, "the stream has made no segment yet");
            return;
        }
        AsyncContext async = req.startAsync();
        async.setTimeout(0); // bounded below, by the longest a segment may take
        String query = req.getQueryString();
        AtomicBoolean answered = new AtomicBoolean();
        Runnable answer = () -> {
            if (answered.compareAndSet(false, true)) answerWhenReady(async, stream, query);
        };
        stream.firstSegment().whenComplete((done, failure) -> answer.run());
        hls.schedule(answer, maxWaitMs());
    }

    private long maxWaitMs() {
        return Math.max(3 * hls.config().fragmentMs(), 10_000) + 1_000;
    }

    /** Once the first segment came or the wait is over: the playlist, or 404. */
    private void answerWhenReady(AsyncContext async, HlsStream stream, String query) {
        try {
            HttpServletResponse resp = (HttpServletResponse) async.getResponse();
            if (stream.playlist() != null) {
                writePlaylist(stream, query, resp);
            } else {
                resp.sendError(HttpServletResponse.SC_NOT_FOUND, "the stream has made no segment yet");
            }
        } catch (IOException | IllegalStateException e) {
            log.debug("HLS playlist of {} not sent: the client left ({})", stream, e.toString());
        } finally {
            try {
                async.complete();
            } catch (IllegalStateException alreadyEnded) {
                // The container ended the request (the client left, or the server stops).
            }
        }
    }

    private void writePlaylist(HlsStream stream, String query, HttpServletResponse resp) throws IOException {
        byte[] body = withQuery(stream.playlist(), query).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(HlsPath.Kind.PLAYLIST.contentType);
        resp.setHeader("Cache-Control", PLAYLIST_CACHE);
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
        hls.countPlaylistServed(body.length);
    }

    private void serveSegment(HlsPath path, byte[] data, HttpServletResponse resp) throws IOException {
        if (data == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND, "no such segment (it may have left the window)");
            return;
        }
        resp.setStatus(HttpServletResponse.SC_OK);
        resp.setContentType(path.kind().contentType);
        resp.setHeader("Cache-Control", SEGMENT_CACHE);
        resp.setContentLength(data.length);
        resp.getOutputStream().write(data);
        hls.countSegmentServed(data.length);
    }

    /**
     * The playlist with {@code query} appended to every URI in it (segment lines and {@code EXT-X-MAP} URIs), so
     * that what authorized the playlist request authorizes its segments; the playlist itself when there is none.
     */
    static String withQuery(String playlist, String query) {
        if (query == null || query.isEmpty()) return playlist;
        query = query.replace("\"", "%22"); // the query goes inside a quoted attribute too
        StringBuilder out = new StringBuilder(playlist.length() + 32 * query.length());
        for (String line : playlist.split("\n")) {
            if (line.isEmpty()) continue;
            if (!line.startsWith("#")) {
                out.append(line).append('?').append(query);
            } else if (line.startsWith("#EXT-X-MAP:URI=\"") && line.endsWith("\"")) {
                out.append(line, 0, line.length() - 1).append('?').append(query).append('"');
            } else {
                out.append(line);
            }
            out.append('\n');
        }
        return out.toString();
    }
}
