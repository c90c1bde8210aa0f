package io.streamlet.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpRangeTest {
    private static boolean contains(String range, String address) {
        return IpRange.parse(range).contains(IpRange.parseAddress(address));
    }

    @Test
    void ipv4BlocksMatchTheirAddressesOnly() {
        assertTrue(contains("10.0.0.0/8", "10.255.1.2"));
        assertFalse(contains("10.0.0.0/8", "11.0.0.1"));
        assertTrue(contains("192.168.1.64/26", "192.168.1.127"));
        assertFalse(contains("192.168.1.64/26", "192.168.1.128"));
        assertTrue(contains("192.168.1.77/26", "192.168.1.64"), "host bits of the rule are ignored");
        assertTrue(contains("203.0.113.7", "203.0.113.7"));
        assertFalse(contains("203.0.113.7", "203.0.113.8"));
        assertTrue(contains("0.0.0.0/0", "198.51.100.1"));
        assertFalse(contains("0.0.0.0/0", "::1"), "an IPv4 rule never matches an IPv6 client");
    }

    @Test
    void ipv6BlocksMatchTheirAddressesOnly() {
        assertTrue(contains("2001:db8::/32", "2001:db8:ffff::1"));
        assertFalse(contains("2001:db8::/32", "2001:db9::1"));
        assertTrue(contains("fe80::/10", "febf::1"));
        assertFalse(contains("fe80::/10", "fec0::1"));
        assertTrue(contains("::1", "[::1]"), "Jetty reports IPv6 clients in brackets");
        assertTrue(contains("::1/128", "0:0:0:0:0:0:0:1"));
        assertFalse(contains("::/0", "127.0.0.1"));
    }

    @Test
    void ipv4MappedAddressesAreIpv4InRulesAndClients() {
        assertTrue(contains("::ffff:127.0.0.0/104", "127.0.0.1"));
        assertFalse(contains("::ffff:127.0.0.0/104", "128.0.0.1"));
        assertTrue(contains("127.0.0.0/8", "::ffff:127.0.0.1"));
        assertThrows(IllegalArgumentException.class, () -> IpRange.parse("::ffff:127.0.0.0/95"));
    }

    @Test
    void allMatchesEveryone() {
        for (String address : List.of("127.0.0.1", "::1", "2001:db8::5")) assertTrue(contains("all", address));
    }

    @Test
    void badRulesAreRefusedAndNamesAreNeverLookedUp() {
        for (String bad : List.of("localhost", "example.com", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0/8",
                "300.1.1.1", "1.2.3.4/x", "", "1:2:3")) {
            assertThrows(IllegalArgumentException.class, () -> IpRange.parse(bad), bad);
        }
        assertNull(IpRange.parseAddress("localhost"), "a host name is not an address");
        assertNull(IpRange.parseAddress("deadbeef"));
    }

    @Test
    void parsedAddressesAreTheLiterals() throws Exception {
        assertTrue(IpRange.parseAddress("10.1.2.3").equals(InetAddress.getByAddress(new byte[] {10, 1, 2, 3})));
    }
}
