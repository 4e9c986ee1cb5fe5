/**
 * Waiting for a device's completions on the callers' own threads, for the platforms' drivers
 * (Xen's blkfront, virtio-blk): a caller that submitted a request sleeps until that request is
 * answered, and no driver thread stands between the device's signal and the caller. Below the kernel and above no platform: it knows a device only as
 * "take back what is answered" and "sleep until signalled".
 */
package io.jrump.dev.wait;
