/* l2: ARP, DHCPv4 and ICMPv6 neighbour discovery (l2.h). */
#include "l2.h"

#include <string.h>

#include "wire.h"

int l2_arp_parse(const uint8_t *p, uint32_t len, struct l2_arp *a)
{
	/* htype 1 (Ethernet), ptype IPv4, hlen 6, plen 4: 28 octets */
	if (len < 28 || rd16(p) != 1 || rd16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4)
		return -1;
	a->op = rd16(p + 6);
	memcpy(a->sha, p + 8, 6);
	memcpy(a->spa, p + 14, 4);
	memcpy(a->tha, p + 18, 6);
	memcpy(a->tpa, p + 24, 4);
	return 0;
}

int l2_dhcp_parse(const uint8_t *p, uint32_t len, struct l2_dhcp *d)
{
	/* 236 octets of BOOTP header, then the magic cookie */
	memset(d, 0, sizeof(*d));
	if (len < 240 || (p[0] != 1 && p[0] != 2) || p[1] != 1 || p[2] != 6)
		return -1;
	d->op = p[0];
	d->xid = rd32(p + 4);
	memcpy(d->yiaddr, p + 16, 4);
	memcpy(d->chaddr, p + 28, 6);
	if (rd32(p + 236) != 0x63825363)
		return 0; /* BOOTP without options */
	uint32_t i = 240;
	while (i < len) {
		uint8_t code = p[i++];
		if (code == 255)
			break;
		if (code == 0)
			continue;
		if (i >= len)
			break;
		uint8_t olen = p[i++];
		if (olen > len - i)
			break;
		const uint8_t *v = p + i;
		if (code == 53 && olen >= 1)
			d->msg = v[0];
		else if (code == 54 && olen >= 4) {
			memcpy(d->server_id, v, 4);
			d->has_server_id = 1;
		} else if (code == 50 && olen >= 4)
			memcpy(d->requested, v, 4);
		i += olen;
	}
	return 0;
}

/* Link-layer address and prefix information options (RFC 4861 4.6),
 * from `off` to the end; lengths in units of 8 octets, 0 invalid. */
static void nd_options(const uint8_t *p, uint32_t len, uint32_t off, struct l2_nd *n)
{
	while (off + 2 <= len) {
		uint8_t type = p[off];
		uint32_t olen = (uint32_t)p[off + 1] * 8;
		if (olen == 0 || olen > len - off)
			return;
		const uint8_t *v = p + off;
		if ((type == 1 || type == 2) && olen >= 8 && !n->has_lladdr) {
			memcpy(n->lladdr, v + 2, 6);
			n->has_lladdr = 1;
		} else if (type == 3 && olen >= 32) {
			if (!n->has_prefix) {
				n->prefix_len = v[2];
				memcpy(n->prefix, v + 16, 16);
				n->has_prefix = 1;
			}
			if (n->prefixes < 255)
				n->prefixes++;
		}
		off += olen;
	}
}

int l2_nd_parse(const uint8_t *p, uint32_t len, struct l2_nd *n)
{
	memset(n, 0, sizeof(*n));
	if (len < 8 || p[0] < ND_RS || p[0] > ND_REDIRECT || p[1] != 0)
		return -1;
	n->type = p[0];
	switch (n->type) {
	case ND_RS:
		nd_options(p, len, 8, n);
		break;
	case ND_RA:
		if (len < 16)
			return -1;
		n->flags = p[5];
		n->router_lifetime = rd16(p + 6);
		nd_options(p, len, 16, n);
		break;
	case ND_NS:
	case ND_NA:
		if (len < 24)
			return -1;
		if (n->type == ND_NA)
			n->flags = p[4] & 0xe0;
		memcpy(n->target, p + 8, 16);
		n->has_target = 1;
		nd_options(p, len, 24, n);
		break;
	case ND_REDIRECT:
		if (len < 40)
			return -1;
		memcpy(n->target, p + 8, 16);
		n->has_target = 1;
		nd_options(p, len, 40, n);
		break;
	}
	return 0;
}
