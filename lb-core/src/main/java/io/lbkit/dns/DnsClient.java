package io.lbkit.dns;

import io.lbkit.Ticker;
import io.lbkit.internal.Quote;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stub resolver: sends a recursive query to the configured nameservers, one after the other,
 * and returns the first usable answer. Thread-safe: several threads may query at once (the only
 * state they share is the hold-down table below); each call blocks its thread for at most
 * {@code timeout} per nameserver (twice that when a truncated answer is asked again over TCP).
 *
 * <p>Each query gets a random 16-bit id from a {@link SecureRandom} and a fresh UDP socket bound
 * to port 0, so the operating system picks a random source port; the socket is connected to the
 * nameserver, so datagrams from other addresses are dropped by the kernel. A reply is accepted
 * only when it is a response ({@code QR}), standard query opcode, with the query's id and exactly
 * the question asked (name ignoring ASCII case, type, class); anything else, malformed replies
 * included, is ignored while the timeout runs, so a spoofed or stray datagram cannot end the wait.
 * A truncated reply ({@code TC}) is asked again over TCP (RFC 7766). EDNS(0) advertises a 1232
 * octet UDP payload, the DNS Flag Day 2020 size that avoids IP fragmentation.
 *
 * <p>A nameserver that does not answer (timeout, I/O error such as ICMP port unreachable, a
 * malformed TCP reply) is <em>held down</em> for {@link #HOLD_DOWN}: queries ask the other
 * nameservers first, in their configured order, and the held-down ones last, so one dead
 * nameserver costs one timeout per hold-down period instead of one per query. A server that
 * answers, even SERVFAIL or REFUSED, is not held down: it costs one round trip, not a timeout,
 * and its failure may concern only one name. A usable answer ends a server's hold-down at once.
 */
/*
 * Implementation notes: the only state shared between concurrent queries is `heldUntil`, one
 * slot per nameserver holding the ticker time its hold-down ends (a ConcurrentHashMap: absent
 * means not held). Two queries that fail on the same server at once both write a time near
 * "now + HOLD_DOWN"; either value is right.
 */
final class DnsClient {

    /** 1232 octets: DNS Flag Day 2020's recommended EDNS UDP payload size. */
    static final int UDP_PAYLOAD_SIZE = 1232;
    private static final int MAX_MESSAGE = 65_535;
    private static final SecureRandom IDS = new SecureRandom();

    /**
     * 30 s: how long a failing nameserver is asked after the others. Long enough that a TTL of
     * 1 s does not pay a timeout per refresh, short enough that a recovered primary nameserver
     * is used again within half a minute.
     */
    static final Duration HOLD_DOWN = Duration.ofSeconds(30);

    private final List<InetSocketAddress> nameservers;
    private final long timeoutMillis;
    private final Ticker ticker;
    private final long holdDownNanos;
    private final ConcurrentHashMap<InetSocketAddress, Long> heldUntil = new ConcurrentHashMap<>();

    DnsClient(List<InetSocketAddress> nameservers, Duration timeout) {
        this(nameservers, timeout, Ticker.system());
    }

    /** @param ticker the clock of the hold-down (socket timeouts use the system clock) */
    DnsClient(List<InetSocketAddress> nameservers, Duration timeout, Ticker ticker) {
        this.nameservers = List.copyOf(nameservers);
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.ticker = ticker;
        this.holdDownNanos = HOLD_DOWN.toNanos();
    }

    List<InetSocketAddress> nameservers() {
        return nameservers;
    }

    /**
     * Asks the nameservers until one gives a NOERROR or NXDOMAIN answer: those not held down
     * first, in configured order, then the held-down ones.
     *
     * @param name a validated name or one read from the wire (escaped as by
     *     {@link DnsMessage#readName}), without trailing dot
     * @throws DnsQueryException if no nameserver answered usefully; it names each failure
     */
    DnsMessage query(String name, int type) throws DnsQueryException {
        List<String> failures = new ArrayList<>(nameservers.size());
        List<IOException> causes = new ArrayList<>(nameservers.size());
        for (InetSocketAddress server : order()) {
            try {
                DnsMessage m = exchange(server, name, type);
                int rcode = m.rcode();
                if (rcode == DnsMessage.RCODE_NOERROR || rcode == DnsMessage.RCODE_NXDOMAIN) {
                    heldUntil.remove(server);
                    return m;
                }
                failures.add(format(server) + ": " + rcodeName(rcode));
            } catch (IOException e) {
                failures.add(format(server) + ": " + (e.getMessage() != null ? e.getMessage()
                        : e.getClass().getSimpleName()));
                causes.add(e);
                holdDown(server);
            }
        }
        DnsQueryException e = new DnsQueryException("query " + Quote.quote(name) + " "
                + typeName(type) + " failed: " + String.join("; ", failures));
        causes.forEach(e::addSuppressed);
        throw e;
    }

    /** The nameservers in the order to ask them now: held-down ones last. */
    List<InetSocketAddress> order() {
        if (heldUntil.isEmpty()) {
            return nameservers;
        }
        long now = ticker.read();
        List<InetSocketAddress> order = new ArrayList<>(nameservers.size());
        List<InetSocketAddress> held = new ArrayList<>(nameservers.size());
        for (InetSocketAddress server : nameservers) {
            Long until = heldUntil.get(server);
            if (until != null && until - now > 0) {
                held.add(server);
            } else {
                order.add(server);
            }
        }
        order.addAll(held);
        return order;
    }

    private void holdDown(InetSocketAddress server) {
        if (nameservers.size() > 1) {
            heldUntil.put(server, ticker.read() + holdDownNanos);
        }
    }

    /** One exchange with one nameserver, whatever the rcode of the reply. */
    DnsMessage exchange(InetSocketAddress server, String name, int type)
            throws IOException {
        int id = IDS.nextInt(1 << 16);
        byte[] query = DnsMessage.encodeQuery(id, name, type, UDP_PAYLOAD_SIZE);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        DnsMessage reply = queryUdp(server, query, id, name, type, deadline);
        if (reply.isTruncated()) {
            byte[] tcpQuery = DnsMessage.encodeQuery(id, name, type, 0);
            // a fresh budget: the UDP exchange proved the server is up
            reply = queryTcp(server, tcpQuery, id, name, type,
                    System.nanoTime() + timeoutMillis * 1_000_000L);
        }
        return reply;
    }

    private static DnsMessage queryUdp(InetSocketAddress server, byte[] query, int id,
            String name, int type, long deadline) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.send(new DatagramPacket(query, query.length));
            byte[] buf = new byte[MAX_MESSAGE];
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            String ignored = null;
            while (true) {
                long remaining = (deadline - System.nanoTime()) / 1_000_000L;
                if (remaining <= 0) {
                    throw new SocketTimeoutException("no answer over UDP within the timeout"
                            + (ignored != null ? " (ignored: " + ignored + ")" : ""));
                }
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remaining));
                packet.setLength(buf.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    continue; // the deadline check above reports it
                }
                if (DnsMessage.peekId(buf, packet.getLength()) != id) {
                    ignored = "reply with another id";
                    continue;
                }
                DnsMessage m;
                try {
                    m = DnsMessage.parse(buf, packet.getLength());
                } catch (MalformedDnsMessageException e) {
                    ignored = "malformed reply: " + e.getMessage();
                    continue;
                }
                String mismatch = mismatch(m, name, type);
                if (mismatch != null) {
                    ignored = mismatch;
                    continue;
                }
                return m;
            }
        }
    }

    private static DnsMessage queryTcp(InetSocketAddress server, byte[] query, int id,
            String name, int type, long deadline) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, remainingMillis(deadline));
            OutputStream out = socket.getOutputStream();
            byte[] framed = new byte[query.length + 2];
            framed[0] = (byte) (query.length >>> 8);
            framed[1] = (byte) query.length;
            System.arraycopy(query, 0, framed, 2, query.length);
            out.write(framed);
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] lengthBytes = readFully(socket, in, 2, deadline);
            int length = ((lengthBytes[0] & 0xFF) << 8) | (lengthBytes[1] & 0xFF);
            byte[] buf = readFully(socket, in, length, deadline);
            DnsMessage m = DnsMessage.parse(buf, length);
            if (m.id() != id) {
                throw new IOException("TCP reply with id " + m.id() + ", expected " + id);
            }
            String mismatch = mismatch(m, name, type);
            if (mismatch != null) {
                throw new IOException("TCP " + mismatch);
            }
            return m;
        }
    }

    private static byte[] readFully(Socket socket, InputStream in, int n, long deadline)
            throws IOException {
        byte[] buf = new byte[n];
        int off = 0;
        while (off < n) {
            socket.setSoTimeout(remainingMillis(deadline));
            int r = in.read(buf, off, n - off);
            if (r < 0) {
                throw new EOFException("TCP connection closed after " + off + " of " + n
                        + " octets");
            }
            off += r;
        }
        return buf;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = (deadline - System.nanoTime()) / 1_000_000L;
        if (remaining <= 0) {
            throw new SocketTimeoutException("no answer over TCP within the timeout");
        }
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    /** {@code 10.0.0.53:53} or {@code [2001:db8::53]:53}. */
    static String format(InetSocketAddress server) {
        String ip = server.getAddress().getHostAddress();
        return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + server.getPort();
    }

    /** Why a parsed reply does not answer our question, or null when it does. */
    static String mismatch(DnsMessage m, String name, int type) {
        if (!m.isResponse()) {
            return "message that is not a response";
        }
        if (m.opcode() != 0) {
            return "reply with opcode " + m.opcode();
        }
        if (m.questions().size() != 1) {
            return "reply with " + m.questions().size() + " questions";
        }
        DnsMessage.Question q = m.questions().get(0);
        if (q.type() != type || q.dnsClass() != DnsMessage.CLASS_IN
                || !WireNames.sameName(q.name(), name)) {
            return "reply to another question (" + q.name() + " " + typeName(q.type()) + ")";
        }
        return null;
    }

    static String typeName(int type) {
        switch (type) {
            case DnsMessage.TYPE_A:
                return "A";
            case DnsMessage.TYPE_AAAA:
                return "AAAA";
            case DnsMessage.TYPE_SRV:
                return "SRV";
            case DnsMessage.TYPE_CNAME:
                return "CNAME";
            default:
                return "TYPE" + type;
        }
    }

    static String rcodeName(int rcode) {
        switch (rcode) {
            case 1:
                return "FORMERR";
            case 2:
                return "SERVFAIL";
            case 3:
                return "NXDOMAIN";
            case 4:
                return "NOTIMP";
            case 5:
                return "REFUSED";
            default:
                return "RCODE" + rcode;
        }
    }
}
