package io.streamlet.rtmp;

import io.streamlet.amf.Amf0;
import io.streamlet.amf.AmfException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A command message (RTMP 1.0 section 7.1.1): name, transaction id, command object and arguments.
 *
 * @param commandObject usually a map or null
 * @param arguments the values after the command object, nulls allowed; unmodifiable
 */
public record Command(String name, double transactionId, Object commandObject, List<Object> arguments) {
    /** Conventional chunk streams: commands about the connection, and about a message stream. */
    public static final int CONNECTION_CSID = 3;
    public static final int STREAM_CSID = 5;

    public Command {
        arguments = Collections.unmodifiableList(new ArrayList<>(arguments));
    }

    public static Command of(String name, double transactionId, Object commandObject, Object... arguments) {
        return new Command(name, transactionId, commandObject, Arrays.asList(arguments));
    }

    /** Parses an AMF0 command (type 20) or an AMF3 one (type 17: a format byte, then AMF0 values). */
    public static Command parse(RtmpMessage message) throws RtmpProtocolException {
        byte[] p = message.payload();
        int skip = message.type() == MessageType.COMMAND_AMF3 && p.length > 0 ? 1 : 0;
        List<Object> values;
        try {
            values = Amf0.decodeAll(p, skip, p.length - skip);
        } catch (AmfException e) {
            throw new RtmpProtocolException("malformed command message: " + e.getMessage(), e);
        }
        if (values.isEmpty() || !(values.get(0) instanceof String name)) {
            throw new RtmpProtocolException("command message does not start with a command name");
        }
        // A missing or odd transaction id is harmless: treat it as 0 ("no response expected").
        double transactionId = values.size() > 1 && values.get(1) instanceof Double d ? d : 0;
        Object commandObject = values.size() > 2 ? values.get(2) : null;
        List<Object> arguments = values.size() > 3 ? values.subList(3, values.size()) : List.of();
        return new Command(name, transactionId, commandObject, arguments);
    }

    /** Argument {@code index}, or null when there are fewer. */
    public Object argument(int index) {
        return index < arguments.size() ? arguments.get(index) : null;
    }

    /** This command as an AMF0 command message. */
    public RtmpMessage toMessage(int csid, int streamId) {
        Object[] values = new Object[3 + arguments.size()];
        values[0] = name;
        values[1] = transactionId;
        values[2] = commandObject;
        for (int i = 0; i < arguments.size(); i++) values[3 + i] = arguments.get(i);
        return new RtmpMessage(csid, MessageType.COMMAND_AMF0, 0, streamId, Amf0.encode(values));
    }
}
