package io.jrump.virtio.mmio;

/**
 * The register block of one virtio-mmio device: 32-bit registers below 0x100, the
 * device-specific configuration space (byte-addressed) from 0x100. On a machine it is a mapping
 * of the {@code reg} range the device tree names; in tests it is an in-process device model
 * ({@code io.jrump.virtio.model}).
 */
public interface RegisterWindow {
    int read32(int offset);

    void write32(int offset, int value);

    /** A byte of the configuration space (offset from the start of the window). */
    int read8(int offset);

    /**
     * Connects the device's interrupt line to {@code handler}, which runs (on a device or platform
     * thread) each time the device raises it.
     */
    void connectInterrupt(Runnable handler);
}
