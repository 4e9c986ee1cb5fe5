/**
 * What the network stack and the platforms' network devices share below both: the Internet
 * checksum, which the stack computes and which devices with checksum offload complete or
 * prepare on the frames they carry.
 */
package io.jrump.dev.net;
