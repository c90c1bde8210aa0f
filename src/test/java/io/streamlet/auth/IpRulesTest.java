package io.streamlet.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SRS's security order: deny first, then the allow list if there is one. */
class IpRulesTest {
    private static List<IpRange> ranges(String... texts) {
        return Arrays.stream(texts).map(IpRange::parse).toList();
    }

    @Test
    void noRulesAllowEveryone() {
        assertNull(IpRules.OPEN.check("203.0.113.9"));
        assertNull(IpRules.OPEN.check("not an address"), "an open gate does not even look");
    }

    @Test
    void denyListAloneDeniesOnlyWhatItNames() {
        IpRules rules = new IpRules(List.of(), ranges("10.0.0.0/8", "2001:db8::/32"));
        assertNotNull(rules.check("10.1.1.1"));
        assertNotNull(rules.check("2001:db8::7"));
        assertNull(rules.check("192.0.2.1"));
        assertNull(rules.check("::1"));
    }

    @Test
    void allowListDeniesEveryoneElse() {
        IpRules rules = new IpRules(ranges("192.0.2.0/24", "fd00::/8"), List.of());
        assertNull(rules.check("192.0.2.200"));
        assertNull(rules.check("fd12::1"));
        assertEquals("address 198.51.100.1 matches no allow rule", rules.check("198.51.100.1"));
        assertNotNull(rules.check("fe80::1"));
    }

    @Test
    void denyWinsOverAllow() {
        IpRules rules = new IpRules(ranges("10.0.0.0/8"), ranges("10.6.6.0/24"));
        assertNull(rules.check("10.1.1.1"));
        assertEquals("address 10.6.6.6 is denied by 10.6.6.0/24", rules.check("10.6.6.6"));
    }

    @Test
    void anUnparsableClientAddressIsDeniedWhenRulesExist() {
        assertNotNull(new IpRules(List.of(), ranges("10.0.0.0/8")).check("unknown"));
    }
}
