package io.streamlet.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static List<Long> delays(Backoff backoff, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(backoff.nextDelayMs());
        return out;
    }

    @Test
    void stepsDoubleFrom250MsAndStopAt8s() {
        assertEquals(List.of(250L, 500L, 1000L, 2000L, 4000L, 8000L, 8000L, 8000L), delays(new Backoff(() -> 0.999999999), 8));
    }

    @Test
    void jitterKeepsAtLeastHalfOfEachStep() {
        assertEquals(List.of(125L, 250L, 500L, 1000L, 2000L, 4000L, 4000L), delays(new Backoff(() -> 0.0), 7));
        assertEquals(List.of(188L, 375L, 750L), delays(new Backoff(() -> 0.5), 3));
    }

    @Test
    void aStableConnectionStartsTheDelaysOver() {
        Backoff backoff = new Backoff(() -> 0.999999999);
        delays(backoff, 4);
        backoff.connectionEnded(Backoff.STABLE_AFTER_MS - 1);
        assertEquals(2000L * 2, backoff.nextDelayMs(), "a short-lived connection keeps backing off");
        backoff.connectionEnded(Backoff.STABLE_AFTER_MS);
        assertEquals(250L, backoff.nextDelayMs());
    }

    @Test
    void resetStartsOver() {
        Backoff backoff = new Backoff(() -> 0.999999999);
        delays(backoff, 10);
        backoff.reset();
        assertEquals(List.of(250L, 500L), delays(backoff, 2));
    }
}
