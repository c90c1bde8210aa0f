package io.streamlet.auth;

import java.net.InetAddress;
import java.util.List;

/**
 * Allow and deny lists for one action (publish or play), in SRS's {@code security} order: a client that
 * matches a deny rule is denied; otherwise, when there are allow rules, it must match one of them; with
 * no allow rules everyone not denied is allowed (both lists empty: open).
 */
public record IpRules(List<IpRange> allow, List<IpRange> deny) {
    public static final IpRules OPEN = new IpRules(List.of(), List.of());

    public IpRules {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    public boolean isOpen() {
        return allow.isEmpty() && deny.isEmpty();
    }

    /** Null if {@code clientIp} may proceed, else why not. An address that cannot be parsed is denied unless open. */
    public String check(String clientIp) {
        if (isOpen()) return null;
        InetAddress address = IpRange.parseAddress(clientIp);
        if (address == null) return "client address '" + clientIp + "' is not an IP address";
        for (IpRange range : deny) {
            if (range.contains(address)) return "address " + clientIp + " is denied by " + range;
        }
        if (allow.isEmpty()) return null;
        for (IpRange range : allow) {
            if (range.contains(address)) return null;
        }
        return "address " + clientIp + " matches no allow rule";
    }
}
