package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The work of a select follows the ready channels, not the registered ones: with 10,000 pipes
 * registered and one made readable, a select looks at one key (a {@code poll} set rebuilt at
 * each select looked at all 10,000). The kernel's side, that an epoll wait polls only the
 * files that woke it, is EventPollTest's in rump-kernel.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelectorScalingTest {
    private static final int CHANNELS = 10_000;
    private static final int READY = 100;

    @Test
    void tenThousandRegisteredOneReadyLooksAtOne() throws Exception {
        try (RumpKernel k = Rump.builder().component("net").boot()) {
            KernelSelectorProvider p = (KernelSelectorProvider) KernelChannels.provider(k);
            try (KernelSelector sel = (KernelSelector) p.openSelector()) {
                Pipe[] pipes = new Pipe[CHANNELS];
                for (int i = 0; i < CHANNELS; i++) {
                    pipes[i] = p.openPipe();
                    pipes[i].source().configureBlocking(false);
                    pipes[i].source().register(sel, SelectionKey.OP_READ, i);
                }
                assertEquals(0, sel.selectNow(), "nothing written yet");
                for (int round = 0; round < 10; round++) {
                    assertEquals(0, sel.selectNow());
                    assertEquals(0, sel.examined(), "an idle select looks at no key");
                }

                pipes[6789].sink().write(ByteBuffer.wrap(new byte[] {1}));
                assertEquals(1, sel.select(10_000));
                assertEquals(1, sel.examined(), "one ready channel, one key looked at");
                SelectionKey key = sel.selectedKeys().iterator().next();
                assertSame(pipes[6789].source(), key.channel());
                assertEquals(6789, key.attachment());

                pipes[6789].source().read(ByteBuffer.allocate(4));
                sel.selectedKeys().clear();
                assertEquals(0, sel.selectNow(), "drained: not ready any more");
                assertEquals(0, sel.selectNow());
                assertEquals(0, sel.examined());

                // the cost grows with the ready channels: a hundred ready, a hundred looked at
                for (int i = 0; i < READY; i++) {
                    pipes[i * (CHANNELS / READY) + 7].sink().write(ByteBuffer.wrap(new byte[] {1}));
                }
                assertEquals(READY, sel.selectNow());
                assertEquals(READY, sel.examined(), "as many keys looked at as channels ready");
                for (SelectionKey ready : sel.selectedKeys()) {
                    ((Pipe.SourceChannel) ready.channel()).read(ByteBuffer.allocate(4));
                }
                sel.selectedKeys().clear();
                assertEquals(0, sel.selectNow(), "all drained");
                assertEquals(0, sel.selectNow());
                assertEquals(0, sel.examined(), "and none looked at once they are known idle");
            }
        }
    }
}
