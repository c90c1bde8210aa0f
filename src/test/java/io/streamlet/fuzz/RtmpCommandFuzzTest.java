package io.streamlet.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.streamlet.rtmp.AggregateMessages;
import io.streamlet.rtmp.Command;
import io.streamlet.rtmp.MessageType;
import io.streamlet.rtmp.ProtocolControl;
import io.streamlet.rtmp.RtmpMessage;
import io.streamlet.rtmp.RtmpProtocolException;
import java.util.List;

/**
 * What the publish state machine parses out of a decoded message: commands (AMF0 and AMF3 forms), protocol
 * control messages and aggregates (seeds: ffmpeg's connect, createStream and publish). Each returns a value
 * or refuses with {@link RtmpProtocolException}.
 */
class RtmpCommandFuzzTest {
    @FuzzTest
    void command(FuzzedDataProvider data) {
        int type = data.consumeBoolean() ? MessageType.COMMAND_AMF3 : MessageType.COMMAND_AMF0;
        RtmpMessage message = new RtmpMessage(3, type, 0, 0, data.consumeRemainingAsBytes());
        try {
            Command command = Command.parse(message);
            assertTrue(command.name() != null);
            command.toMessage(3, 0); // what the session sends back re-encodes the same values
        } catch (RtmpProtocolException refused) {
            // declared
        } catch (IllegalArgumentException noAmf0Form) {
            // an AMF3 byte array among the arguments: AMF0 has no form for it, as Amf0Writer documents
        }
    }

    @FuzzTest
    void protocolControl(byte[] payload) {
        for (int type = MessageType.SET_CHUNK_SIZE; type <= MessageType.SET_PEER_BANDWIDTH; type++) {
            RtmpMessage message = new RtmpMessage(ProtocolControl.CONTROL_CSID, type, 0, 0, payload);
            try {
                switch (type) {
                    case MessageType.SET_CHUNK_SIZE -> {
                        int size = ProtocolControl.parseChunkSize(message);
                        assertTrue(size >= 1 && size <= ProtocolControl.MAX_CHUNK_SIZE, "chunk size " + size);
                    }
                    case MessageType.USER_CONTROL -> ProtocolControl.parseUserControl(message);
                    default -> assertTrue(ProtocolControl.parseUint32(message) >= 0);
                }
            } catch (RtmpProtocolException refused) {
                // declared
            }
        }
    }

    @FuzzTest
    void aggregate(FuzzedDataProvider data) {
        long timestamp = data.consumeLong(0, RtmpMessage.UINT32_MASK);
        byte[] payload = data.consumeRemainingAsBytes();
        try {
            List<RtmpMessage> parts = AggregateMessages.split(new RtmpMessage(4, MessageType.AGGREGATE, timestamp, 1, payload));
            long total = 0;
            for (RtmpMessage part : parts) {
                total += 11 + part.payload().length + 4;
                assertEquals(1, part.streamId());
            }
            assertEquals(payload.length, total, "sub-messages and their framing cover the aggregate exactly");
        } catch (RtmpProtocolException refused) {
            // declared
        }
    }
}
