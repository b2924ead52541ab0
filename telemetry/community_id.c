#include "community_id.h"

#include <errno.h>
#include <string.h>

#include <gcrypt.h>

int community_id_init(void)
{
	if (!gcry_check_version(NULL))
		return -ENOSYS;
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return 0;
}

/* ICMP type -> counterpart type for the request/response pairs the spec
 * lists; -1 when the type has none (the flow is then one-way). */
static int icmp4_peer(uint8_t t)
{
	switch (t) {
	case 8: return 0;
	case 0: return 8;
	case 13: return 14;
	case 14: return 13;
	case 15: return 16;
	case 16: return 15;
	case 17: return 18;
	case 18: return 17;
	case 10: return 9;
	case 9: return 10;
	default: return -1;
	}
}

static int icmp6_peer(uint8_t t)
{
	switch (t) {
	case 128: return 129;
	case 129: return 128;
	case 133: return 134;
	case 134: return 133;
	case 135: return 136;
	case 136: return 135;
	case 130: return 131;
	case 131: return 130;
	case 139: return 140;
	case 140: return 139;
	case 144: return 145;
	case 145: return 144;
	default: return -1;
	}
}

static void b64(char *out, const uint8_t *in, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = (i + 1 < n) ? tab[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = 0;
}

int community_id_v1(char *out, size_t cap, uint16_t seed, int ipver,
		    const uint8_t *src, const uint8_t *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport)
{
	uint8_t buf[2 + 16 + 16 + 2 + 4];
	size_t alen, o = 0;
	int ports = 0, one_way = 0;

	if (cap < 31 || (ipver != 4 && ipver != 6))
		return -EINVAL;
	alen = ipver == 4 ? 4 : 16;

	if (proto == 1 || proto == 58) {
		int peer = proto == 1 ? icmp4_peer((uint8_t)sport)
				      : icmp6_peer((uint8_t)sport);
		if (peer >= 0)
			dport = (uint16_t)peer;
		else
			one_way = 1; /* dport stays the code */
		ports = 1;
	} else if (proto == 6 || proto == 17 || proto == 132) {
		ports = 1;
	}

	int cmp = memcmp(src, dst, alen);
	int swap = !one_way && (cmp > 0 || (cmp == 0 && ports && sport > dport));
	if (swap) {
		const uint8_t *ta = src;
		uint16_t tp = sport;
		src = dst;
		dst = ta;
		sport = dport;
		dport = tp;
	}
	buf[o++] = (uint8_t)(seed >> 8);
	buf[o++] = (uint8_t)seed;
	memcpy(buf + o, src, alen);
	o += alen;
	memcpy(buf + o, dst, alen);
	o += alen;
	buf[o++] = proto;
	buf[o++] = 0;
	if (ports) {
		buf[o++] = (uint8_t)(sport >> 8);
		buf[o++] = (uint8_t)sport;
		buf[o++] = (uint8_t)(dport >> 8);
		buf[o++] = (uint8_t)dport;
	}
	uint8_t digest[20];
	gcry_md_hash_buffer(GCRY_MD_SHA1, digest, buf, o);
	out[0] = '1';
	out[1] = ':';
	b64(out + 2, digest, sizeof(digest));
	return 0;
}
