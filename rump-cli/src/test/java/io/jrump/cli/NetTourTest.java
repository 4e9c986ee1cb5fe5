package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The demo's network part runs through and prints what it checked: configuration, ping, the transfer and its digest. */
class NetTourTest {
    @Test
    void pingsAndTransfersAcrossTheBus() throws Exception {
        StringWriter text = new StringWriter();
        NetTour.run(new Transcript(new PrintWriter(text)));
        String out = text.toString();
        for (String expected : new String[] {
            "[kernel a] netconfig_ifcreate(\"eth0\", bus port 02:00:00:00:00:01) = 0",
            "[kernel b] netconfig_ipv4_ifaddr_cidr(\"eth0\", \"10.0.0.2/24\") = 0",
            "ping(\"10.0.0.2\", count 3) = 3 replies",
            "icmp_seq=3 time=",
            "listen(0, 16) = 0",
            "connect(0, 10.0.0.2:5001) = 0",
            "(from 10.0.0.1:",
            "= 0 (end of stream after " + NetTour.TRANSFER_MIB + ".0 MiB)",
            "equal at both ends",
            "Mbit/s"}) {
            assertTrue(out.contains(expected), () -> "missing '" + expected + "' in:\n" + out);
        }
    }
}
