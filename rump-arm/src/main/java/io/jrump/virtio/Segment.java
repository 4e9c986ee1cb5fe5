package io.jrump.virtio;

/**
 * One buffer of a descriptor chain: {@code len} bytes at guest-physical {@code gpa}, which the
 * device reads ({@code deviceWrites == false}) or writes.
 */
public record Segment(long gpa, int len, boolean deviceWrites) {
    public static Segment out(long gpa, int len) {
        return new Segment(gpa, len, false);
    }

    public static Segment in(long gpa, int len) {
        return new Segment(gpa, len, true);
    }
}
