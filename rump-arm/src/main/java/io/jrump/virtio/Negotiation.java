package io.jrump.virtio;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The driver's side of device initialisation, virtio 1.2 section 3.1.1: reset, ACKNOWLEDGE,
 * DRIVER, read the device's features, write the subset understood, FEATURES_OK and check the
 * device kept it, then (after the queues are set up) DRIVER_OK. One place for every driver and
 * transport, so no driver forgets a step.
 */
public final class Negotiation {
    private Negotiation() {
    }

    /**
     * Steps up to FEATURES_OK.
     *
     * @param expectedId the device type the driver drives
     * @param wanted every feature bit the driver understands
     * @param required bits without which the driver cannot work (the device is then marked FAILED)
     * @return the negotiated features
     */
    public static long begin(Transport t, int expectedId, long wanted, long required) throws ErrnoException {
        int id = t.deviceId();
        if (id != expectedId) {
            throw new ErrnoException(Errno.ENODEV, t.describe() + ": device type " + id + ", expected " + expectedId);
        }
        t.reset();
        t.addStatus(Virtio.STATUS_ACKNOWLEDGE);
        t.addStatus(Virtio.STATUS_DRIVER);
        long offered = t.deviceFeatures();
        long features = offered & wanted;
        if ((features & required) != required) {
            t.addStatus(Virtio.STATUS_FAILED);
            throw new ErrnoException(Errno.ENODEV, String.format("%s: device lacks required features 0x%x (offers 0x%x)", t.describe(),
                    required & ~offered, offered));
        }
        t.driverFeatures(features);
        if (Virtio.has(features, Virtio.F_VERSION_1)) {
            t.addStatus(Virtio.STATUS_FEATURES_OK);
            if ((t.status() & Virtio.STATUS_FEATURES_OK) == 0) {
                t.addStatus(Virtio.STATUS_FAILED);
                throw new ErrnoException(Errno.ENODEV, String.format("%s: device refused features 0x%x", t.describe(), features));
            }
        }
        return features;
    }

    /** The last step, after the queues: the device is live. */
    public static void driverOk(Transport t) throws ErrnoException {
        t.addStatus(Virtio.STATUS_DRIVER_OK);
        if ((t.status() & Virtio.STATUS_DEVICE_NEEDS_RESET) != 0) {
            throw new ErrnoException(Errno.EIO, t.describe() + ": device needs reset right after DRIVER_OK");
        }
    }
}
