package io.streamlet.servlet;

import io.streamlet.live.StreamKey;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where HTTP-FLV streams are mounted (SRS's {@code http_remux.mount}): a path template in which
 * {@code [app]} and {@code [stream]} stand for the stream's names, e.g. SRS's default
 * {@code /[app]/[stream].flv}. Every request path goes through {@link #keyOf}, for the stream servlet
 * and the access checks alike, so the two can never read a path differently.
 */
public final class FlvMount {
    public static final String DEFAULT = "/[app]/[stream].flv";
    private static final String APP = "[app]";
    private static final String STREAM = "[stream]";

    private final String template;
    private final Pattern pattern;

    private FlvMount(String template, Pattern pattern) {
        this.template = template;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException a template that cannot work, saying why */
    public static FlvMount parse(String template) {
        // The servlet is mapped to *.flv in web.xml; a template that ends otherwise would never reach it.
        if (!template.startsWith("/") || !template.endsWith(".flv")) {
            throw new IllegalArgumentException("must start with / and end with .flv");
        }
        if (occurrences(template, APP) != 1 || occurrences(template, STREAM) != 1) {
            throw new IllegalArgumentException("must hold " + APP + " and " + STREAM + " once each");
        }
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("(?=\\[app]|\\[stream])|(?<=\\[app]|\\[stream])")) {
            switch (part) {
                case APP -> regex.append("(?<app>[^/]+)");
                case STREAM -> regex.append("(?<stream>[^/]+)");
                default -> regex.append(Pattern.quote(part));
            }
        }
        return new FlvMount(template, Pattern.compile(regex.toString()));
    }

    /** The stream a request path (the container's decoded, normalised path in the webapp) names, or null. */
    public StreamKey keyOf(String path) {
        Matcher m = pattern.matcher(path);
        if (!m.matches()) return null;
        String app = m.group("app");
        String stream = m.group("stream");
        return StreamKey.isValidName(app) && StreamKey.isValidName(stream) ? new StreamKey(app, stream) : null;
    }

    @Override
    public String toString() {
        return template;
    }

    private static int occurrences(String s, String part) {
        return s.split(Pattern.quote(part), -1).length - 1;
    }
}
