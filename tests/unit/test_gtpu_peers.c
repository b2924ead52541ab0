/* dataplane/gtpu_peers: the F-TEIDs N4 and S11 announce, and the decoder
 * opening a G-PDU on any port to one of them: learnt from a PFCP message,
 * bounded when full, not opened for another TEID or address, a datagram
 * that is not a G-PDU left alone, and the frame cut at every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/decode.h"
#include "../../dataplane/gtpu_peers.h"

static const uint8_t upf[4] = { 10, 201, 0, 2 };

/* Ethernet, IPv4 10.201.0.1 -> 10.201.0.2, UDP 50000 -> 3386, G-PDU
 * (TEID teid) carrying IPv4 10.45.0.7 -> 192.0.2.80 UDP 5000 -> 53. */
static size_t frame(uint8_t *b, uint32_t teid)
{
	static const uint8_t inner[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
					   10, 45, 0, 7, 192, 0, 2, 80,
					   0x13, 0x88, 0, 53, 0, 8, 0, 0 };
	size_t n = 0;
	memset(b, 0, 14);
	b[12] = 0x08;
	n = 14;
	uint8_t ip[20] = { 0x45, 0, 0, 20 + 8 + 8 + 28, 0, 0, 0, 0, 64, 17, 0, 0,
			   10, 201, 0, 1, 10, 201, 0, 2 };
	memcpy(b + n, ip, 20);
	n += 20;
	uint8_t udp[8] = { 0xc3, 0x50, 0x0d, 0x3a, 0, 8 + 8 + 28, 0, 0 };
	memcpy(b + n, udp, 8);
	n += 8;
	uint8_t g[8] = { 0x30, 0xff, 0, 28, (uint8_t)(teid >> 24), (uint8_t)(teid >> 16),
			 (uint8_t)(teid >> 8), (uint8_t)teid };
	memcpy(b + n, g, 8);
	n += 8;
	memcpy(b + n, inner, 28);
	return n + 28;
}

static void test_opened_when_announced(void **st)
{
	struct gtpu_peers *s = calloc(1, sizeof(*s));
	uint8_t b[128];
	struct decoded d;
	size_t n = frame(b, 0x1111);

	(void)st;
	assert_int_equal(decode_packet_peers(&d, DEC_LINK_ETH, b, (uint32_t)n, (uint32_t)n, s),
			 DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);   /* nobody announced it */
	gtpu_peers_add(s, 4, upf, 0x1111);
	assert_int_equal(decode_packet_peers(&d, DEC_LINK_ETH, b, (uint32_t)n, (uint32_t)n, s),
			 DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_GTPU);
	assert_int_equal(d.tun_id, 0x1111);
	assert_int_equal(d.dport, 53);
	/* another TEID, or decoding without peers: not opened */
	n = frame(b, 0x1112);
	decode_packet_peers(&d, DEC_LINK_ETH, b, (uint32_t)n, (uint32_t)n, s);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	n = frame(b, 0x1111);
	decode_packet(&d, DEC_LINK_ETH, b, (uint32_t)n, (uint32_t)n);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	/* not a G-PDU (an echo request, version 2) */
	b[14 + 20 + 8 + 1] = 1;
	decode_packet_peers(&d, DEC_LINK_ETH, b, (uint32_t)n, (uint32_t)n, s);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	b[14 + 20 + 8 + 1] = 0xff;
	b[14 + 20 + 8] = 0x50;
	decode_packet_peers(&d, DEC_LINK_ETH, b, (uint32_t)n, (uint32_t)n, s);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	free(s);
}

static void test_truncated(void **st)
{
	struct gtpu_peers *s = calloc(1, sizeof(*s));
	uint8_t b[128];
	struct decoded d;
	size_t n = frame(b, 0x1111);

	(void)st;
	gtpu_peers_add(s, 4, upf, 0x1111);
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *c = malloc(cut ? cut : 1);   /* ASan sees any read past cut */
		memcpy(c, b, cut);
		decode_packet_peers(&d, DEC_LINK_ETH, c, (uint32_t)cut, (uint32_t)n, s);
		if (d.tun_type == DEC_TUN_GTPU)
			assert_true(cut >= 14 + 20 + 8 + 8);
		free(c);
	}
	free(s);
}

static void test_bounded(void **st)
{
	struct gtpu_peers *s = calloc(1, sizeof(*s));
	uint8_t a[4] = { 10, 0, 0, 0 };

	(void)st;
	for (uint32_t i = 0; i < 3 * GTPU_PEERS; i++) {
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		gtpu_peers_add(s, 4, a, i);
	}
	assert_true(s->n <= GTPU_PEERS);
	assert_true(s->replaced > 0);
	/* the newest is always there */
	assert_true(gtpu_peers_has(s, 4, a, 3 * GTPU_PEERS - 1));
	gtpu_peers_add(s, 4, a, 3 * GTPU_PEERS - 1); /* again: no new entry */
	uint64_t l = s->learnt;
	gtpu_peers_add(s, 4, a, 3 * GTPU_PEERS - 1);
	assert_int_equal(s->learnt, l);
	gtpu_peers_add(s, 5, a, 1);                 /* not an address family */
	assert_false(gtpu_peers_has(s, 5, a, 1));
	free(s);
}

static void test_learn_pfcp(void **st)
{
	struct gtpu_peers *s = calloc(1, sizeof(*s));
	struct pfcp_msg m;

	(void)st;
	memset(&m, 0, sizeof(m));
	m.npdi = 1;
	m.pdi[0].has_teid = 1;
	m.pdi[0].teid = 0x1111;
	m.pdi[0].teid_ipver = 4;
	memcpy(m.pdi[0].teid_ip, upf, 4);
	m.has_dl_teid = 1;
	m.dl_teid = 0x2222;
	m.dl_ipver = 4;
	m.dl_ip4[0] = 10;
	m.dl_ip4[1] = 201;
	m.dl_ip4[3] = 1;
	gtpu_peers_learn_pfcp(s, &m);
	assert_true(gtpu_peers_has(s, 4, upf, 0x1111));
	assert_true(gtpu_peers_has(s, 4, m.dl_ip4, 0x2222));
	assert_false(gtpu_peers_has(s, 4, upf, 0x2222));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opened_when_announced),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_learn_pfcp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
