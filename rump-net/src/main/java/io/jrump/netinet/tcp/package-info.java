/**
 * TCP (RFC 9293, with window scaling and timestamps, SACK, RTO after RFC 6298): a connection
 * split by job, its control block ({@code Tcb}), input ({@code TcpInput}), output
 * ({@code TcpSender}, {@code SegmentBuilder}), loss recovery and congestion control
 * ({@code LossRecovery}, {@code NewReno}, {@code Cubic}), timers ({@code TcpTimers}) and the
 * socket side ({@code TcpSocket}); the send and receive buffers; and the transport that finds
 * a segment's connection.
 */
package io.jrump.netinet.tcp;
