/* policy: the city's network as a YAML file - segments (CIDRs, VLANs, 5G
 * DNN/TEID ranges), what each allows, thresholds, severities, threat
 * intelligence, core networks - loaded and validated in one go.
 *
 * A loaded policy is immutable: workers read it without locks, and a
 * reload builds a whole new one and swaps it (policy_ref, RCU with DPDK's
 * rte_rcu_qsbr), so a bad file never half-applies.
 */
#ifndef VIGIA_POLICY_H
#define VIGIA_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Application/category name -> id, supplied by the classifier so that this
 * module needs no nDPI; -1 for an unknown name. */
struct policy_names {
	int (*app_id)(void *ctx, const char *name);
	int (*category_id)(void *ctx, const char *name);
	/* is this a threshold some detector reads? NULL: any key */
	int (*threshold_known)(const char *key);
	void *ctx;
};

struct policy;

/* Load and validate. NULL with "FILE:LINE:COLUMN: reason" in err. */
struct policy *policy_load(const char *path, const struct policy_names *names,
			   char *err, size_t errlen);
/* The same from memory (name is used in messages; intel list paths are
 * relative to the current directory). */
struct policy *policy_load_buffer(const char *name, const char *buf,
				  size_t len, const struct policy_names *names,
				  char *err, size_t errlen);
void policy_free(struct policy *p);

/* FNV-1a of the file's bytes: which policy is live, in stats. */
uint64_t policy_hash(const struct policy *p);
/* A readable summary (check-policy). */
void policy_print_summary(const struct policy *p, FILE *out);

/* The segment of an address (longest prefix; then VLAN), or -1. */
int policy_segment(const struct policy *p, int ipver, const uint8_t *addr,
		   uint16_t vlan);
/* The segment of a GTP-U TEID (teid_ranges), or -1. */
int policy_segment_by_teid(const struct policy *p, uint32_t teid);
/* The segment of a PDU session's DNN/APN (dnn, case-insensitive), or -1. */
int policy_segment_by_dnn(const struct policy *p, const char *dnn);
const char *policy_segment_name(const struct policy *p, int seg);
/* May addr write to / operate the segment's ICS devices (Modbus, DNP3)?
 * 1 it is one of the segment's ics_masters, 0 it is not, -1 the segment
 * lists none (not policed). */
int policy_ics_master(const struct policy *p, int seg, int ipver, const uint8_t *addr);
/* The same for the segment's `routers` (its gateways' addresses, IPv4 and
 * IPv6 link-local: who may claim the gateway in ARP and send router
 * advertisements) and `dhcp_servers` (who may offer addresses). seg -1:
 * every segment's lists (1 when one names addr, -1 when none has a list). */
int policy_router(const struct policy *p, int seg, int ipver, const uint8_t *addr);
int policy_dhcp_server(const struct policy *p, int seg, int ipver, const uint8_t *addr);
/* Device baselines of a segment: none (no `mode:`), learn, enforce. */
enum { POLICY_MODE_NONE = 0, POLICY_MODE_LEARN, POLICY_MODE_ENFORCE };
int policy_segment_mode(const struct policy *p, int seg);
/* May the segment's subscriber identities (IMSI/SUPI/MSISDN) appear in
 * clear? (Default: no, they are always pseudonymised.) */
int policy_segment_clear_subscribers(const struct policy *p, int seg);
/* Are the segment's device addresses to be pseudonymised in events? */
int policy_segment_pseudonymise(const struct policy *p, int seg);
unsigned policy_segment_count(const struct policy *p);

/* Does segment `seg` allow this application? 1 yes (or it has no
 * application list), 0 no, with the rule's text in why. */
int policy_app_allowed(const struct policy *p, int seg, int master_id,
		       int app_id, int category_id, char *why, size_t whylen);
/* May a flow of segment `seg` go to dst:dport (allow.destinations and
 * allow.ports)? 1 yes (or no such lists), 0 no with the rule in why. */
int policy_dest_allowed(const struct policy *p, int seg, int ipver,
			const uint8_t *dst, int proto, uint16_t dport,
			char *why, size_t whylen);

/* Threshold `key` of a segment (falls back to `fallback`). */
long policy_threshold(const struct policy *p, int seg, const char *key,
		      long fallback);
/* Severity override for an alert kind in a segment, or `fallback`. */
int policy_severity(const struct policy *p, int seg, const char *kind,
		    int fallback);
/* Is addr in a core network (5G control plane, management)? */
int policy_is_core(const struct policy *p, int ipver, const uint8_t *addr);

/* Threat intelligence. Each returns 1 on a match and fills list name and
 * severity; domains match as suffixes on label boundaries
 * ("evil.com" matches "x.evil.com", not "notevil.com"). */
struct intel_hit {
	const char *list;
	int severity;
	char matched[96];
};
int policy_intel_ip(const struct policy *p, int ipver, const uint8_t *addr,
		    struct intel_hit *hit);
int policy_intel_domain(const struct policy *p, const char *name,
			struct intel_hit *hit);
int policy_intel_ja3(const struct policy *p, const char *md5hex,
		     struct intel_hit *hit);

#endif
