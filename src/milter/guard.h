/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * guard.h - limits on the milter connections that libmilter does not
 * enforce.
 *
 * libmilter's listener accepts every connection and hands it to a worker,
 * with no limit on their number, no deadline for a session, and a tight
 * retry loop, never logged, when accept() fails for want of descriptors
 * (EMFILE).  This module defines accept() and close() in the executable,
 * so libmilter's calls to them (through the dynamic linker) come here
 * first:
 *   - at most max_connections milter connections are open; one more is
 *     closed at once (the MTA then applies its milter default action,
 *     tempfail) and the incident is logged once;
 *   - accept() failing with EMFILE/ENFILE/ENOMEM is logged once per
 *     incident and retried every 100 ms instead of in a busy loop;
 *   - a connection open longer than max_session_time is shut down (a
 *     client that trickles a frame byte by byte cannot hold a worker
 *     forever; libmilter closes connections idle for milter_timeout).
 * It also defines read(), which libmilter reads every packet with: on a
 * TCP milter connection, a packet that gets no reply (macros, MAIL FROM
 * under SMFIP_NR_MAIL, abort) is ACKed at once (TCP_QUICKACK).  Sendmail
 * writes the macros and their command as two packets, and Nagle's
 * algorithm on its side holds the command until the macros are ACKed; a
 * delayed ACK here cost ~40 ms at connect and at RCPT.  Every other
 * descriptor goes straight through.
 * The daemon also raises its soft limit of open files to the hard limit.
 */
#ifndef QR_GUARD_H
#define QR_GUARD_H

/* Start enforcing; max_sessions_time in seconds (0: no limit).  0, or
 * -1 if the watchdog thread cannot start. */
int guard_start(int max_connections, int max_session_time);
void guard_stop(void);

/* Milter connections open now. */
unsigned guard_connections(void);

/* Raise RLIMIT_NOFILE's soft limit to its hard limit; returns the limit. */
long guard_raise_nofile(void);

#endif
