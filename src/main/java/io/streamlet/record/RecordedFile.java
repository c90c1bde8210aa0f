package io.streamlet.record;

import io.streamlet.live.StreamKey;
import java.nio.file.Path;

/**
 * A file a recording has closed, as the {@code on_dvr} hook and the logs report it.
 *
 * @param file the path as the template made it (relative to the server's working directory unless absolute)
 * @param publisherId the client id of the publisher when the file was opened ("" if it had none then)
 * @param publisherIp its address ("" if unknown)
 * @param tcUrl its RTMP connect URL ("" if unknown)
 * @param durationMs the timestamp of the file's last tag
 * @param error why the file ended early (the recording stopped with it), or null
 */
public record RecordedFile(StreamKey key, Path file, String publisherId, String publisherIp, String tcUrl,
        long bytes, long durationMs, String error) {}
