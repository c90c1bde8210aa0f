package io.streamlet.servlet;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * Serves the browser libraries the build installs from npm (mpegts.js), which the webapp carries on its
 * classpath under {@code streamlet-web/}: {@code GET /js/mpegts.js}. Only plain file names are looked up.
 */
public final class WebAssetServlet extends HttpServlet {
    private static final String ROOT = "streamlet-web";
    private static final Pattern FILE_NAME = Pattern.compile("/[A-Za-z0-9][A-Za-z0-9._-]*");

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String name = req.getPathInfo();
        InputStream in = name == null || !FILE_NAME.matcher(name).matches()
                ? null
                : WebAssetServlet.class.getClassLoader().getResourceAsStream(ROOT + req.getServletPath() + name);
        if (in == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        try (in) {
            String type = getServletContext().getMimeType(name);
            resp.setContentType(type == null ? "application/octet-stream" : type);
            resp.setCharacterEncoding("UTF-8");
            resp.setHeader("Cache-Control", "public, max-age=3600");
            in.transferTo(resp.getOutputStream());
        }
    }
}
