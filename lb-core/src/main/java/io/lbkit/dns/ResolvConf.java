package io.lbkit.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the nameservers of {@code /etc/resolv.conf}. Stateless.
 *
 * <p>Only {@code nameserver} lines are used, at most three as in glibc; {@code search},
 * {@code domain} and {@code options ndots} are ignored, because lbkit queries every name as
 * fully qualified. With no usable line, the default is 127.0.0.1:53, as in glibc.
 */
final class ResolvConf {

    static final Path DEFAULT_PATH = Path.of("/etc/resolv.conf");
    /** glibc's MAXNS. */
    static final int MAX_NAMESERVERS = 3;

    private static final System.Logger LOG = System.getLogger(ResolvConf.class.getName());

    private ResolvConf() {}

    /** The nameservers of the given file, or 127.0.0.1:53 when it has none or cannot be read. */
    static List<InetSocketAddress> nameservers(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (NoSuchFileException e) {
            LOG.log(System.Logger.Level.WARNING, path + " does not exist; using 127.0.0.1:53");
            return List.of(localhost());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read " + path + "; using 127.0.0.1:53",
                    e);
            return List.of(localhost());
        }
        List<InetSocketAddress> servers = parse(lines);
        return servers.isEmpty() ? List.of(localhost()) : servers;
    }

    /** The nameserver lines of resolv.conf content; IP literals only, at most three. */
    static List<InetSocketAddress> parse(List<String> lines) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.strip().split("\\s+");
            if (f.length < 2 || !f[0].equals("nameserver") || servers.size() == MAX_NAMESERVERS) {
                continue;
            }
            String ip = f[1];
            int scope = ip.indexOf('%'); // link-local zone ids: keep them, the JDK parses them
            if (!looksLikeIp(scope < 0 ? ip : ip.substring(0, scope))) {
                continue;
            }
            try {
                servers.add(new InetSocketAddress(InetAddress.getByName(ip), 53));
            } catch (UnknownHostException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring resolv.conf line: " + line);
            }
        }
        return List.copyOf(servers);
    }

    /** True for IPv4 dotted quads and anything with a ':' (IPv6); never triggers a lookup. */
    private static boolean looksLikeIp(String s) {
        return s.matches("[0-9a-fA-F:.]+") && s.indexOf(':') >= 0
                || s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    }

    private static InetSocketAddress localhost() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);
    }
}
