package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.kern.Caller;
import io.jrump.kern.SocketCalls;
import io.jrump.kern.SocketFile;

/**
 * {@code socket(2)} for AF_INET: SOCK_DGRAM makes UDP sockets (or ping sockets with
 * IPPROTO_ICMP), SOCK_STREAM asks the stream transport (TCP) when one was found beside the
 * stack and answers EPROTONOSUPPORT when none was.
 */
final class SocketLayer implements SocketCalls {
    private final StackHolder holder;

    SocketLayer(StackHolder holder) {
        this.holder = holder;
    }

    @Override
    public SocketFile socket(Caller caller, int domain, int type, int protocol, int statusFlags) throws ErrnoException {
        if (domain != SocketConstants.AF_INET) {
            throw new ErrnoException(Errno.EAFNOSUPPORT, "only AF_INET");
        }
        InetStack stack = holder.get();
        switch (type) {
            case SocketConstants.SOCK_DGRAM -> {
                if (protocol == 0 || protocol == SocketConstants.IPPROTO_UDP) {
                    return stack.udp.socket(caller.cred(), statusFlags);
                }
                if (protocol == SocketConstants.IPPROTO_ICMP) {
                    return stack.icmp.pingSocket(caller.cred(), statusFlags);
                }
                throw new ErrnoException(Errno.EPROTONOSUPPORT, "datagram protocol " + protocol);
            }
            case SocketConstants.SOCK_STREAM -> {
                Transport t = stack.streamTransport();
                if (t == null || (protocol != 0 && protocol != t.protocol())) {
                    throw new ErrnoException(Errno.EPROTONOSUPPORT, t == null ? "no stream transport (TCP) in this kernel" : "stream protocol " + protocol);
                }
                return t.socket(caller.cred(), statusFlags);
            }
            case SocketConstants.SOCK_RAW -> throw new ErrnoException(Errno.EPROTONOSUPPORT, "raw sockets are not supported");
            default -> throw new ErrnoException(Errno.ESOCKTNOSUPPORT, "socket type " + type);
        }
    }
}
