/* decode: every decoder path on known packets, and every packet truncated
 * at every byte offset (exact-size heap copies, so ASan sees any over-read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/decode.h"
#include "packets.h"

static uint8_t v4(unsigned a, unsigned b, unsigned c, unsigned d, unsigned i)
{
	const unsigned x[4] = { a, b, c, d };
	return (uint8_t)x[i];
}

static void assert_v4(const uint8_t *addr, unsigned a, unsigned b, unsigned c,
		      unsigned d)
{
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(addr[i], v4(a, b, c, d, i));
	for (unsigned i = 4; i < 16; i++)
		assert_int_equal(addr[i], 0);
}

#define DECODE(d, link, arr) decode_packet(&(d), (link), (arr), sizeof(arr), sizeof(arr))

static void test_eth_ipv4_tcp(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_eth_ipv4_tcp), DEC_OK);
	assert_int_equal(d.ipver, 4);
	assert_int_equal(d.proto, 6);
	assert_v4(d.src, 10, 0, 0, 1);
	assert_v4(d.dst, 10, 0, 0, 2);
	assert_int_equal(d.sport, 40000);
	assert_int_equal(d.dport, 80);
	assert_int_equal(d.tcp_flags, 0x02);
	assert_true(d.has_l4);
	assert_int_equal(d.payload_len, 37);
	assert_memory_equal(d.payload, "GET / HTTP/1.1", 14);
	assert_int_equal(d.l3_len, sizeof(pkt_eth_ipv4_tcp) - 14);
	assert_int_equal(d.anomalies, 0);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
}

static void test_qinq(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_qinq_ipv4_udp), DEC_OK);
	assert_int_equal(d.vlan_count, 2);
	assert_int_equal(d.vlan[0], 100);
	assert_int_equal(d.vlan[1], 200);
	assert_int_equal(d.proto, 17);
	assert_int_equal(d.sport, 5353);
	assert_int_equal(d.dport, 53);
	assert_int_equal(d.payload_len, 12);
}

static void test_mpls_icmp(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_mpls_ipv4_icmp), DEC_OK);
	assert_int_equal(d.proto, 1);
	assert_int_equal(d.icmp_type, 8);
	assert_int_equal(d.sport, 0);
	assert_v4(d.dst, 192, 0, 2, 2);
}

static void test_ipv4_options(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_ipv4_opts_tcp), DEC_OK);
	assert_int_equal(d.dport, 443);
	assert_int_equal(d.payload_len, 1);
	assert_int_equal(d.anomalies, 0);
}

/* GTP-U with a downlink PDU session container (TS 38.415): PPP and RQI
 * set, QFI 9, PPI 5; then a G-PDU whose length says more than is there. */
static void test_gtpu_pdu_session_container(void **state)
{
	(void)state;
	static const uint8_t f[] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 76, 0, 1, 0, 0, 64, 17, 0, 0, 10, 201, 0, 2, 10, 201, 0, 1,
		0x08, 0x68, 0x08, 0x68, 0, 56, 0, 0,
		/* GTP-U: E flag, G-PDU, length 40 (4 optional + 8 ext + 28 inner) */
		0x34, 0xff, 0, 40, 0, 0, 0x50, 0x01, 0, 0, 0, 0x85,
		2, 0x00, 0xc9, 0xa0, 0, 0, 0, 0x00,
		0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 8, 8, 8, 8, 10, 45, 1, 5,
		0, 53, 0x9c, 0x40, 0, 8, 0, 0,
	};
	struct decoded d;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, f), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_GTPU);
	assert_int_equal(d.tun_id, 0x5001);
	assert_true(d.has_qfi);
	assert_int_equal(d.qfi, 9);
	assert_int_equal(d.rqi, 1);
	assert_true(d.has_ppi);
	assert_int_equal(d.ppi, 5);
	assert_int_equal(d.gtp_msg, 0xff);
	assert_int_equal(d.gtp_layers, 1);
	assert_int_equal(d.sport, 53);
	assert_int_equal(d.anomalies, 0);

	uint8_t g[sizeof(f)];
	memcpy(g, f, sizeof(f));
	g[45] = 60; /* GTP length beyond the UDP payload */
	assert_int_equal(DECODE(d, DEC_LINK_ETH, g), DEC_OK);
	assert_true(d.anomalies & (1ULL << DEC_A_GTPU_LEN_MISMATCH));
	memcpy(g, f, sizeof(f));
	g[54] = 20; /* extension header length past the packet */
	assert_int_equal(DECODE(d, DEC_LINK_ETH, g), DEC_OK);
	assert_true(d.anomalies & (1ULL << DEC_A_GTPU_EXTHDR_INVALID));
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
}

static void test_ipv4_fragments(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_ipv4_frag_first), DEC_OK);
	assert_int_equal(d.frag, DEC_FRAG_FIRST);
	assert_true(d.has_l4);
	assert_int_equal(d.sport, 1111);
	/* UDP length says 1000 and only the first fragment is here: that is
	 * what a first fragment is, not an anomaly */
	assert_false(d.anomalies & (1ULL << DEC_A_UDP_HLEN_INVALID));
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_ipv4_frag_later), DEC_OK);
	assert_int_equal(d.frag, DEC_FRAG_LATER);
	assert_false(d.has_l4);
	assert_int_equal(d.proto, 17);
}

static void test_ipv6_ext(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_ipv6_ext_tcp), DEC_OK);
	assert_int_equal(d.ipver, 6);
	assert_int_equal(d.proto, 6);
	assert_int_equal(d.sport, 5000);
	assert_int_equal(d.dport, 22);
	assert_int_equal(d.src[0], 0x20);
	assert_int_equal(d.src[15], 1);
	assert_int_equal(d.payload_len, 11);
	assert_int_equal(d.anomalies, 0);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_ipv6_frag_udp), DEC_OK);
	assert_int_equal(d.frag, DEC_FRAG_FIRST);
	assert_int_equal(d.proto, 17);
	assert_int_equal(d.dport, 53);
}

static void test_gtpu(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_gtpu_qfi_udp), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_GTPU);
	assert_int_equal(d.tun_depth, 1);
	assert_int_equal(d.tun_id, 0x1234);
	assert_true(d.has_qfi);
	assert_int_equal(d.qfi, 9);
	assert_v4(d.src, 10, 45, 0, 7);
	assert_v4(d.dst, 8, 8, 8, 8);
	assert_int_equal(d.sport, 40001);
	assert_int_equal(d.dport, 53);
	assert_int_equal(d.outer_ipver, 4);
	assert_v4(d.outer_src, 172, 16, 0, 1);
	assert_v4(d.outer_dst, 172, 16, 0, 2);
	/* nDPI gets the inner IP header */
	assert_int_equal(d.l3[0], 0x45);
	assert_int_equal(d.l3_len, 40);
	assert_int_equal(d.inner_off, 14 + 20 + 8 + 16);
	assert_int_equal(d.anomalies, 0);
}

static void test_vxlan(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_vxlan_tcp), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_VXLAN);
	assert_int_equal(d.tun_id, 5000);
	assert_int_equal(d.dport, 502);
	assert_v4(d.src, 192, 168, 5, 1);
	assert_v4(d.outer_src, 10, 0, 0, 10);
	assert_int_equal(d.inner_off, 14 + 20 + 8 + 8); /* inner Ethernet */
}

static void test_gre(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_gre_ipv4_udp), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_GRE);
	assert_int_equal(d.tun_id, 42);
	assert_int_equal(d.sport, 1000);
	assert_int_equal(d.payload_len, 5);
}

static void test_sctp_icmpv6(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_sctp), DEC_OK);
	assert_int_equal(d.proto, 132);
	assert_int_equal(d.sport, 38412);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_icmpv6_echo), DEC_OK);
	assert_int_equal(d.proto, 58);
	assert_int_equal(d.icmp_type, 128);
}

static void test_link_types(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_SLL, pkt_sll_ipv4_udp), DEC_OK);
	assert_int_equal(d.dport, 123);
	assert_int_equal(DECODE(d, DEC_LINK_RAW, pkt_raw_ipv6_udp), DEC_OK);
	assert_int_equal(d.ipver, 6);
	assert_int_equal(d.dport, 5683);
	assert_int_equal(DECODE(d, DEC_LINK_IPV6, pkt_raw_ipv6_udp), DEC_OK);
	assert_int_equal(DECODE(d, DEC_LINK_IPV4, pkt_raw_ipv6_udp), DEC_BAD);
	assert_true(d.anomalies & (1ULL << DEC_A_IPV4_WRONG_VERSION));
	assert_true(decode_link_supported(DEC_LINK_ETH));
	assert_false(decode_link_supported(105)); /* 802.11 */
}

/* Teredo (after an origin indication), VXLAN-GPE, ERSPAN type I, PPTP:
 * opened, the tunnel said, PPTP's per-direction key kept out of the flow. */
static void test_more_tunnels(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_teredo_icmpv6), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_TEREDO);
	assert_string_equal(decode_tunnel_name(d.tun_type), "teredo");
	assert_int_equal(d.ipver, 6);
	assert_int_equal(d.proto, 58);
	assert_int_equal(d.icmp_type, 128);
	assert_v4(d.outer_src, 192, 168, 2, 16);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_vxlan_gpe_tcp), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_VXLAN_GPE);
	assert_int_equal(d.tun_id, 77);
	assert_int_equal(d.dport, 80);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_erspan1_tcp), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_GRE);
	assert_int_equal(d.dport, 80);
	assert_v4(d.src, 10, 9, 0, 2);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_pptp_tcp), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_GRE);
	assert_int_equal(d.tun_id, 0x0101);
	assert_int_equal(d.tun_id_dir, 1);
	assert_int_equal(d.dport, 80);
	/* not plausible IPv6 on 3544 (its length off by one): not opened */
	uint8_t b[sizeof(pkt_teredo_icmpv6)];
	memcpy(b, pkt_teredo_icmpv6, sizeof(b));
	b[42 + 8 + 5]++;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, b), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	assert_int_equal(d.dport, 3544);
}

/* An ICMP error names the flow it is about; an echo, or a quote cut
 * before the ports, names none. */
static void test_icmp_error_quotes(void **state)
{
	struct decoded d;
	(void)state;
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_icmp_unreach_udp), DEC_OK);
	assert_int_equal(d.icmp_err, 1);
	assert_int_equal(d.q_ipver, 4);
	assert_int_equal(d.q_proto, 17);
	assert_v4(d.q_src, 10, 0, 0, 1);
	assert_v4(d.q_dst, 10, 0, 0, 2);
	assert_int_equal(d.q_sport, 5000);
	assert_int_equal(d.q_dport, 53);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_icmpv6_too_big_tcp), DEC_OK);
	assert_int_equal(d.icmp_err, 1);
	assert_int_equal(d.q_ipver, 6);
	assert_int_equal(d.q_proto, 6);
	assert_int_equal(d.q_dport, 443);
	assert_int_equal(d.q_dst[15], 2);
	/* cut inside the quoted ports: no flow named */
	uint32_t n = 14 + 20 + 8 + 20 + 3;
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, pkt_icmp_unreach_udp, n, n), DEC_OK);
	assert_int_equal(d.icmp_err, 0);
	assert_int_equal(DECODE(d, DEC_LINK_ETH, pkt_icmpv6_echo), DEC_OK);
	assert_int_equal(d.icmp_err, 0);
}

/* What edge servers capture besides Ethernet: PPP (compressed or not),
 * PPP in HDLC framing carrying Cisco HDLC, Cisco HDLC, Solaris ipnet and
 * Linux NFLOG (its TLVs in host order, the payload after a prefix TLV);
 * each decoded to the same packet, and cut at every length. */
static size_t edge_frame(uint8_t *out, int link, int v6, int variant)
{
	const uint8_t *ip = v6 ? pkt_raw_ipv6_udp : pkt_sll_ipv4_udp + 16;
	size_t iplen = v6 ? sizeof(pkt_raw_ipv6_udp) : sizeof(pkt_sll_ipv4_udp) - 16;
	size_t h = 0;

	switch (link) {
	case DEC_LINK_PPP:
		if (variant == 0) { /* address, control, 2-byte protocol */
			out[h++] = 0xff;
			out[h++] = 0x03;
		}
		if (variant == 2) { /* protocol field compressed */
			out[h++] = v6 ? 0x57 : 0x21;
		} else {
			out[h++] = 0x00;
			out[h++] = v6 ? 0x57 : 0x21;
		}
		break;
	case DEC_LINK_PPP_HDLC:
	case DEC_LINK_C_HDLC:
		out[h++] = 0x0f;
		out[h++] = 0x00;
		out[h++] = v6 ? 0x86 : 0x08;
		out[h++] = v6 ? 0xdd : 0x00;
		break;
	case DEC_LINK_IPNET:
		memset(out, 0, 24);
		out[0] = 2;
		out[1] = v6 ? 26 : 2;
		h = 24;
		break;
	case DEC_LINK_NFLOG: {
		uint16_t tl = 8, ty = 10; /* NFULA_PREFIX "x" (padded) first */
		out[0] = v6 ? 10 : 2;
		out[1] = 0;
		out[2] = 0;
		out[3] = 5; /* group 5 */
		memcpy(out + 4, &tl, 2);
		memcpy(out + 6, &ty, 2);
		memcpy(out + 8, "x\0\0\0", 4);
		tl = (uint16_t)(4 + iplen);
		ty = 9; /* NFULA_PAYLOAD */
		memcpy(out + 12, &tl, 2);
		memcpy(out + 14, &ty, 2);
		h = 16;
		break;
	}
	default:
		break;
	}
	memcpy(out + h, ip, iplen);
	return h + iplen;
}

static void test_edge_link_types(void **state)
{
	static const int links[] = { DEC_LINK_PPP, DEC_LINK_PPP_HDLC, DEC_LINK_C_HDLC,
				     DEC_LINK_IPNET, DEC_LINK_NFLOG };
	(void)state;
	for (unsigned l = 0; l < sizeof(links) / sizeof(links[0]); l++) {
		assert_true(decode_link_supported(links[l]));
		for (int v6 = 0; v6 < 2; v6++) {
			for (int var = 0; var < (links[l] == DEC_LINK_PPP ? 3 : 1); var++) {
				uint8_t fr[256];
				struct decoded d;
				size_t n = edge_frame(fr, links[l], v6, var);
				assert_int_equal(decode_packet(&d, links[l], fr, (uint32_t)n,
							       (uint32_t)n), DEC_OK);
				assert_int_equal(d.ipver, v6 ? 6 : 4);
				assert_int_equal(d.proto, 17);
				assert_int_equal(d.dport, v6 ? 5683 : 123);
				assert_int_equal(d.anomalies, 0);
				for (size_t cut = 0; cut < n; cut++) {
					uint8_t *b = malloc(cut ? cut : 1);
					memcpy(b, fr, cut);
					int r = decode_packet(&d, links[l], b, (uint32_t)cut,
							      (uint32_t)cut);
					assert_true(r >= DEC_OK && r <= DEC_BAD);
					if (r == DEC_OK)
						assert_true(d.l3 >= b && d.l3 + d.l3_len <= b + cut);
					free(b);
				}
			}
		}
	}
	/* NFLOG: a TLV longer than the entry; an entry without the packet */
	uint8_t fr[256];
	struct decoded d;
	size_t n = edge_frame(fr, DEC_LINK_NFLOG, 0, 0);
	uint16_t big = 300;
	memcpy(fr + 4, &big, 2);
	assert_int_equal(decode_packet(&d, DEC_LINK_NFLOG, fr, (uint32_t)n, (uint32_t)n),
			 DEC_BAD);
	assert_true(d.anomalies & (1ULL << DEC_A_NFLOG_TLV_INVALID));
	assert_int_equal(decode_packet(&d, DEC_LINK_NFLOG, fr, 12, 12), DEC_BAD);
	n = edge_frame(fr, DEC_LINK_NFLOG, 0, 0);
	assert_int_equal(decode_packet(&d, DEC_LINK_NFLOG, fr, 12, 12), DEC_NOT_IP);
	assert_int_equal(decode_packet(&d, DEC_LINK_IPNET, fr, 20, 20), DEC_BAD);
	assert_true(d.anomalies & (1ULL << DEC_A_IPNET_TRUNC));
	assert_false(decode_link_supported(127)); /* radiotap stays refused */
}

static void test_malformed(void **state)
{
	struct decoded d;
	uint8_t p[sizeof(pkt_eth_ipv4_tcp)];
	(void)state;

	/* IPv4 total length larger than the frame, frame fully captured */
	memcpy(p, pkt_eth_ipv4_tcp, sizeof(p));
	p[16] = 0x05;
	p[17] = 0xdc;
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), sizeof(p)), DEC_OK);
	assert_true(d.anomalies & (1ULL << DEC_A_IPV4_TRUNC));
	assert_int_equal(d.l3_len, sizeof(p) - 14);
	/* the same, cut by the snap length: not an anomaly */
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), 1514), DEC_OK);
	assert_int_equal(d.anomalies, 0);
	/* header length below 20 */
	memcpy(p, pkt_eth_ipv4_tcp, sizeof(p));
	p[14] = 0x44;
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), sizeof(p)), DEC_BAD);
	assert_true(d.anomalies & (1ULL << DEC_A_IPV4_HLEN_TOO_SMALL));
	/* TCP data offset below 5 words */
	memcpy(p, pkt_eth_ipv4_tcp, sizeof(p));
	p[14 + 20 + 12] = 0x30;
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), sizeof(p)), DEC_OK);
	assert_true(d.anomalies & (1ULL << DEC_A_TCP_HLEN_TOO_SMALL));
	/* ARP is not IP, and not an anomaly */
	memcpy(p, pkt_eth_ipv4_tcp, sizeof(p));
	p[12] = 0x08;
	p[13] = 0x06;
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), sizeof(p)), DEC_NOT_IP);
	assert_int_equal(d.anomalies, 0);
	/* anomaly names exist for all kinds */
	for (unsigned a = 0; a < DEC_A_MAX; a++)
		assert_non_null(decode_anomaly_name(a));
	assert_null(decode_anomaly_name(DEC_A_MAX));
}

/* A tunnel whose inner packet is bad leaves the flow on the outer layer. */
static void test_bad_inner_keeps_outer(void **state)
{
	struct decoded d;
	uint8_t p[sizeof(pkt_gtpu_qfi_udp)];
	(void)state;

	memcpy(p, pkt_gtpu_qfi_udp, sizeof(p));
	p[14 + 20 + 8 + 16] = 0x75; /* inner IP version 7 */
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), sizeof(p)), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	assert_int_equal(d.dport, 2152);
	assert_v4(d.src, 172, 16, 0, 1);
	assert_true(d.anomalies & (1ULL << DEC_A_GTPU_BAD_PAYLOAD));
	/* extension header length running past the packet */
	memcpy(p, pkt_gtpu_qfi_udp, sizeof(p));
	p[14 + 20 + 8 + 12] = 0x75;
	assert_int_equal(decode_packet(&d, DEC_LINK_ETH, p, sizeof(p), sizeof(p)), DEC_OK);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	assert_true(d.anomalies & (1ULL << DEC_A_GTPU_EXTHDR_INVALID));
}

struct tp {
	const uint8_t *p;
	size_t len;
	int link;
};

#define TP(a, l) { a, sizeof(a), l }
static const struct tp all_pkts[] = {
	TP(pkt_eth_ipv4_tcp, DEC_LINK_ETH), TP(pkt_qinq_ipv4_udp, DEC_LINK_ETH),
	TP(pkt_mpls_ipv4_icmp, DEC_LINK_ETH), TP(pkt_ipv4_opts_tcp, DEC_LINK_ETH),
	TP(pkt_ipv4_frag_first, DEC_LINK_ETH), TP(pkt_ipv4_frag_later, DEC_LINK_ETH),
	TP(pkt_ipv6_ext_tcp, DEC_LINK_ETH), TP(pkt_ipv6_frag_udp, DEC_LINK_ETH),
	TP(pkt_gtpu_qfi_udp, DEC_LINK_ETH), TP(pkt_vxlan_tcp, DEC_LINK_ETH),
	TP(pkt_gre_ipv4_udp, DEC_LINK_ETH), TP(pkt_sctp, DEC_LINK_ETH),
	TP(pkt_icmpv6_echo, DEC_LINK_ETH), TP(pkt_sll_ipv4_udp, DEC_LINK_SLL),
	TP(pkt_raw_ipv6_udp, DEC_LINK_RAW), TP(pkt_teredo_icmpv6, DEC_LINK_ETH),
	TP(pkt_vxlan_gpe_tcp, DEC_LINK_ETH), TP(pkt_erspan1_tcp, DEC_LINK_ETH),
	TP(pkt_pptp_tcp, DEC_LINK_ETH), TP(pkt_icmp_unreach_udp, DEC_LINK_ETH),
	TP(pkt_icmpv6_too_big_tcp, DEC_LINK_ETH),
};

/* Every packet cut at every length, both as a snaplen cut (wirelen kept)
 * and as a malformed frame (wirelen = caplen). The copy is exactly caplen
 * bytes on the heap: any read past it is an ASan error. */
static void test_truncation(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(all_pkts) / sizeof(all_pkts[0]); k++) {
		const struct tp *t = &all_pkts[k];
		for (size_t cut = 0; cut <= t->len; cut++) {
			uint8_t *buf = malloc(cut ? cut : 1);
			struct decoded d;
			assert_non_null(buf);
			memcpy(buf, t->p, cut);
			int r1 = decode_packet(&d, t->link, buf, (uint32_t)cut,
					       (uint32_t)t->len);
			assert_true(r1 >= DEC_OK && r1 <= DEC_BAD);
			if (r1 == DEC_OK) {
				assert_true(d.l3 >= buf && d.l3 + d.l3_len <= buf + cut);
				if (d.payload)
					assert_true(d.payload + d.payload_len <= buf + cut);
			}
			int r2 = decode_packet(&d, t->link, buf, (uint32_t)cut,
					       (uint32_t)cut);
			assert_true(r2 >= DEC_OK && r2 <= DEC_BAD);
			if (cut < t->len && cut < 14 && t->link == DEC_LINK_ETH)
				assert_int_equal(r2, DEC_BAD);
			free(buf);
		}
	}
}

/* Ethernet + IPv4 + UDP 2152 around GTP-U bytes g; the frame's length. */
static size_t gtp_frame(uint8_t *out, const uint8_t *g, size_t gl)
{
	static const uint8_t eth_ip[34] = {
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00,
		0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 10, 201, 0, 1, 10, 201, 0, 2,
	};
	memcpy(out, eth_ip, 34);
	out[16] = (uint8_t)((28 + gl) >> 8);
	out[17] = (uint8_t)(28 + gl);
	const uint8_t udp[8] = { 0x08, 0x68, 0x08, 0x68, (uint8_t)((8 + gl) >> 8),
				 (uint8_t)(8 + gl), 0, 0 };
	memcpy(out + 34, udp, 8);
	memcpy(out + 42, g, gl);
	return 42 + gl;
}

#define GTP_DECODE(d, g)                                                        \
	do {                                                                    \
		uint8_t fr_[256];                                               \
		size_t n_ = gtp_frame(fr_, (g), sizeof(g));                     \
		assert_int_equal(decode_packet(&(d), DEC_LINK_ETH, fr_, (uint32_t)n_, \
					       (uint32_t)n_), DEC_OK);           \
	} while (0)

/* Echo request, error indication, end marker: recognised (message type,
 * sequence number), never decapsulated, no anomaly; a G-PDU whose
 * extension chain has a header vigia does not read (UDP port, 0x40) before
 * the PDU session container: skipped by its length, the QFI still found;
 * S and PN without E; a zero-length extension header; every truncation. */
static void test_gtpu_messages_and_chains(void **state)
{
	(void)state;
	struct decoded d;
	static const uint8_t echo[] = { 0x32, 1, 0, 4, 0, 0, 0, 0, 0x12, 0x34, 0, 0 };
	GTP_DECODE(d, echo);
	assert_int_equal(d.gtp_msg, 1);
	assert_int_equal(d.gtp_flags, 0x02);
	assert_int_equal(d.gtp_seq, 0x1234);
	assert_int_equal(d.gtp_layers, 1);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	assert_int_equal(d.anomalies, 0);
	/* error indication: TEID Data I (16) and GTP-U peer address (133) */
	static const uint8_t errind[] = { 0x32, 26, 0, 16, 0, 0, 0, 0, 0, 7, 0, 0,
					  16, 0, 0, 0x10, 0x01, 133, 0, 4, 10, 201, 0, 2 };
	GTP_DECODE(d, errind);
	assert_int_equal(d.gtp_msg, 26);
	assert_int_equal(d.gtp_seq, 7);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	assert_int_equal(d.anomalies, 0);
	static const uint8_t endm[] = { 0x30, 254, 0, 0, 0, 0, 0x50, 0x01 };
	GTP_DECODE(d, endm);
	assert_int_equal(d.gtp_msg, 254);
	assert_int_equal(d.gtp_flags, 0);
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	assert_int_equal(d.anomalies, 0);
	/* chain: UDP port extension (0x40), then an uplink container, QFI 7 */
	static const uint8_t chain[] = {
		0x34, 0xff, 0, 40, 0, 0, 0x10, 0x01, 0, 0, 0, 0x40,
		1, 0x08, 0x68, 0x85,
		1, 0x10, 0x07, 0x00,
		0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 45, 1, 5, 8, 8, 8, 8,
		0x9c, 0x40, 0, 53, 0, 8, 0, 0,
	};
	GTP_DECODE(d, chain);
	assert_int_equal(d.tun_type, DEC_TUN_GTPU);
	assert_int_equal(d.tun_id, 0x1001);
	assert_int_equal(d.gtp_exts, 2);
	assert_true(d.has_qfi);
	assert_int_equal(d.qfi, 7);
	assert_int_equal(d.dport, 53);
	assert_int_equal(d.anomalies, 0);
	/* the same with a zero-length first extension: invalid, not followed */
	uint8_t zero[sizeof(chain)];
	memcpy(zero, chain, sizeof(chain));
	zero[12] = 0;
	GTP_DECODE(d, zero);
	assert_true(d.anomalies & (1ULL << DEC_A_GTPU_EXTHDR_INVALID));
	assert_int_equal(d.tun_type, DEC_TUN_NONE);
	/* the container's next-type names a header that is not there */
	uint8_t open_end[sizeof(chain)];
	memcpy(open_end, chain, sizeof(chain));
	open_end[19] = 0x85;
	GTP_DECODE(d, open_end);
	assert_true(d.anomalies & (1ULL << DEC_A_GTPU_EXTHDR_INVALID));
	/* S and PN, no E: sequence 0x0102, N-PDU 0x33, then the T-PDU */
	static const uint8_t spn[] = {
		0x33, 0xff, 0, 32, 0, 0, 0x10, 0x02, 0x01, 0x02, 0x33, 0x00,
		0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 45, 1, 5, 8, 8, 8, 8,
		0x9c, 0x40, 0, 53, 0, 8, 0, 0,
	};
	GTP_DECODE(d, spn);
	assert_int_equal(d.tun_id, 0x1002);
	assert_int_equal(d.gtp_flags, 0x03);
	assert_int_equal(d.gtp_seq, 0x0102);
	assert_int_equal(d.gtp_npdu, 0x33);
	assert_int_equal(d.gtp_exts, 0);
	assert_false(d.has_qfi);
	assert_int_equal(d.dport, 53);
	assert_int_equal(d.anomalies, 0);
	/* cut anywhere inside the GTP-U bytes: flagged, never read past */
	uint8_t fr[256];
	size_t n = gtp_frame(fr, chain, sizeof(chain));
	for (size_t cut = 42; cut < n; cut++) {
		uint8_t *cp = malloc(cut ? cut : 1);
		assert_non_null(cp);
		memcpy(cp, fr, cut);
		decode_packet(&d, DEC_LINK_ETH, cp, (uint32_t)cut, (uint32_t)cut);
		assert_true(d.anomalies != 0);
		assert_true(d.tun_type == DEC_TUN_NONE || cut >= 62);
		free(cp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4_tcp),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_mpls_icmp),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_gtpu_pdu_session_container),
		cmocka_unit_test(test_ipv6_ext),
		cmocka_unit_test(test_gtpu),
		cmocka_unit_test(test_gtpu_messages_and_chains),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_gre),
		cmocka_unit_test(test_sctp_icmpv6),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_edge_link_types),
		cmocka_unit_test(test_more_tunnels),
		cmocka_unit_test(test_icmp_error_quotes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_inner_keeps_outer),
		cmocka_unit_test(test_truncation),
	};
	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
