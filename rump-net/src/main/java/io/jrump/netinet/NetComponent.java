package io.jrump.netinet;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.KernelComponent;
import io.jrump.kern.SocketCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The network faction ("net", rump's librumpnet): per kernel it registers the socket layer
 * ({@link SocketCalls}), the configuration calls ({@link NetConfig}) and the stack's closer.
 * The stack itself is made on first use. Transports that live beside the IP layer (TCP) are
 * {@link TransportFactory} services, looked up once per linked kernel image (this object is
 * shared by every kernel booted from one configuration) and only when a stack is first made.
 *
 * <p>Network devices named in the configuration (a TAP, {@code RumpBuilder.tap("eth0", "tap0")})
 * become interfaces of the same names at boot, so a boot that names a TAP it cannot open
 * fails at once, naming it; only such kernels make their stack at boot.
 */
public final class NetComponent implements KernelComponent {
    private volatile List<TransportFactory> factories;

    @Override
    public String name() {
        return "net";
    }

    @Override
    public void attach(ComponentContext context) throws ErrnoException {
        StackHolder holder = new StackHolder(context, this::factories);
        context.register(StackHolder.class, holder);
        context.register(SocketCalls.class, new SocketLayer(holder));
        InetConfig config = new InetConfig(holder);
        context.register(NetConfig.class, config);
        for (DeviceInfo d : context.platform().devices()) {
            if (d.type() == DeviceInfo.Type.NET) {
                NetDevice device = context.platform().netDevice(d.name());
                try {
                    config.ifcreate(d.name(), device);
                } catch (ErrnoException e) {
                    device.close();
                    throw e;
                }
            }
        }
    }

    private List<TransportFactory> factories() {
        List<TransportFactory> f = factories;
        if (f == null) {
            List<TransportFactory> found = new ArrayList<>();
            ServiceLoader.load(TransportFactory.class, NetComponent.class.getClassLoader()).forEach(found::add);
            f = List.copyOf(found);
            factories = f;
        }
        return f;
    }
}
