/* lpm: longest-prefix match for IPv4 and IPv6 (a binary trie).
 *
 * Built once when a policy loads, read-only afterwards (so any number of
 * workers may look up concurrently). Looked up once per flow, at its
 * creation, never per packet.
 */
#ifndef VIGIA_LPM_H
#define VIGIA_LPM_H

#include <stdint.h>

struct lpm;

/* NULL with errno set (ENOMEM). */
struct lpm *lpm_create(void);
void lpm_free(struct lpm *l);

/* Add prefix addr/len (ipver 4: 4 bytes, len <= 32; 6: 16 bytes, <= 128)
 * with value >= 0. Returns 0; -EEXIST if exactly this prefix is present
 * (its value is in *old when old is not NULL); -EINVAL; -ENOMEM. */
int lpm_add(struct lpm *l, int ipver, const uint8_t *addr, unsigned len,
	    int32_t value, int32_t *old);

/* Value of the longest prefix holding addr, or -1. */
int32_t lpm_lookup(const struct lpm *l, int ipver, const uint8_t *addr);

/* Parse "a.b.c.d/len", "a.b.c.d", "x::y/len" into addr (16 bytes) and len.
 * Returns the IP version (4 or 6), or -EINVAL. Host bits beyond len must be
 * zero, or it is -EINVAL too (a typo'd CIDR is refused, not truncated). */
int lpm_parse_cidr(const char *s, uint8_t *addr, unsigned *len);

#endif
