package io.jrump.api.spi;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;

/**
 * A platform module's offer to open a disk that is not a host file, named the way a command
 * line or a URI names an image: {@code SCHEME:ADDRESS}, such as
 * {@code vhost-user-blk:/run/disk.sock} for a virtio-blk device behind a vhost-user socket.
 *
 * <p>Found with {@link java.util.ServiceLoader} through {@link io.jrump.api.BlockDevices},
 * which every place that accepts an image name asks (the {@code rump} command's image
 * arguments, the {@code java.nio.file} provider): a module that adds a kind of disk provides
 * this service and every one of them takes it, while the file systems and the command line
 * never import a platform module.
 *
 * <p>The device is opened outside any kernel, for a program that hands it to one itself (as
 * {@code RumpBuilder.device(name, BlockDevice)} takes it); the caller owns and closes it.
 */
public interface BlockDeviceProvider {
    /** The scheme this provider opens, without the ':': {@code "vhost-user-blk"}. Lower case letters, digits and '-'. */
    String scheme();

    /**
     * Opens the device at {@code address}, the text after {@code SCHEME:}.
     *
     * @throws ErrnoException naming the address: what connecting to or negotiating with the device found
     */
    BlockDevice open(String address) throws ErrnoException;
}
