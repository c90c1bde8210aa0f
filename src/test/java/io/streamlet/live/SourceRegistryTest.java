package io.streamlet.live;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.streamlet.config.ConfigReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the registry tells its listeners (the sinks that are not players). */
class SourceRegistryTest {

    @Test
    void listenersHearOfAMountAndAnEndOnceEachNotOfARepublishWithinTheGrace() throws Exception {
        SourceRegistry registry = new SourceRegistry(LiveConfig.read(new ConfigReader(
                Map.of("streamlet.live.republishGrace", "10s")::get)));
        List<String> events = new ArrayList<>();
        registry.addListener(new SourceRegistry.Listener() {
            @Override
            public void onMounted(LiveSource source) {
                events.add("mounted " + source.key());
            }

            @Override
            public void onEnded(LiveSource source) {
                events.add("ended " + source.key());
            }
        });
        StreamKey key = new StreamKey("live", "s");
        registry.publish(key, "a", () -> {}).unpublish();
        registry.publish(key, "b", () -> {}); // within the grace window: the same source goes on
        assertEquals(List.of("mounted live/s"), events);
        registry.close();
        assertEquals(List.of("mounted live/s", "ended live/s"), events);
    }
}
