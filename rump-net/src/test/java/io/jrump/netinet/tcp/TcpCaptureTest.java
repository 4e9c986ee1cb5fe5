package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Syscalls;
import io.jrump.net.dev.LinkEmulator;
import io.jrump.net.dev.PcapWriter;
import io.jrump.netinet.PeerTools;
import io.jrump.testing.Peers;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole TCP exchange between two kernels on a simulated bus, captured at both ports with
 * {@link PcapWriter}: handshake, data both ways over a lossy link (so SACK blocks and
 * retransmissions appear), a half-close, then close. Real tools read the captures, and the
 * same seed gives the same bytes.
 */
class TcpCaptureTest {
    /** Enough loss and reordering for SACK and retransmissions, little enough to stay quick. */
    static final LinkEmulator.Impairments LINK = LinkEmulator.Impairments.none()
            .withLoss(0.03).withDuplicate(0.01).withReorder(0.03, 2_000_000).withDelay(2_000_000);

    static final int PORT = 8080;
    /**
     * The payload is random bytes: left to itself tshark decodes port 8080 as HTTP and reports
     * "Malformed Packet (Exception occurred)" from the HTTP dissector. Decoding the port as raw
     * data keeps the check on what the stack wrote (Ethernet, IPv4, TCP and its options).
     */
    static final String DECODE_AS = "-d";
    static final String DATA = "tcp.port==" + PORT + ",data";

    /** A to B 512 KiB then A half-closes; B keeps sending (2 MiB in all) after A's FIN, then both close. Returns the two captures. */
    static List<byte[]> exchange(long seed) throws Exception {
        ByteArrayOutputStream[] caps = {new ByteArrayOutputStream(), new ByteArrayOutputStream()};
        PcapWriter[] writers = new PcapWriter[2];
        try (SimKernels k = new SimKernels(seed, 2,
                (i, port) -> writers[i] = new PcapWriter(new LinkEmulator(port, seed * 17 + i, LINK), caps[i]))) {
            Syscalls sa = k.sys(0);
            Syscalls sb = k.sys(1);
            int l = k.listen(1, PORT, 4);
            int[] fds = k.connect(0, 1, l, PORT, 1_000_000);
            SimKernels.Flow ab = new SimKernels.Flow(sa, fds[0], sb, fds[1], new SimKernels.Source(seed, 512 << 10, 16 << 10));
            SimKernels.Flow ba = new SimKernels.Flow(sb, fds[1], sa, fds[0], new SimKernels.Source(~seed, 2 << 20, 16 << 10));
            k.run(50_000_000, ab, ba);
            assertArrayEquals(ab.source.sha256Sent(), ab.sha256Received(), "A to B byte-exact");
            assertArrayEquals(ba.source.sha256Sent(), ba.sha256Received(), "B to A byte-exact, sent after A's half-close");
            sa.close(fds[0]);
            sb.close(fds[1]);
            sb.close(l);
            // the last ACKs, FIN retransmissions if one was lost, and TIME_WAIT (60 s) run out in virtual time
            k.sim.runFor(130 * SimKernels.SECOND);
            for (PcapWriter w : writers) {
                w.flush();
            }
        }
        for (PcapWriter w : writers) {
            assertEquals(null, w.error(), "capture written");
        }
        return List.of(caps[0].toByteArray(), caps[1].toByteArray());
    }

    @Test
    void sameSeedGivesIdenticalCapturesAndAnotherSeedDoesNot() throws Exception {
        List<byte[]> first = exchange(21);
        List<byte[]> second = exchange(21);
        List<byte[]> other = exchange(22);
        assertTrue(first.get(0).length > 1_000_000 && first.get(1).length > 1_000_000, "the whole exchange was captured");
        assertArrayEquals(first.get(0), second.get(0), "capture at A, same seed");
        assertArrayEquals(first.get(1), second.get(1), "capture at B, same seed");
        assertFalse(java.util.Arrays.equals(first.get(0), other.get(0)), "capture at A, another seed");
        assertFalse(java.util.Arrays.equals(first.get(1), other.get(1)), "capture at B, another seed");
    }

    /**
     * What can be checked while the bug above stands: with sequence numbers made relative to the
     * ISN by tshark, and checksums (which cover the ISN) left out, two same-seed runs capture the
     * same frames at the same virtual times, and another seed does not.
     */
    @Test
    void sameSeedGivesTheSameExchangeApartFromInitialSequenceNumbers(@TempDir Path dir) throws Exception {
        Peers.require("tshark", "tshark");
        List<String> first = fields(dir, "first", exchange(21));
        List<String> second = fields(dir, "second", exchange(21));
        List<String> other = fields(dir, "other", exchange(22));
        assertTrue(first.get(0).lines().count() > 1000, "the whole exchange was captured");
        assertEquals(first.get(0), second.get(0), "capture at A, same seed, ISN aside");
        assertEquals(first.get(1), second.get(1), "capture at B, same seed, ISN aside");
        assertFalse(first.get(0).equals(other.get(0)), "capture at A, another seed");
    }

    private static List<String> fields(Path dir, String name, List<byte[]> caps) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < caps.size(); i++) {
            Path f = dir.resolve(name + i + ".pcap");
            Files.write(f, caps.get(i));
            List<String> cmd = new ArrayList<>(List.of("tshark", "-r", f.toString(), DECODE_AS, DATA, "-o", "tcp.relative_sequence_numbers:TRUE",
                    "-T", "fields"));
            for (String field : new String[] {"frame.time_relative", "frame.len", "eth.src", "eth.dst", "arp.opcode", "ip.src", "ip.dst",
                    "ip.id", "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.ack", "tcp.flags", "tcp.len", "tcp.window_size_value",
                    "tcp.options.timestamp.tsval", "tcp.options.timestamp.tsecr", "tcp.options.sack_le", "tcp.options.sack_re", "data.data"}) {
                cmd.add("-e");
                cmd.add(field);
            }
            out.add(PeerTools.run(120, cmd.toArray(String[]::new)));
        }
        return out;
    }

    @Test
    void lossyExchangeIsReadCleanlyByTcpdumpAndTshark(@TempDir Path dir) throws Exception {
        List<byte[]> caps = exchange(7);
        Path[] files = {dir.resolve("a.pcap"), dir.resolve("b.pcap")};
        for (int i = 0; i < 2; i++) {
            Files.write(files[i], caps.get(i));
        }
        Peers.require("tcpdump", "tcpdump");
        Peers.require("tshark", "tshark");
        for (Path f : files) {
            String dump = PeerTools.run(120, "tcpdump", "-n", "-vv", "-r", f.toString());
            String lower = dump.toLowerCase(Locale.ROOT);
            assertTrue(dump.contains("Flags [S]"), "SYN");
            assertTrue(dump.contains("Flags [S.]"), "SYN-ACK");
            assertTrue(java.util.regex.Pattern.compile("Flags \\[F[A-Z]*\\.\\]").matcher(dump).find(), "FIN");
            assertTrue(dump.contains("sackOK"), "SACK permitted in the handshake");
            assertTrue(dump.contains("sack "), "SACK blocks");
            assertFalse(lower.contains("bad cksum") || lower.contains("bad tcp cksum") || lower.contains("incorrect"), f + ": a bad checksum");
            assertFalse(lower.contains("truncated") || lower.contains("[|tcp]") || lower.contains("[|ip]"), f + ": a truncated packet");

            String expert = PeerTools.run(120, "tshark", "-r", f.toString(), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                    DECODE_AS, DATA, "-z", "expert", "-q");
            System.out.println("tshark expert info for " + f.getFileName() + ":\n" + expert);
            List<String> bad = badExpertEntries(expert);
            assertTrue(bad.isEmpty(), f + ": tshark reports " + bad + "\n" + expert);
            assertTrue(expert.contains("retransmission") || expert.contains("Retransmission"), "retransmissions were seen:\n" + expert);

            String check = PeerTools.run(120, "tshark", "-r", f.toString(), "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
                    DECODE_AS, DATA, "-Y", "_ws.malformed || tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.expert.severity >= error");
            assertEquals("", check.strip(), f + ": malformed packets or bad checksums");
            String sacks = PeerTools.run(120, "tshark", "-r", f.toString(), "-Y", "tcp.options.sack_le", "-T", "fields", "-e", "frame.number");
            String fins = PeerTools.run(120, "tshark", "-r", f.toString(), "-Y", "tcp.flags.fin == 1", "-T", "fields", "-e", "ip.src");
            System.out.println(f.getFileName() + ": " + sacks.lines().count() + " segments with SACK blocks, FINs from " + fins.lines().distinct().toList());
            assertTrue(sacks.lines().count() > 0, "SACK blocks in " + f);
            assertEquals(List.of("10.0.0.1", "10.0.0.2"), fins.lines().distinct().sorted().toList(), "a FIN each way (half-close, then close)");
        }
    }

    /**
     * The entries of tshark's expert summary that are errors or warnings about malformed packets
     * or checksums. Sections are "Errors (n)", "Warns (n)", "Notes (n)", "Chats (n)"; each entry is
     * "frequency group protocol summary". Notes about retransmissions and duplicate ACKs are fine.
     */
    static List<String> badExpertEntries(String expert) {
        List<String> bad = new ArrayList<>();
        String section = "";
        for (String line : expert.lines().toList()) {
            String t = line.strip();
            if (t.matches("(Errors|Warns|Notes|Chats|Comments) \\(\\d+\\)")) {
                section = t.substring(0, t.indexOf(' '));
                continue;
            }
            if (t.isEmpty() || t.startsWith("=") || t.startsWith("Frequency")) {
                continue;
            }
            String lower = t.toLowerCase(Locale.ROOT);
            boolean aboutShape = lower.contains("malformed") || lower.contains("checksum") || lower.contains("bad ");
            if (section.equals("Errors") || (section.equals("Warns") && aboutShape) || lower.contains("malformed")) {
                bad.add(section + ": " + t);
            }
        }
        return bad;
    }
}
