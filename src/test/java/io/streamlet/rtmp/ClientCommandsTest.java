package io.streamlet.rtmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamlet.amf.Amf0;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientCommandsTest {
    @Test
    void playIsTheAmf0TheSpecificationShows() {
        byte[] payload = ClientCommands.play("cam").toMessage(Command.STREAM_CSID, 1).payload();
        // "play", 0, null, "cam", -2
        assertArrayEquals(HexFormat.of().parseHex(
                "020004706c6179" + "000000000000000000" + "05" + "02000363616d" + "00c000000000000000"), payload);
    }

    @Test
    void connectSurvivesTheChunkStreamWithEveryField() throws RtmpProtocolException {
        Command connect = ClientCommands.connect(1, "live", "rtmp://127.0.0.1:1935/live", "LNX 9,0,124,2", false);
        ChunkDecoder decoder = new ChunkDecoder(1 << 20);
        List<RtmpMessage> decoded = new ArrayList<>();
        decoder.decode(ByteBuffer.wrap(new ChunkEncoder().encode(connect.toMessage(Command.CONNECTION_CSID, 0))),
                decoded::add);
        Command parsed = Command.parse(decoded.get(0));
        assertEquals("connect", parsed.name());
        assertEquals(1.0, parsed.transactionId());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("app", "live");
        expected.put("flashVer", "LNX 9,0,124,2");
        expected.put("tcUrl", "rtmp://127.0.0.1:1935/live");
        expected.put("fpad", false);
        expected.put("capabilities", 15.0);
        expected.put("audioCodecs", 4071.0);
        expected.put("videoCodecs", 252.0);
        expected.put("videoFunction", 1.0);
        expected.put("objectEncoding", 0.0);
        assertEquals(expected, parsed.commandObject());
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(((Map<?, ?>) parsed.commandObject()).keySet()));

        Map<?, ?> publisher = (Map<?, ?>) ClientCommands.connect(1, "live", "rtmp://h/live", "FMLE/3.0", true).commandObject();
        assertEquals("nonprivate", publisher.get("type"));
    }

    @Test
    void createdStreamIdMustBeAPositiveWholeNumber() throws RtmpProtocolException {
        assertEquals(1, ClientCommands.createdStreamId(Command.of("_result", 2, null, 1.0)));
        for (Object bad : new Object[] {null, "1", 0.0, 1.5, -1.0, 1e12}) {
            assertThrows(RtmpProtocolException.class, () -> ClientCommands.createdStreamId(Command.of("_result", 2, null, bad)));
        }
    }

    @Test
    void statusIsReadFromTheInfoObject() {
        Map<String, Object> info = new NetStatus("error", NetStatus.PLAY_STREAM_NOT_FOUND, "no such stream").toInfoObject();
        Command onStatus = Command.of("onStatus", 0, null, info);
        assertEquals(new NetStatus("error", NetStatus.PLAY_STREAM_NOT_FOUND, "no such stream"), NetStatus.of(onStatus));
        assertEquals(true, NetStatus.of(onStatus).isError());
        assertEquals(new NetStatus("", "X", ""), NetStatus.from(Map.of("code", "X")));
        assertNull(NetStatus.from(Map.of("level", "status")));
        assertNull(NetStatus.from(Amf0.UNDEFINED));
    }

    @Test
    void setBufferLengthCarriesStreamIdAndMillis() {
        RtmpMessage message = ProtocolControl.setBufferLength(1, 3000);
        assertEquals(MessageType.USER_CONTROL, message.type());
        assertArrayEquals(HexFormat.of().parseHex("0003" + "00000001" + "00000BB8"), message.payload());
    }
}
