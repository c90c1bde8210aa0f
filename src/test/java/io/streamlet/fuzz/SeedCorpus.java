package io.streamlet.fuzz;

import io.streamlet.amf.Amf0;
import io.streamlet.rtmp.ChunkDecoder;
import io.streamlet.rtmp.Handshake;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import io.streamlet.server.Streamlet;
import io.streamlet.server.StreamletConfig;
import io.streamlet.testing.EncodedMedia;
import io.streamlet.testing.EnhancedRtmpTags;
import io.streamlet.testing.ExternalTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Records the seed corpora of the fuzz targets from a real publish: ffmpeg sends H.264 and AAC over RTMP
 * through a recording proxy to Streamlet's own {@link RtmpServer} on 127.0.0.1, and what it sent is cut
 * into each target's input format (handshake, chunk stream, commands, tags, FLV, a publish session); HEVC,
 * AV1 and Opus tags come from {@link EncodedMedia} as Enhanced RTMP. Media payloads are cut short so each
 * seed stays a few KB; the parsers only look at the first bytes of a frame anyway.
 *
 * <p>{@code java -cp target/test-classes:target/classes:<test classpath> io.streamlet.fuzz.SeedCorpus}
 * (from the project directory; needs ffmpeg) rewrites the seeds under src/test/resources/io/streamlet/fuzz.
 */
public final class SeedCorpus {
    private static final Path ROOT = Path.of("src/test/resources/io/streamlet/fuzz");
    private static final int MAX_MEDIA_PAYLOAD = 96;
    private static final int CHUNK_STREAM_SEED = 4096;

    private SeedCorpus() {}

    public static void main(String[] args) throws Exception {
        byte[] sent = recordFfmpegPublish();
        byte[] c0c1 = Arrays.copyOf(sent, 1 + Handshake.PACKET_SIZE);
        byte[] chunks = Arrays.copyOfRange(sent, 1 + 2 * Handshake.PACKET_SIZE, sent.length);
        List<RtmpMessage> messages = decode(chunks);

        write("HandshakeFuzzTest", "answerC0C1", "ffmpeg-complex-c0c1", c0c1);
        write("HandshakeFuzzTest", "answerC0C1", "simple-c0c1", Handshake.clientHello());
        write("ChunkDecoderFuzzTest", "decodeWholeOrSplit", "ffmpeg-publish-start",
                withTrailer(Arrays.copyOf(chunks, Math.min(chunks.length, CHUNK_STREAM_SEED)), 0));

        List<RtmpMessage> media = new ArrayList<>();
        int commands = 0;
        for (RtmpMessage m : messages) {
            switch (m.type()) {
                case MessageType.COMMAND_AMF0 -> {
                    String name = (String) Amf0.decodeAll(m.payload(), 0, m.payload().length).get(0);
                    write("RtmpCommandFuzzTest", "command", "ffmpeg-" + name, withTrailer(m.payload(), 0));
                    if (commands++ == 0) write("AmfFuzzTest", "amf0", "ffmpeg-" + name, m.payload());
                }
                case MessageType.DATA_AMF0 -> {
                    write("AmfFuzzTest", "amf0", "ffmpeg-setDataFrame", m.payload());
                    write("FlvFuzzTest", "scriptData", "ffmpeg-setDataFrame", m.payload());
                    media.add(m);
                }
                case MessageType.AUDIO, MessageType.VIDEO -> media.add(m);
                default -> { } // ffmpeg's Set Chunk Size is taken by the decoder; nothing else comes
            }
        }
        writeMediaSeeds(media);
        writeEnhancedRtmpSeeds();
        writeTextSeeds();
    }

    /** ffmpeg publishing one second of H.264 and AAC; returns the bytes it sent, handshake included. */
    private static byte[] recordFfmpegPublish() throws Exception {
        String ffmpeg = ExternalTools.require("ffmpeg", "ffmpeg");
        StreamletConfig config = StreamletConfig.load(Map.of("streamlet.rtmp.host", "127.0.0.1", "streamlet.rtmp.port", "0")::get);
        try (Streamlet server = Streamlet.start(config);
                ServerSocket proxy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ByteArrayOutputStream recorded = new ByteArrayOutputStream();
            Thread relay = new Thread(() -> relay(proxy, server.rtmpPort(), recorded), "seed-recorder");
            relay.start();
            ExternalTools.Result result = ExternalTools.run(List.of(ffmpeg, "-hide_banner", "-loglevel", "error",
                    "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-t", "1", "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-c:a", "aac", "-b:a", "32k",
                    "-f", "flv", "rtmp://127.0.0.1:" + proxy.getLocalPort() + "/live/seed"), 60);
            relay.join(10_000);
            if (result.exitCode() != 0) throw new IOException("ffmpeg failed: " + result.output());
            synchronized (recorded) {
                return recorded.toByteArray();
            }
        }
    }

    /** Relays one connection to the server, recording what the client sends. */
    private static void relay(ServerSocket proxy, int serverPort, ByteArrayOutputStream recorded) {
        try (Socket client = proxy.accept(); Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort)) {
            Thread back = new Thread(() -> copy(server, client, null), "seed-recorder-back");
            back.start();
            copy(client, server, recorded);
            server.shutdownOutput();
            back.join(5_000);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("recording proxy failed", e);
        }
    }

    private static void copy(Socket from, Socket to, ByteArrayOutputStream recorded) {
        byte[] buf = new byte[8192];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buf)) > 0; ) {
                if (recorded != null) {
                    synchronized (recorded) {
                        recorded.write(buf, 0, n);
                    }
                }
                out.write(buf, 0, n);
            }
        } catch (IOException closed) {
            // the other side is gone: the recording is complete
        }
    }

    private static List<RtmpMessage> decode(byte[] chunks) throws RtmpProtocolException {
        List<RtmpMessage> out = new ArrayList<>();
        new ChunkDecoder(16 * 1024 * 1024).decode(ByteBuffer.wrap(chunks), out::add);
        return out;
    }

    /** Tags, an FLV file, an aggregate and a publish session from the first media messages, cut short. */
    private static void writeMediaSeeds(List<RtmpMessage> media) throws IOException {
        List<RtmpMessage> firstOnes = media.subList(0, Math.min(media.size(), 40));
        boolean video = false;
        boolean videoFrame = false;
        boolean audio = false;
        boolean audioFrame = false;
        for (RtmpMessage m : firstOnes) {
            byte[] head = Arrays.copyOf(m.payload(), Math.min(m.payload().length, MAX_MEDIA_PAYLOAD));
            if (m.type() == MessageType.VIDEO && !video) write("FlvFuzzTest", "videoTag", "ffmpeg-avc-sequence-header", head);
            if (m.type() == MessageType.VIDEO && video && !videoFrame) write("FlvFuzzTest", "videoTag", "ffmpeg-avc-keyframe", head);
            if (m.type() == MessageType.AUDIO && !audio) write("FlvFuzzTest", "audioTag", "ffmpeg-aac-sequence-header", head);
            if (m.type() == MessageType.AUDIO && audio && !audioFrame) write("FlvFuzzTest", "audioTag", "ffmpeg-aac-frame", head);
            videoFrame |= video && m.type() == MessageType.VIDEO;
            video |= m.type() == MessageType.VIDEO;
            audioFrame |= audio && m.type() == MessageType.AUDIO;
            audio |= m.type() == MessageType.AUDIO;
        }

        ByteArrayOutputStream flv = new ByteArrayOutputStream();
        flv.writeBytes(new byte[] {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0});
        ByteArrayOutputStream aggregate = new ByteArrayOutputStream();
        ByteArrayOutputStream session = new ByteArrayOutputStream();
        for (RtmpMessage m : firstOnes) {
            byte[] body = Arrays.copyOf(m.payload(), Math.min(m.payload().length, MAX_MEDIA_PAYLOAD));
            byte[] tag = tag(m.type(), m.timestamp(), body);
            flv.writeBytes(tag);
            if (aggregate.size() < 1024) aggregate.writeBytes(tag);
            session.write(m.type());
            session.writeBytes(ByteBuffer.allocate(6).putInt((int) m.timestamp()).putShort((short) body.length).array());
            session.writeBytes(body);
        }
        write("FlvFuzzTest", "reader", "ffmpeg-flv", withTrailer(flv.toByteArray(), 0));
        write("RtmpCommandFuzzTest", "aggregate", "ffmpeg-tags", withTrailer(aggregate.toByteArray(), 0, 0, 0, 0));
        write("RtmpSessionFuzzTest", "publish", "ffmpeg-media", session.toByteArray());
    }

    /** HEVC, AV1 and Opus as Enhanced RTMP tags (and HEVC as the legacy codec id 12), and a session of them. */
    private static void writeEnhancedRtmpSeeds() throws Exception {
        EncodedMedia hevc = EncodedMedia.video(EncodedMedia.Codec.HEVC, 160, 120);
        EncodedMedia av1 = EncodedMedia.video(EncodedMedia.Codec.AV1, 160, 120);
        EncodedMedia opus = EncodedMedia.opus();
        write("FlvFuzzTest", "videoTag", "hevc-sequence-start", EnhancedRtmpTags.sequenceStart(hevc));
        write("FlvFuzzTest", "videoTag", "hevc-legacy-sequence-header", EnhancedRtmpTags.legacyHevcSequenceHeader(hevc));
        write("FlvFuzzTest", "videoTag", "hevc-coded-frames-x", head(EnhancedRtmpTags.codedFramesX(hevc, 1)));
        write("FlvFuzzTest", "videoTag", "av1-sequence-start", EnhancedRtmpTags.sequenceStart(av1));
        write("FlvFuzzTest", "videoTag", "av1-keyframe", head(EnhancedRtmpTags.codedFrames(av1, 0)));
        write("FlvFuzzTest", "audioTag", "opus-sequence-start", EnhancedRtmpTags.audioSequenceStart(opus));
        write("FlvFuzzTest", "audioTag", "opus-frame", head(EnhancedRtmpTags.audioCodedFrames(opus, 0)));

        ByteArrayOutputStream session = new ByteArrayOutputStream();
        record(session, MessageType.VIDEO, 0, EnhancedRtmpTags.sequenceStart(hevc));
        record(session, MessageType.AUDIO, 0, EnhancedRtmpTags.audioSequenceStart(opus));
        for (int i = 0; i < 12; i++) {
            record(session, MessageType.VIDEO, hevc.timeOf(i), head(EnhancedRtmpTags.codedFrames(hevc, i)));
            record(session, MessageType.AUDIO, opus.timeOf(i), head(EnhancedRtmpTags.audioCodedFrames(opus, i)));
        }
        write("RtmpSessionFuzzTest", "publish", "hevc-opus-media", session.toByteArray());
    }

    /** Seeds of control messages, AMF3 and the text parsers (whose inputs Jazzer's FuzzedDataProvider decodes, so they are approximate). */
    private static void writeTextSeeds() throws IOException {
        write("RtmpCommandFuzzTest", "protocolControl", "chunk-size-4096", hex("00001000"));
        write("RtmpCommandFuzzTest", "protocolControl", "ping-request", hex("0006 0000 03E8"));
        write("AuthFuzzTest", "hookAnswer", "srs-agrees", withTrailer("{\"code\":0,\"data\":null}".getBytes(), 1));
        write("AuthFuzzTest", "hookAnswer", "zero", withTrailer("0".getBytes(), 1));
        write("AuthFuzzTest", "ipRange", "ipv4-cidr", "10.0.0.0/8\u0000192.0.2.7".getBytes());
        write("AuthFuzzTest", "ipRange", "ipv6-mapped", "::ffff:10.0.0.0/104\u0000::ffff:10.1.2.3".getBytes());
        write("AuthFuzzTest", "signedUrl", "sign", ("/live/livestream\u00001767229200-" + "0f".repeat(32)).getBytes());
        // AMF3: [ {x: 1 (sealed), y: 2 (dynamic)}, {x: 3} by traits reference ], a string reference, a dictionary
        write("AmfFuzzTest", "amf3", "objects-and-traits", hex("0905010A1B010378040103790402010A010403020404 01"));
        write("AmfFuzzTest", "amf3", "array-and-references", hex("0909010605616206000903010401 0902"));
        write("AmfFuzzTest", "amf3", "dictionary-and-vectors", hex("1105000401040211 0D0500000000010000000206"));
    }

    private static void record(ByteArrayOutputStream out, int type, long timestamp, byte[] payload) {
        out.write(type);
        out.writeBytes(ByteBuffer.allocate(6).putInt((int) timestamp).putShort((short) payload.length).array());
        out.writeBytes(payload);
    }

    private static byte[] tag(int type, long timestamp, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(11 + body.length + 4);
        b.put((byte) type).put((byte) (body.length >>> 16)).putShort((short) body.length);
        b.put((byte) (timestamp >>> 16)).putShort((short) timestamp).put((byte) (timestamp >>> 24));
        b.put(new byte[3]).put(body).putInt(11 + body.length);
        return b.array();
    }

    private static byte[] head(byte[] body) {
        return Arrays.copyOf(body, Math.min(body.length, MAX_MEDIA_PAYLOAD));
    }

    /** {@code bytes} and then the bytes a FuzzedDataProvider target takes from the end (cut counts, flags). */
    private static byte[] withTrailer(byte[] bytes, int... trailer) {
        byte[] out = Arrays.copyOf(bytes, bytes.length + trailer.length);
        for (int i = 0; i < trailer.length; i++) out[bytes.length + i] = (byte) trailer[i];
        return out;
    }

    private static byte[] hex(String digits) {
        return java.util.HexFormat.of().parseHex(digits.replace(" ", ""));
    }

    private static void write(String fuzzTest, String method, String name, byte[] seed) throws IOException {
        Path dir = ROOT.resolve(fuzzTest + "Inputs").resolve(method);
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), seed);
    }
}
