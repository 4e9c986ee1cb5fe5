package io.jrump.platform.host;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.dev.FileBlockDevice;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.dev.Sectors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The devices of one host kernel, as its configuration names them: block devices, and network
 * interfaces on TAPs ({@link TapDevice}), plus TAPs opened by host name ({@code "tap:tap0"}).
 *
 * <p>Checked when the kernel boots, opened when first used: a boot that names a missing image
 * fails at once with a message naming it, yet a kernel that never mounts its disk never opens
 * a file or allocates a memory disk. Checking costs a {@code stat} per file.
 *
 * <p>Ownership: files and memory disks are opened here and closed with the kernel. A
 * {@linkplain DeviceSpec.Kind#PROVIDED provided} device belongs to the caller, who may have
 * given the same device to every kernel booted from one builder, so it is never closed here.
 *
 * <p>Opening a file takes its lock ({@link FileBlockDevice}: one writer or many readers), so
 * the mount that first uses a disk fails with EBUSY naming the image while another kernel or
 * process holds it, unless the kernel option {@value #WAIT_OPTION}{@code =true} makes it wait.
 *
 * <p>TAPs are opened on first use too (the network component opens the configured ones at
 * boot) and always closed with the kernel, before its threads are stopped: their receive
 * threads end only when told through the device.
 */
final class HostDevices {
    /** Kernel option: "true" makes opening an image wait while another opener holds it, instead of EBUSY. */
    static final String WAIT_OPTION = "disk.wait";
    /** The devices of a kernel configured with none; holds nothing that changes. */
    static final HostDevices NONE = new HostDevices(new Slot[0], false, TapOptions.DEFAULT);

    /** How this kernel opens TAPs: the {@value TapDevice#CREATE_OPTION} and {@value TapDevice#OFFLOAD_OPTION} options. */
    record TapOptions(boolean create, boolean offload) {
        static final TapOptions DEFAULT = new TapOptions(true, true);

        static TapOptions of(java.util.Map<String, String> options) throws ErrnoException {
            return new TapOptions(bool(options, TapDevice.CREATE_OPTION, true), bool(options, TapDevice.OFFLOAD_OPTION, true));
        }
    }

    /** One configured device: its spec, its size as checked, and the device once opened. */
    private static final class Slot {
        final DeviceSpec spec;
        final long size;
        /** Guarded by the HostDevices. */
        BlockDevice device;
        /** For a TAP; guarded by the HostDevices. */
        TapDevice tap;

        Slot(DeviceSpec spec, long size) {
            this.spec = spec;
            this.size = size;
        }
    }

    private final Slot[] slots;
    private final boolean wait;
    private final TapOptions tapOptions;
    private boolean closed;

    private HostDevices(Slot[] slots, boolean wait, TapOptions tapOptions) {
        this.slots = slots;
        this.wait = wait;
        this.tapOptions = tapOptions;
    }

    /** The {@value #WAIT_OPTION} option: absent or "false" fails at once, "true" waits. */
    static boolean waitOption(java.util.Map<String, String> options) throws ErrnoException {
        return bool(options, WAIT_OPTION, false);
    }

    private static boolean bool(java.util.Map<String, String> options, String key, boolean dflt) throws ErrnoException {
        String v = options.getOrDefault(key, String.valueOf(dflt));
        if (!v.equals("true") && !v.equals("false")) {
            throw new ErrnoException(Errno.EINVAL, key + ": expected true or false, got '" + v + "'");
        }
        return v.equals("true");
    }

    /**
     * Checks every device of a configuration: names unique, files fit to be disks (see
     * {@link FileBlockDevice#inspect}), memory sizes whole sectors.
     *
     * @throws ErrnoException naming the device and what is wrong with it
     */
    static HostDevices check(List<DeviceSpec> specs, java.util.Map<String, String> options) throws ErrnoException {
        boolean wait = waitOption(options);
        TapOptions tapOptions = TapOptions.of(options);
        if (specs.isEmpty() && tapOptions.equals(TapOptions.DEFAULT)) {
            return NONE;
        }
        Slot[] slots = new Slot[specs.size()];
        for (int i = 0; i < slots.length; i++) {
            DeviceSpec spec = specs.get(i);
            for (int j = 0; j < i; j++) {
                if (slots[j].spec.name().equals(spec.name())) {
                    throw new ErrnoException(Errno.EINVAL, "device " + spec.name() + " is configured twice");
                }
            }
            slots[i] = new Slot(spec, sizeOf(spec));
        }
        return new HostDevices(slots, wait, tapOptions);
    }

    private static long sizeOf(DeviceSpec spec) throws ErrnoException {
        try {
            switch (spec.kind()) {
                case FILE:
                    return FileBlockDevice.inspect(spec.path(), spec.readOnly());
                case MEMORY:
                    Sectors.checkSize("memory disk", spec.size(), Sectors.SIZE);
                    return spec.size();
                case PROVIDED:
                    if (spec.device() == null) {
                        throw new ErrnoException(Errno.EINVAL, "no device given");
                    }
                    return spec.device().size();
                case TAP:
                    TapDevice.checkName(spec.hostInterface());
                    return 0;
                case NET_PROVIDED:
                    if (spec.netDevice() == null) {
                        throw new ErrnoException(Errno.EINVAL, "no network device given");
                    }
                    return 0;
                default:
                    throw new ErrnoException(Errno.ENODEV, "unknown kind of device " + spec.kind());
            }
        } catch (ErrnoException e) {
            throw new ErrnoException(e.errno(), spec.name() + ": " + e.detail());
        }
    }

    /** What {@link io.jrump.api.spi.Platform#devices()} answers. */
    List<DeviceInfo> infos() {
        List<DeviceInfo> infos = new ArrayList<>(slots.length);
        for (Slot s : slots) {
            DeviceInfo.Type type = s.spec.isNet() ? DeviceInfo.Type.NET : DeviceInfo.Type.BLOCK;
            infos.add(new DeviceInfo(s.spec.name(), type, s.size, s.spec.readOnly(), describe(s.spec)));
        }
        return List.copyOf(infos);
    }

    /**
     * The device named {@code name}, opened on first use; the same instance every time.
     *
     * @throws ErrnoException ENXIO for a name not configured or after close; what opening reports
     */
    synchronized BlockDevice open(String name) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, name + ": the kernel's devices are closed");
        }
        for (Slot s : slots) {
            if (s.spec.name().equals(name)) {
                if (s.spec.isNet()) {
                    throw new ErrnoException(Errno.ENXIO, name + " is a network device, not a block device");
                }
                if (s.device == null) {
                    s.device = openDevice(s, wait);
                }
                return s.device;
            }
        }
        throw new ErrnoException(Errno.ENXIO, "no block device '" + name + "'");
    }

    /** How TAPs are opened for this kernel. */
    TapOptions tapOptions() {
        return tapOptions;
    }

    /**
     * The configured network device named {@code name}: its TAP, the same instance until it is
     * closed.
     *
     * @param mac the MAC address a newly opened device gets
     * @param threads makes the device's receive thread
     * @throws ErrnoException ENXIO for a name not configured or after close; what opening reports
     */
    synchronized NetDevice openNet(String name, byte[] mac, BiFunction<String, Runnable, Thread> threads) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, name + ": the kernel's devices are closed");
        }
        for (Slot s : slots) {
            if (s.spec.name().equals(name) && s.spec.kind() == DeviceSpec.Kind.NET_PROVIDED) {
                return s.spec.netDevice();
            }
            if (s.spec.name().equals(name) && s.spec.isNet()) {
                if (s.tap == null || s.tap.isClosed()) {
                    s.tap = TapDevice.open(s.spec.hostInterface(), tapOptions.create(), tapOptions.offload(), mac, threads);
                }
                return s.tap;
            }
        }
        throw new ErrnoException(Errno.ENXIO, "no network device '" + name + "' (configure one, or name a host TAP as "
                + TapDevice.PREFIX + "NAME)");
    }

    /** Closes the TAPs, whose threads end only this way; the first step of closing a kernel. */
    List<Exception> closeNet() {
        List<TapDevice> taps = new ArrayList<>();
        synchronized (this) {
            for (Slot s : slots) {
                if (s.tap != null) {
                    taps.add(s.tap);
                    s.tap = null;
                }
            }
        }
        List<Exception> failures = new ArrayList<>(0);
        for (TapDevice t : taps) {
            try {
                t.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        return failures;
    }

    private static BlockDevice openDevice(Slot s, boolean wait) throws ErrnoException {
        DeviceSpec spec = s.spec;
        switch (spec.kind()) {
            case FILE:
                return FileBlockDevice.open(spec.path(), spec.readOnly(), wait);
            case MEMORY:
                return new MemoryBlockDevice(spec.name(), s.size);
            default:
                return spec.device();
        }
    }

    /** Closes what this kernel opened, not what the caller provided; returns the failures, for the log. */
    synchronized List<Exception> close() {
        List<Exception> failures = new ArrayList<>(0);
        if (closed || this == NONE) {
            return failures; // NONE is shared by every kernel without devices: it must never change
        }
        failures.addAll(closeNet());
        closed = true;
        for (Slot s : slots) {
            if (s.device != null && s.spec.kind() != DeviceSpec.Kind.PROVIDED) {
                try {
                    s.device.close();
                } catch (Exception e) {
                    failures.add(e);
                }
            }
            s.device = null;
        }
        return failures;
    }

    private static String describe(DeviceSpec spec) {
        switch (spec.kind()) {
            case FILE:
                return "file " + spec.path() + (spec.readOnly() ? " (read-only)" : "");
            case MEMORY:
                return "memory";
            case TAP:
                return "tap " + spec.hostInterface();
            case NET_PROVIDED:
                return "provided " + spec.netDevice();
            default:
                return "provided " + spec.device();
        }
    }
}
