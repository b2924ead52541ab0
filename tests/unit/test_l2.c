/* l2: ARP, DHCPv4 and ICMPv6 neighbour discovery on hand-built messages,
 * field by field, then every message cut at every length (exact-size heap
 * copies: ASan sees any read past the end) - a cut fixed part is refused, a
 * cut option list read as far as it goes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/l2.h"

static const uint8_t MAC_A[6] = { 0x02, 0, 0, 0, 0x01, 0x05 };
static const uint8_t MAC_B[6] = { 0x02, 0, 0, 0, 0x06, 0x66 };

/* an is-at reply: 10.60.0.1 is at MAC_B, to 10.60.0.5 at MAC_A */
static size_t arp_reply(uint8_t *b)
{
	static const uint8_t hdr[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };
	memcpy(b, hdr, 8);
	memcpy(b + 8, MAC_B, 6);
	memcpy(b + 14, (uint8_t[]){ 10, 60, 0, 1 }, 4);
	memcpy(b + 18, MAC_A, 6);
	memcpy(b + 24, (uint8_t[]){ 10, 60, 0, 5 }, 4);
	memset(b + 28, 0, 18); /* Ethernet padding */
	return 46;
}

static size_t dhcp_offer(uint8_t *b)
{
	memset(b, 0, 300);
	b[0] = 2; b[1] = 1; b[2] = 6;
	memcpy(b + 4, (uint8_t[]){ 0xde, 0xad, 0xbe, 0xef }, 4);
	memcpy(b + 16, (uint8_t[]){ 10, 60, 0, 6 }, 4);
	memcpy(b + 28, MAC_A, 6);
	memcpy(b + 236, (uint8_t[]){ 0x63, 0x82, 0x53, 0x63 }, 4);
	size_t i = 240;
	b[i++] = 0;                              /* a pad */
	b[i++] = 53; b[i++] = 1; b[i++] = 2;     /* OFFER */
	b[i++] = 50; b[i++] = 4;
	memcpy(b + i, (uint8_t[]){ 10, 60, 0, 7 }, 4);
	i += 4;
	b[i++] = 54; b[i++] = 4;
	memcpy(b + i, (uint8_t[]){ 10, 60, 0, 66 }, 4);
	i += 4;
	b[i++] = 255;
	return i;
}

/* an RA: lifetime 1800, source link-layer address, one prefix */
static size_t nd_ra(uint8_t *b)
{
	memset(b, 0, 64);
	b[0] = ND_RA;
	b[4] = 64;
	b[5] = 0x40;
	b[6] = 0x07; b[7] = 0x08;
	size_t i = 16;
	b[i] = 1; b[i + 1] = 1;
	memcpy(b + i + 2, MAC_B, 6);
	i += 8;
	b[i] = 3; b[i + 1] = 4; b[i + 2] = 64;
	b[i + 16] = 0x20; b[i + 17] = 0x01; b[i + 18] = 0x0d; b[i + 19] = 0xb8;
	i += 32;
	return i;
}

/* an NA for 2001:db8:60::6 with a target link-layer address option */
static size_t nd_na(uint8_t *b)
{
	memset(b, 0, 32);
	b[0] = ND_NA;
	b[4] = ND_NA_SOLICITED | ND_NA_OVERRIDE;
	b[8] = 0x20; b[9] = 0x01; b[10] = 0x0d; b[11] = 0xb8; b[13] = 0x60; b[23] = 6;
	b[24] = 2; b[25] = 1;
	memcpy(b + 26, MAC_B, 6);
	return 32;
}

static void test_arp(void **st)
{
	(void)st;
	uint8_t b[64];
	struct l2_arp a;
	size_t n = arp_reply(b);
	assert_int_equal(l2_arp_parse(b, (uint32_t)n, &a), 0);
	assert_int_equal(a.op, ARP_REPLY);
	assert_memory_equal(a.sha, MAC_B, 6);
	assert_memory_equal(a.spa, ((uint8_t[]){ 10, 60, 0, 1 }), 4);
	assert_memory_equal(a.tha, MAC_A, 6);
	assert_memory_equal(a.tpa, ((uint8_t[]){ 10, 60, 0, 5 }), 4);
	b[5] = 16; /* not IPv4 */
	assert_int_equal(l2_arp_parse(b, (uint32_t)n, &a), -1);
}

static void test_dhcp(void **st)
{
	(void)st;
	uint8_t b[320];
	struct l2_dhcp d;
	size_t n = dhcp_offer(b);
	assert_int_equal(l2_dhcp_parse(b, (uint32_t)n, &d), 0);
	assert_int_equal(d.op, 2);
	assert_int_equal(d.msg, DHCP_OFFER);
	assert_int_equal(d.xid, 0xdeadbeef);
	assert_memory_equal(d.chaddr, MAC_A, 6);
	assert_memory_equal(d.yiaddr, ((uint8_t[]){ 10, 60, 0, 6 }), 4);
	assert_true(d.has_server_id);
	assert_memory_equal(d.server_id, ((uint8_t[]){ 10, 60, 0, 66 }), 4);
	assert_memory_equal(d.requested, ((uint8_t[]){ 10, 60, 0, 7 }), 4);
	/* an option claiming more than is there ends the walk, keeps the rest */
	b[251] = 200;
	assert_int_equal(l2_dhcp_parse(b, (uint32_t)n, &d), 0);
	assert_int_equal(d.msg, DHCP_OFFER);
	assert_false(d.has_server_id);
	b[1] = 6; /* not Ethernet */
	assert_int_equal(l2_dhcp_parse(b, (uint32_t)n, &d), -1);
}

static void test_nd(void **st)
{
	(void)st;
	uint8_t b[64];
	struct l2_nd nd;
	size_t n = nd_ra(b);
	assert_int_equal(l2_nd_parse(b, (uint32_t)n, &nd), 0);
	assert_int_equal(nd.type, ND_RA);
	assert_int_equal(nd.router_lifetime, 0x0708);
	assert_true(nd.has_lladdr);
	assert_memory_equal(nd.lladdr, MAC_B, 6);
	assert_true(nd.has_prefix);
	assert_int_equal(nd.prefix_len, 64);
	assert_int_equal(nd.prefix[0], 0x20);
	assert_int_equal(nd.prefixes, 1);
	n = nd_na(b);
	assert_int_equal(l2_nd_parse(b, (uint32_t)n, &nd), 0);
	assert_int_equal(nd.type, ND_NA);
	assert_int_equal(nd.flags, ND_NA_SOLICITED | ND_NA_OVERRIDE);
	assert_true(nd.has_target);
	assert_int_equal(nd.target[15], 6);
	assert_true(nd.has_lladdr);
	assert_memory_equal(nd.lladdr, MAC_B, 6);
	b[25] = 0; /* a zero-length option: invalid, the walk stops */
	assert_int_equal(l2_nd_parse(b, (uint32_t)n, &nd), 0);
	assert_false(nd.has_lladdr);
	b[0] = 128; /* an echo request is no ND */
	assert_int_equal(l2_nd_parse(b, (uint32_t)n, &nd), -1);
}

/* Cut at every length: refused below the fixed part, never a read past
 * the end, and the options found are a subset of the whole message's. */
static void test_truncated(void **st)
{
	(void)st;
	uint8_t b[320];
	size_t n;

	n = arp_reply(b);
	for (size_t l = 0; l <= n; l++) {
		uint8_t *c = malloc(l ? l : 1);
		memcpy(c, b, l);
		struct l2_arp a;
		assert_int_equal(l2_arp_parse(c, (uint32_t)l, &a), l >= 28 ? 0 : -1);
		free(c);
	}
	n = dhcp_offer(b);
	for (size_t l = 0; l <= n; l++) {
		uint8_t *c = malloc(l ? l : 1);
		memcpy(c, b, l);
		struct l2_dhcp d;
		int r = l2_dhcp_parse(c, (uint32_t)l, &d);
		assert_int_equal(r, l >= 240 ? 0 : -1);
		if (r == 0 && d.has_server_id)
			assert_int_equal(d.server_id[3], 66);
		if (l < 244)
			assert_int_equal(d.msg, 0);
		free(c);
	}
	for (int which = 0; which < 2; which++) {
		n = which ? nd_na(b) : nd_ra(b);
		size_t fixed = which ? 24 : 16;
		for (size_t l = 0; l <= n; l++) {
			uint8_t *c = malloc(l ? l : 1);
			memcpy(c, b, l);
			struct l2_nd nd;
			int r = l2_nd_parse(c, (uint32_t)l, &nd);
			assert_int_equal(r, l >= fixed ? 0 : -1);
			if (r == 0 && nd.has_lladdr)
				assert_memory_equal(nd.lladdr, MAC_B, 6);
			if (r == 0 && l < n)
				assert_false(nd.has_prefix && !which && l < 56);
			free(c);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp),
		cmocka_unit_test(test_dhcp),
		cmocka_unit_test(test_nd),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
