/* community_id: Community ID flow hash, version 1
 * (https://github.com/corelight/community-id-spec). */
#ifndef VIGIA_COMMUNITY_ID_H
#define VIGIA_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* Must be called once before community_id_v1() (initialises libgcrypt).
 * Returns 0, or -ENOSYS when libgcrypt cannot provide SHA-1. */
int community_id_init(void);

/* Write "1:<base64 sha1>" (31 bytes incl. NUL) for the flow into out.
 * ipver 4 or 6; addresses as 4 or 16 bytes; ports in host order (for ICMP
 * and ICMPv6 pass type as sport and code as dport). Returns 0, or -EINVAL
 * (bad ipver, cap < 31). */
int community_id_v1(char *out, size_t cap, uint16_t seed, int ipver,
		    const uint8_t *src, const uint8_t *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport);

#endif
