package io.jrump.xen.xenbus;

/**
 * The states a frontend and its backend step through, each writing its own {@code state}
 * node ({@code enum xenbus_state} in {@code xen/include/public/io/xenbus.h}).
 */
public enum XenbusState {
    UNKNOWN(0),
    INITIALISING(1),
    INIT_WAIT(2),
    INITIALISED(3),
    CONNECTED(4),
    CLOSING(5),
    CLOSED(6),
    RECONFIGURING(7),
    RECONFIGURED(8);

    private final int value;

    XenbusState(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** The number as written in xenstore. */
    public String text() {
        return Integer.toString(value);
    }

    /** Parses a {@code state} node; anything that is not one of the numbers (garbage from a hostile peer) is UNKNOWN. */
    public static XenbusState parse(String s) {
        if (s != null && s.length() == 1 && s.charAt(0) >= '0' && s.charAt(0) <= '8') {
            return values()[s.charAt(0) - '0'];
        }
        return UNKNOWN;
    }
}
