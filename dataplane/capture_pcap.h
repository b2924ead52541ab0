/* capture_pcap: libpcap capture source - capture files (pcap, pcapng) and
 * live interfaces. Packets are handed to a callback straight from
 * libpcap's buffer (no copy); they are valid only during the call. */
#ifndef VIGIA_CAPTURE_PCAP_H
#define VIGIA_CAPTURE_PCAP_H

#include <stddef.h>
#include <stdint.h>

#include "worker.h"

struct cap_pcap;

/* Open a capture file. NULL on error, with "PATH: reason" in err. An
 * unsupported link type is an error here too. */
struct cap_pcap *cap_pcap_open_file(const char *path, char *err, size_t errlen);
/* Open a live interface (promiscuous, snaplen 65535, 100 ms read timeout). */
struct cap_pcap *cap_pcap_open_live(const char *iface, char *err, size_t errlen);
void cap_pcap_close(struct cap_pcap *c);

typedef void (*cap_pcap_fn)(void *ctx, const struct pkt *p);

/* Deliver up to `max` packets. Returns the number delivered; 0 at end of
 * file (files) or on a read timeout (live); -1 on a read error (message in
 * cap_pcap_error()); -2 when cap_pcap_break() stopped it. */
int cap_pcap_dispatch(struct cap_pcap *c, int max, cap_pcap_fn fn, void *ctx);
/* Async-signal-safe: make the current/next dispatch return -2. */
void cap_pcap_break(struct cap_pcap *c);
const char *cap_pcap_error(struct cap_pcap *c);

/* Bytes of the file consumed so far and its size (0 for live). */
uint64_t cap_pcap_file_pos(struct cap_pcap *c);
uint64_t cap_pcap_file_size(const struct cap_pcap *c);
/* Kernel/libpcap drop counters for live capture (0 for files). */
int cap_pcap_live_stats(struct cap_pcap *c, uint64_t *recv, uint64_t *drop);

/* libpcap's version string. */
const char *cap_pcap_lib_version(void);

#endif
