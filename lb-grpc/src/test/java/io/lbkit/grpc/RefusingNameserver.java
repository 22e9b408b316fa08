package io.lbkit.grpc;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A nameserver on 127.0.0.1 (UDP, a port the OS picks) that answers every A query with one
 * address (TTL 1 s) and refuses every AAAA query ({@code REFUSED}), as some resolvers do that
 * were set up for IPv4 only. Counts the queries of each type. Its thread stops with
 * {@link #close}.
 */
final class RefusingNameserver implements AutoCloseable {

    private static final int TYPE_A = 1;
    private static final int TYPE_AAAA = 28;
    private static final int RCODE_REFUSED = 5;

    private final DatagramSocket socket;
    private final byte[] address;
    private final Thread thread;
    final AtomicInteger aQueries = new AtomicInteger();
    final AtomicInteger aaaaQueries = new AtomicInteger();

    /** @param address the IPv4 address every A query is answered with */
    RefusingNameserver(InetAddress address) throws SocketException {
        this.address = address.getAddress();
        this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        this.thread = new Thread(this::serve, "refusing-nameserver");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    private void serve() {
        byte[] buf = new byte[512];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                byte[] answer = answer(Arrays.copyOf(p.getData(), p.getLength()));
                if (answer != null) {
                    socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** The response to one query, or null for a message that is not a one-question query. */
    private byte[] answer(byte[] q) {
        if (q.length < 12 || (q[4] << 8 | q[5] & 0xFF) != 1) {
            return null;
        }
        int end = 12;
        while (end < q.length && q[end] != 0) {
            end += (q[end] & 0xFF) + 1; // labels only: queries are not compressed
        }
        end += 5; // the root label, QTYPE, QCLASS
        if (end > q.length) {
            return null;
        }
        int type = (q[end - 4] & 0xFF) << 8 | q[end - 3] & 0xFF;
        boolean isA = type == TYPE_A;
        (isA ? aQueries : type == TYPE_AAAA ? aaaaQueries : new AtomicInteger()).incrementAndGet();
        byte[] header = Arrays.copyOf(q, end);
        header[2] = (byte) (0x80 | (q[2] & 0x01)); // QR, RD copied
        header[3] = (byte) (0x80 | (isA ? 0 : RCODE_REFUSED)); // RA, RCODE
        header[6] = 0;
        header[7] = (byte) (isA ? 1 : 0); // ANCOUNT
        Arrays.fill(header, 8, 12, (byte) 0); // NSCOUNT, ARCOUNT
        if (!isA) {
            return header;
        }
        byte[] r = Arrays.copyOf(header, end + 16);
        int i = end;
        r[i++] = (byte) 0xC0; // a pointer to the question's name
        r[i++] = 12;
        r[i++] = 0;
        r[i++] = TYPE_A;
        r[i++] = 0;
        r[i++] = 1; // IN
        r[i++] = 0;
        r[i++] = 0;
        r[i++] = 0;
        r[i++] = 1; // TTL 1 s
        r[i++] = 0;
        r[i++] = 4;
        System.arraycopy(address, 0, r, i, 4);
        return r;
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5_000);
    }
}
