package io.streamlet.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamlet.live.StreamKey;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InMemoryStreamDirectoryTest {
    private static final StreamKey KEY = new StreamKey("live", "cam");
    private static final StreamDirectory.Entry A = new StreamDirectory.Entry("http://a", "1");
    private static final StreamDirectory.Entry B = new StreamDirectory.Entry("http://b", "1");

    private final AtomicLong now = new AtomicLong(1_000);
    private final InMemoryStreamDirectory directory = new InMemoryStreamDirectory(now::get);

    @Test
    void holdsRefusesReleasesAndExpiresLikeTheSharedDirectory() {
        assertTrue(directory.hold(KEY, A, 100).join());
        assertFalse(directory.hold(KEY, B, 100).join());
        directory.release(KEY, B).join();
        assertEquals(Optional.of(A), directory.lookup(KEY).join());
        now.addAndGet(99);
        assertTrue(directory.hold(KEY, A, 100).join(), "refreshed before it expired");
        now.addAndGet(99);
        assertEquals(Optional.of(A), directory.lookup(KEY).join());
        now.addAndGet(1);
        assertEquals(Optional.empty(), directory.lookup(KEY).join(), "expired");
        assertTrue(directory.hold(KEY, B, 100).join());
        directory.release(KEY, B).join();
        assertEquals(Optional.empty(), directory.lookup(KEY).join());
    }

    @Test
    void anEntryIsStoredAsEpochThenNode() {
        assertEquals("7-ab http://10.0.0.5:8080", new StreamDirectory.Entry("http://10.0.0.5:8080", "7-ab").encode());
        assertEquals(A, StreamDirectory.Entry.decode(A.encode()));
    }
}
