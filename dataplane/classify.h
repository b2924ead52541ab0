/* classify: per-worker nDPI (Debian's 4.2) application classification.
 *
 * A flow gets a classifier slot (preallocated nDPI flow state) on its first
 * packet and keeps it only until nDPI has an answer and no more metadata to
 * extract, or gives up after a bounded number of packets (as ndpiReader:
 * 80 TCP / 24 UDP); then the slot is freed and the result copied out.
 */
#ifndef VIGIA_CLASSIFY_H
#define VIGIA_CLASSIFY_H

#include <stdint.h>

#include "../telemetry/event.h"

/* What classification learnt about a flow, compactly: kept for the
 * flow's whole life, so names are ids here and strings are bounded.
 * classifier_describe() turns it into the event's struct ev_app. */
struct cls_result {
	uint16_t master_id, app_id, category_id;
	uint8_t confidence;        /* ndpi_confidence_t */
	uint8_t guessed;
	uint8_t host_kind;         /* enum ev_host_kind */
	uint8_t has_dns, dns_rcode;
	uint8_t http_method;       /* ndpi_http_method */
	uint8_t has_ja3c, has_ja3s;
	uint16_t dns_qtype, http_status, tls_version;
	uint64_t risk;
	char host[80];
	char user_agent[64];
	char url[64];
	uint8_t ja3c[16], ja3s[16];  /* MD5 digests, binary */
};

/* The list files ndpiReader loads with -p -c -r -j -S. NULL = none. */
struct classify_cfg {
	const char *protos_file;
	const char *categories_file;
	const char *risky_domains_file;
	const char *ja3_file;
	const char *sha1_file;
	uint32_t max_slots;        /* flows classified at once */
	uint16_t max_tcp_pkts;     /* give up after this many packets */
	uint16_t max_udp_pkts;
};

void classify_default_cfg(struct classify_cfg *cfg);

struct classifier;

/* Build one nDPI module and its slot pool. Returns NULL with errno set;
 * a list file that cannot be loaded is EINVAL, with the file named in err. */
struct classifier *classifier_create(const struct classify_cfg *cfg,
				     char *err, unsigned errlen);
void classifier_destroy(struct classifier *c);

#define CLASSIFY_NO_SLOT UINT32_MAX

/* A fresh slot, or CLASSIFY_NO_SLOT when all are in use (counted). */
uint32_t classifier_begin(struct classifier *c);

/* Feed one packet (l3 = IP header, inner one for tunnels). `flow_pkts` is
 * the flow's packet count including this one. Returns 1 when the slot is
 * finished: *out is filled and the slot freed; 0 when more packets help. */
int classifier_packet(struct classifier *c, uint32_t slot, const uint8_t *l3,
		      uint32_t l3_len, uint64_t ts_us, uint8_t l4proto,
		      uint64_t flow_pkts, struct cls_result *out);

/* Flow ends while still classifying: give up (with guessing, as
 * ndpiReader), fill *out and free the slot. */
void classifier_finish(struct classifier *c, uint32_t slot,
		       struct cls_result *out);

/* Expand a result into the event's form (protocol, category and
 * confidence names; the label ndpiReader prints). */
void classifier_describe(struct classifier *c, const struct cls_result *r,
			 struct ev_app *out);

/* Names for the telemetry encoder. */
const char *classify_risk_name(unsigned bit);

struct classify_stats {
	uint64_t slots_exhausted;  /* flows not classified: pool empty */
	uint64_t detected, guessed, unknown;
	uint64_t dpi_pkts;         /* packets handed to nDPI */
	uint32_t slots_in_use;
};
void classifier_get_stats(const struct classifier *c, struct classify_stats *s);

/* nDPI protocol / category id of a name ("MQTT", "IoT-Scada"), -1 if nDPI
 * does not know it: what policy files are validated against. */
int classifier_app_id(struct classifier *c, const char *name);
int classifier_category_id(struct classifier *c, const char *name);

/* nDPI's version string. */
const char *classify_lib_version(void);

/* Protocol name for an nDPI id (for summaries). */
const char *classifier_proto_name(struct classifier *c, uint16_t id);

#endif
