package io.streamlet.record;

import io.streamlet.flv.FlvTag;
import io.streamlet.flv.ScriptData;
import io.streamlet.hls.Media;
import io.streamlet.hls.Segment;
import io.streamlet.hls.Segmenter;
import io.streamlet.live.LiveTag;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fragmented MP4 files (ISO/IEC 14496-12), so that a file cut short by a crash still plays: the
 * initialization segment ({@code ftyp} + {@code moov}) first, then a {@code moof} + {@code mdat} fragment
 * about every second, each written whole as it is made. The fragments are HLS's fMP4 segments: the same
 * {@link Segmenter}, one per file, cuts them on keyframes (on time alone for audio-only streams) and muxes
 * them.
 *
 * <p>An MP4 file has one {@code moov}: a sequence header that changes a codec's configuration in the middle
 * of a file (a republish with other encoder settings) starts a new file, whatever the plan.
 */
final class Mp4FileWriter extends MediaFileWriter {
    private static final Logger log = LoggerFactory.getLogger(Mp4FileWriter.class);
    private static final long FRAGMENT_MS = 1_000;
    private static final Segmenter.Options FRAGMENTS =
            new Segmenter.Options(FRAGMENT_MS, 10 * FRAGMENT_MS, 64L << 20, Segmenter.Container.FMP4);

    private Segmenter fragments;
    private OutputStream out;
    private boolean initWritten;
    private Map<String, Object> properties = Map.of();
    private boolean warnedBadMedia;

    Mp4FileWriter(DvrConfig.Plan plan, long segmentMs, boolean audio, boolean video) {
        super(plan, segmentMs, audio, video);
    }

    @Override
    boolean cutsBefore(LiveTag tag, int timestamp) {
        return super.cutsBefore(tag, timestamp) || hasMedia() && changesConfiguration(tag);
    }

    private boolean changesConfiguration(LiveTag tag) {
        LiveTag kept = switch (tag.type()) {
            case FlvTag.AUDIO -> audioHeader;
            case FlvTag.VIDEO -> videoHeader;
            default -> null;
        };
        return tag.isHeader() && kept != null && !Arrays.equals(
                tag.bodyArray(), tag.bodyOffset(), tag.bodyOffset() + tag.bodyLength(),
                kept.bodyArray(), kept.bodyOffset(), kept.bodyOffset() + kept.bodyLength());
    }

    @Override
    protected void start(OutputStream out) throws IOException {
        this.out = out;
        initWritten = false;
        fragments = new Segmenter(FRAGMENTS, this::fragmentMade);
        for (LiveTag header : new LiveTag[] {metadata, videoHeader, audioHeader}) {
            if (header != null) append(header, 0, out);
        }
    }

    @Override
    protected void append(LiveTag tag, long time, OutputStream out) throws IOException {
        byte[] body = Arrays.copyOfRange(tag.bodyArray(), tag.bodyOffset(), tag.bodyOffset() + tag.bodyLength());
        try {
            if (tag.type() == FlvTag.SCRIPT) {
                if (tag.isHeader()) properties = ScriptData.parse(body).properties();
                return;
            }
            Media media = Media.fromFlvTag(tag.type(), time, body, properties);
            if (media != null) fragments.accept(media);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalArgumentException e) {
            // The fragment it was in is left out; the file goes on with the next (see Segmenter#accept).
            if (!warnedBadMedia) {
                warnedBadMedia = true;
                log.warn("media the MP4 muxer cannot read at {} ms, a fragment left out of the recording (told once"
                        + " per recording): {}", time, e.getMessage());
            }
        }
    }

    @Override
    void end(OutputStream out) throws IOException {
        try {
            fragments.finish();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void fragmentMade(Segment fragment) {
        try {
            if (!initWritten) {
                out.write(fragment.init().data());
                initWritten = true;
            }
            out.write(fragment.data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
