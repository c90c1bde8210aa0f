package io.streamlet.auth;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A block of IPv4 or IPv6 addresses in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), a single
 * address ({@code 192.0.2.7}, {@code ::1}), or SRS's {@code all}.
 *
 * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:192.0.2.7}) are IPv4 addresses here, in rules and in client
 * addresses alike, so a dual-stack listener's view of an IPv4 client matches IPv4 rules.
 */
public final class IpRange {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final int MAPPED_IPV4_PREFIX = 96;

    private final String text;
    /** Null for {@code all}. */
    private final byte[] network;
    private final int prefixBits;

    private IpRange(String text, byte[] network, int prefixBits) {
        this.text = text;
        this.network = network;
        this.prefixBits = prefixBits;
    }

    /**
     * Parses {@code address[/prefix]} or {@code all}.
     *
     * @throws IllegalArgumentException with a message saying what is wrong
     */
    public static IpRange parse(String text) {
        String s = text.trim();
        if (s.equalsIgnoreCase("all")) return new IpRange("all", null, 0);
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = parseAddress(addressText);
        if (address == null) throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block");
        int maxBits = address.getAddress().length * 8;
        // "::ffff:10.0.0.0/104" is written in IPv6 bits but parses as the IPv4 address 10.0.0.0.
        int offset = address instanceof Inet4Address && addressText.contains(":") ? MAPPED_IPV4_PREFIX : 0;
        int prefix = maxBits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1)) - offset;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no valid prefix length after '/'");
            }
            if (prefix < 0 || prefix > maxBits) {
                throw new IllegalArgumentException("'" + text + "': prefix length must be between " + offset
                        + " and " + (maxBits + offset));
            }
        }
        return new IpRange(s, mask(address.getAddress(), prefix), prefix);
    }

    /**
     * An IP address literal (IPv4 dotted quad, or IPv6 with optional brackets as some containers report it)
     * without ever asking DNS; null if {@code text} is not one.
     */
    public static InetAddress parseAddress(String text) {
        if (text == null) return null;
        String s = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) return null;
        try {
            return InetAddress.getByName(s); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    public boolean contains(InetAddress address) {
        if (network == null) return true;
        byte[] bytes = address.getAddress();
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefixBits), network);
    }

    private static byte[] mask(byte[] address, int prefixBits) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefixBits - i * 8));
            out[i] &= (byte) (0xFF00 >> bitsHere);
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }
}
