package io.streamlet.rtmp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamlet.amf.Amf0;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolControlTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void controlMessagesOnTheWire() throws RtmpProtocolException {
        assertArrayEquals(hex("0000EA60"), ProtocolControl.setChunkSize(60000).payload());
        assertArrayEquals(hex("002625A0 02"), ProtocolControl.setPeerBandwidth(2_500_000, ProtocolControl.LIMIT_DYNAMIC).payload());
        assertArrayEquals(hex("0000 00000001"), ProtocolControl.streamBegin(1).payload());
        assertArrayEquals(hex("0007 FFFFFFFF"), ProtocolControl.pingResponse(0xFFFFFFFFL).payload());
        RtmpMessage ack = ProtocolControl.acknowledgement(5_000_000);
        assertEquals(List.of(2, MessageType.ACKNOWLEDGEMENT, 0), List.of(ack.csid(), ack.type(), ack.streamId()));
        assertEquals(5_000_000, ProtocolControl.parseUint32(ack));
        assertEquals(new ProtocolControl.UserControl(6, 1234),
                ProtocolControl.parseUserControl(new RtmpMessage(2, 4, 0, 0, hex("0006 000004D2"))));
        assertEquals(new ProtocolControl.UserControl(0x1A, 0),
                ProtocolControl.parseUserControl(new RtmpMessage(2, 4, 0, 0, hex("001A"))));
        assertThrows(RtmpProtocolException.class, () -> ProtocolControl.parseUserControl(new RtmpMessage(2, 4, 0, 0, hex("00"))));
        assertThrows(IllegalArgumentException.class, () -> ProtocolControl.setChunkSize(0));
    }

    @Test
    void aggregateSubMessagesAreRebasedOnTheAggregateTimestamp() throws RtmpProtocolException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(hex("09 000002 0003E8 00 000000 1701 0000000D")); // video at 1000
        p.writeBytes(hex("08 000001 000410 00 000000 AF 0000000C")); // audio at 1040
        p.writeBytes(hex("09 000001 FFFFFF 7F 000000 27 0000000C")); // video at 0x7FFFFFFF
        RtmpMessage aggregate = new RtmpMessage(7, MessageType.AGGREGATE, 0xFFFFFFF0L, 1, p.toByteArray());
        List<RtmpMessage> subs = AggregateMessages.split(aggregate);
        assertEquals(List.of(0xFFFFFFF0L, 0x18L, (0xFFFFFFF0L + 0x7FFFFFFFL - 1000) & 0xFFFFFFFFL),
                subs.stream().map(RtmpMessage::timestamp).toList());
        assertEquals(List.of(9, 8, 9), subs.stream().map(RtmpMessage::type).toList());
        assertArrayEquals(hex("1701"), subs.get(0).payload());
        assertEquals(1, subs.get(1).streamId());
    }

    @Test
    void malformedAggregates() {
        for (String bad : List.of("09 000002 000000 00 000000 17", // body cut short
                "09 000001 000000 00 000000 17", // no back pointer
                "09 0000", // header cut short
                "14 000001 000000 00 000000 05 0000000C")) { // a command inside
            RtmpMessage aggregate = new RtmpMessage(7, MessageType.AGGREGATE, 0, 1, hex(bad));
            assertThrows(RtmpProtocolException.class, () -> AggregateMessages.split(aggregate), bad);
        }
    }

    @Test
    void commandsRoundTripAndAmf3CommandsParse() throws RtmpProtocolException {
        Command connect = Command.of("connect", 1, Map.of("app", "live"), "extra", null);
        RtmpMessage message = connect.toMessage(Command.CONNECTION_CSID, 0);
        assertEquals(connect, Command.parse(message));

        byte[] amf0 = Amf0.encode("publish", 5.0, null, "x", "live");
        byte[] amf3 = new byte[amf0.length + 1];
        System.arraycopy(amf0, 0, amf3, 1, amf0.length);
        Command publish = Command.parse(new RtmpMessage(8, MessageType.COMMAND_AMF3, 0, 1, amf3));
        assertEquals(List.of("publish", 5.0, "x"), List.of(publish.name(), publish.transactionId(), publish.argument(0)));
        assertEquals(null, publish.argument(5));

        assertThrows(RtmpProtocolException.class, () -> Command.parse(new RtmpMessage(3, 20, 0, 0, hex("02 0007 636F6E6E"))));
        assertThrows(RtmpProtocolException.class, () -> Command.parse(new RtmpMessage(3, 20, 0, 0, Amf0.encode(1.0))));
    }
}
