package io.streamlet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.streamlet.rtmp.client.RtmpUrl;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void protocolChoosesWhichPlayersPlayRtmp() {
        assertEquals(0, rtmpPlayers("--protocol=flv"));
        assertEquals(0, rtmpPlayers()); // the default
        assertEquals(10, rtmpPlayers("--protocol=rtmp"));
        assertEquals(5, rtmpPlayers("--protocol=mixed"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--protocol=hls"}));
    }

    @Test
    void rtmpPlayersPlayTheStreamOnTheRtmpEndpoint() {
        BenchOptions options = BenchOptions.parse(new String[] {"--rtmp=127.0.0.1:1945", "--stream=live/b1"});
        assertEquals(new RtmpUrl("127.0.0.1", 1945, "live", "b1"), options.rtmpPlayUrl());
    }

    private static long rtmpPlayers(String... args) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--players=10";
        BenchOptions options = BenchOptions.parse(all);
        return IntStream.range(0, options.players()).filter(options::playsRtmp).count();
    }
}
