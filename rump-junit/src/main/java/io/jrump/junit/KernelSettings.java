package io.jrump.junit;

import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * A {@link RumpTest} annotation, checked and parsed. Records compare by value, so equal
 * settings share one {@link RumpBuilder} (linked once) across all the tests of a run.
 */
record KernelSettings(
        String platform,
        List<String> components,
        Map<String, String> options,
        Map<String, Long> memoryDisks,
        KernelLifecycle lifecycle) {

    /** What {@code @ExtendWith(RumpExtension.class)} without {@code @RumpTest} means. */
    static final KernelSettings DEFAULTS = new KernelSettings("", List.of(), Map.of(), Map.of(), KernelLifecycle.PER_METHOD);

    /**
     * @param where the annotated class or method, named in error messages
     * @throws ExtensionConfigurationException when an option or disk is malformed
     */
    static KernelSettings of(RumpTest annotation, Object where) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : annotation.options()) {
            String[] kv = keyValue(option, "option", where);
            if (options.put(kv[0], kv[1]) != null) {
                throw misconfigured(where, "option " + kv[0] + " is given twice");
            }
        }
        Map<String, Long> disks = new LinkedHashMap<>();
        for (String disk : annotation.memoryDisks()) {
            String[] kv = keyValue(disk, "memory disk", where);
            if (disks.put(kv[0], parseSize(kv[1], where)) != null) {
                throw misconfigured(where, "memory disk " + kv[0] + " is given twice");
            }
        }
        for (String component : annotation.components()) {
            if (component.isBlank()) {
                throw misconfigured(where, "empty component name");
            }
        }
        return new KernelSettings(
                annotation.platform(),
                List.of(annotation.components()),
                Collections.unmodifiableMap(options),
                Collections.unmodifiableMap(disks),
                annotation.lifecycle());
    }

    /** A builder for kernels with these settings. */
    RumpBuilder newBuilder() {
        RumpBuilder builder = Rump.builder();
        if (!platform.isEmpty()) {
            builder.platform(platform);
        }
        if (!components.isEmpty()) {
            builder.component(components.toArray(String[]::new));
        }
        options.forEach(builder::option);
        memoryDisks.forEach(builder::memoryDisk);
        return builder;
    }

    private static String[] keyValue(String text, String what, Object where) {
        int eq = text.indexOf('=');
        if (eq <= 0 || eq == text.length() - 1) {
            throw misconfigured(where, what + " '" + text + "' is not name=value");
        }
        return new String[] {text.substring(0, eq).trim(), text.substring(eq + 1).trim()};
    }

    /** Bytes, or a number with a k, m or g suffix (powers of 1024). */
    static long parseSize(String text, Object where) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> shift = 10;
                case 'm' -> shift = 20;
                case 'g' -> shift = 30;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
                throw misconfigured(where, "size '" + text + "' is out of range");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw misconfigured(where, "size '" + text + "' is not a number of bytes (with an optional k, m or g)");
        }
    }

    private static ExtensionConfigurationException misconfigured(Object where, String problem) {
        return new ExtensionConfigurationException("@RumpTest on " + where + ": " + problem);
    }
}
