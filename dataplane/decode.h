/* decode: one captured frame -> the flow-relevant view of it.
 *
 * Link layers: Ethernet (802.1Q/QinQ, MPLS, PPPoE), Linux cooked v1/v2, raw
 * IPv4/IPv6, BSD loopback. Network: IPv4 (options, fragments), IPv6 (extension
 * headers). Transport: TCP, UDP, SCTP, ICMP, ICMPv6. Tunnels: GRE (v0 and
 * PPTP v1), VXLAN, Geneve, CAPWAP data (802.11 or 802.3), GTP-U (extension headers; PDU session container
 * QFI). The innermost IP layer is the one the flow is keyed on; the
 * innermost tunnel's identity and outer endpoints are kept alongside.
 *
 * decode_packet() never reads outside [data, data + caplen). Malformed input
 * sets a bit in `anomalies` and stops at the last sound layer.
 */
#ifndef VIGIA_DECODE_H
#define VIGIA_DECODE_H

#include <stdint.h>

/* Link types use the LINKTYPE_* numbers of the pcap file format. */
enum dec_link {
	DEC_LINK_NULL = 0,    /* BSD loopback, host-order AF */
	DEC_LINK_ETH = 1,
	DEC_LINK_PPP = 9,     /* PPP (RFC 1661), HDLC address/control optional */
	DEC_LINK_PPP_HDLC = 50, /* PPP in HDLC-like framing, or Cisco HDLC */
	DEC_LINK_RAW = 101,   /* raw IP, version from first nibble */
	DEC_LINK_C_HDLC = 104, /* Cisco HDLC: address, control, ethertype */
	DEC_LINK_LOOP = 108,  /* OpenBSD loopback, network-order AF */
	DEC_LINK_SLL = 113,   /* Linux cooked v1 */
	DEC_LINK_IPNET = 226, /* Solaris/illumos ipnet: 24-byte header */
	DEC_LINK_IPV4 = 228,
	DEC_LINK_IPV6 = 229,
	DEC_LINK_NFLOG = 239, /* Linux NFLOG (iptables/nftables log groups) */
	DEC_LINK_SLL2 = 276,  /* Linux cooked v2 */
};

/* Returns nonzero when `link` is a link type decode_packet() understands. */
int decode_link_supported(int link);

/* Decoder anomalies: enum value, EVE event name. Names follow Suricata's
 * decoder events where one exists. */
#define DECODE_ANOMALIES(X)                                                    \
	X(ETH_TRUNC, "ethernet.pkt_too_small")                                 \
	X(VLAN_TRUNC, "vlan.header_too_small")                                 \
	X(VLAN_TOO_MANY, "vlan.too_many_vlans")                                \
	X(MPLS_TRUNC, "mpls.header_too_small")                                 \
	X(MPLS_BAD_PAYLOAD, "mpls.unknown_payload_type")                       \
	X(PPPOE_TRUNC, "pppoe.pkt_too_small")                                  \
	X(PPP_TRUNC, "ppp.pkt_too_small")                                      \
	X(SLL_TRUNC, "sll.pkt_too_small")                                      \
	X(NULL_TRUNC, "null.pkt_too_small")                                    \
	X(IPV4_TRUNC, "ipv4.trunc_pkt")                                        \
	X(IPV4_PKT_TOO_SMALL, "ipv4.pkt_too_small")                            \
	X(IPV4_HLEN_TOO_SMALL, "ipv4.hlen_too_small")                          \
	X(IPV4_IPLEN_SMALLER_THAN_HLEN, "ipv4.iplen_smaller_than_hlen")        \
	X(IPV4_WRONG_VERSION, "ipv4.wrong_ip_version")                         \
	X(IPV4_OPT_INVALID, "ipv4.opt_invalid")                                \
	X(IPV4_FRAG_OVERLAP_END, "ipv4.frag_pkt_too_large")                    \
	X(IPV6_PKT_TOO_SMALL, "ipv6.pkt_too_small")                            \
	X(IPV6_TRUNC, "ipv6.trunc_pkt")                                        \
	X(IPV6_TRUNC_EXTHDR, "ipv6.trunc_exthdr")                              \
	X(IPV6_WRONG_VERSION, "ipv6.wrong_ip_version")                         \
	X(IPV6_EXTHDR_DUPL, "ipv6.exthdr_dupl_hh")                             \
	X(IPV6_FRAG_INVALID, "ipv6.frag_invalid_length")                       \
	X(IPV6_TOO_MANY_EXTHDR, "ipv6.too_many_exthdrs")                       \
	X(TCP_PKT_TOO_SMALL, "tcp.pkt_too_small")                              \
	X(TCP_HLEN_TOO_SMALL, "tcp.hlen_too_small")                            \
	X(TCP_OPT_INVALID, "tcp.opt_invalid_len")                              \
	X(UDP_PKT_TOO_SMALL, "udp.pkt_too_small")                              \
	X(UDP_HLEN_INVALID, "udp.hlen_invalid")                                \
	X(SCTP_PKT_TOO_SMALL, "sctp.pkt_too_small")                            \
	X(ICMPV4_PKT_TOO_SMALL, "icmpv4.pkt_too_small")                        \
	X(ICMPV6_PKT_TOO_SMALL, "icmpv6.pkt_too_small")                        \
	X(GRE_PKT_TOO_SMALL, "gre.pkt_too_small")                              \
	X(GRE_WRONG_VERSION, "gre.wrong_version")                              \
	X(VXLAN_PKT_TOO_SMALL, "vxlan.pkt_too_small")                          \
	X(GENEVE_PKT_TOO_SMALL, "geneve.pkt_too_small")                        \
	X(GTPU_PKT_TOO_SMALL, "gtpu.pkt_too_small")                            \
	X(GTPU_EXTHDR_INVALID, "gtpu.ext_hdr_invalid")                         \
	X(GTPU_BAD_PAYLOAD, "gtpu.unknown_payload_type")                       \
	X(GTPU_LEN_MISMATCH, "gtpu.length_mismatch")                           \
	X(CAPWAP_PKT_TOO_SMALL, "capwap.pkt_too_small")                        \
	X(TOO_MANY_LAYERS, "decoder.too_many_layers")                          \
	X(CHDLC_TRUNC, "chdlc.pkt_too_small")                                  \
	X(IPNET_TRUNC, "ipnet.pkt_too_small")                                  \
	X(NFLOG_TRUNC, "nflog.pkt_too_small")                                  \
	X(NFLOG_TLV_INVALID, "nflog.tlv_invalid")

enum dec_anomaly {
#define X_(e, s) DEC_A_##e,
	DECODE_ANOMALIES(X_)
#undef X_
	DEC_A_MAX
};

/* Printable EVE name of anomaly `a` ("ipv4.trunc_pkt"); NULL if out of range. */
const char *decode_anomaly_name(unsigned a);

enum dec_tunnel {
	DEC_TUN_NONE = 0,
	DEC_TUN_GRE,
	DEC_TUN_VXLAN,
	DEC_TUN_GENEVE,
	DEC_TUN_GTPU,
	DEC_TUN_CAPWAP,
	DEC_TUN_TEREDO,       /* IPv6 in UDP 3544 (RFC 4380) */
	DEC_TUN_VXLAN_GPE,    /* UDP 4790: VXLAN with a next-protocol field */
};

/* Printable tunnel type ("gtp-u"); "none" for DEC_TUN_NONE. */
const char *decode_tunnel_name(unsigned t);

enum dec_frag { DEC_FRAG_NONE = 0, DEC_FRAG_FIRST, DEC_FRAG_LATER };

enum dec_result {
	DEC_OK = 0,      /* an IP layer was found: the flow fields are valid */
	DEC_NOT_IP = 1,  /* well-formed, but no IP inside (ARP, LLDP, ...) */
	DEC_BAD = 2,     /* malformed before any IP layer: see anomalies */
};

#define DEC_MAX_VLAN 2

struct decoded {
	/* Innermost IP layer. l3_len is bounded by the captured bytes and by
	 * the IP header's own length (Ethernet padding excluded). */
	const uint8_t *l3;
	uint32_t l3_len;
	uint32_t ip_len;          /* length the IP header claims (wire) */
	const uint8_t *payload;   /* L4 payload, captured part */
	uint32_t payload_len;
	uint8_t ipver;            /* 4 or 6 */
	uint8_t proto;            /* L4 protocol number */
	uint8_t frag;             /* enum dec_frag */
	uint8_t has_l4;           /* ports/flags below are valid */
	uint8_t src[16], dst[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint16_t sport, dport;    /* host order; ICMP: 0 */
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint8_t vlan_count;       /* VLAN tags seen on the outermost link */
	uint16_t vlan[DEC_MAX_VLAN];
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	/* Innermost tunnel (tun_type DEC_TUN_NONE when none). */
	uint8_t tun_type;
	uint8_t tun_depth;        /* number of tunnels peeled */
	uint8_t qfi;              /* GTP-U PDU session container QFI */
	uint8_t has_qfi;
	uint8_t rqi;              /* downlink container: reflective QoS */
	uint8_t has_ppi, ppi;     /* downlink container: paging policy */
	uint8_t gtp_msg;          /* first GTP-U header's message type (0xff
				   * G-PDU, 1 echo request, 26 error
				   * indication...), 0 when none */
	uint8_t gtp_layers;       /* GTP-U headers met; 2+: GTP inside GTP */
	/* the first GTP-U header's flags (E, S, PN bits: 0x04 0x02 0x01),
	 * its sequence number and N-PDU number when S / PN say they are
	 * meaningful, and how many extension headers its chain had */
	uint8_t gtp_flags, gtp_npdu, gtp_exts;
	uint16_t gtp_seq;
	uint32_t tun_id;          /* GTP TEID, VXLAN/Geneve VNI, GRE key */
	uint8_t tun_id_dir;       /* tun_id is the sender's own (PPTP's call
				   * id, one per direction): not the flow's */
	uint32_t inner_off;       /* where the innermost tunnel's payload
				   * (frame or IP packet) starts */
	uint8_t outer_ipver;
	uint8_t outer_src[16], outer_dst[16];
	uint64_t anomalies;       /* bit (1 << enum dec_anomaly) */
	/* An ICMP error (unreachable, time exceeded, parameter problem,
	 * packet too big) and the packet it quotes: the flow it is about */
	uint8_t icmp_err;
	uint8_t q_ipver, q_proto;
	uint16_t q_sport, q_dport;
	uint8_t q_src[16], q_dst[16];
	/* DEC_NOT_IP: an ARP packet on the outermost link (for proto/l2.h) */
	const uint8_t *arp;
	uint32_t arp_len;
};

/* GTP-U headers followed into their payload (default 1): a GTP-U packet
 * inside that many is recognised (gtp_layers) but not decapsulated, so a
 * tunnel-in-tunnel is keyed on the tunnel that carries it. Set before the
 * workers start; read-only after. */
void decode_set_gtp_depth(unsigned depth);

/* Is the frame's outermost network layer an IPv4 fragment (more fragments,
 * or an offset)? Then *l3_off is where that IPv4 header starts. Reads the
 * link layer only (Ethernet with up to two VLAN tags, Linux cooked v1/v2,
 * raw IP, BSD loopback): the cheap test before reassembly. */
int decode_outer_ipv4_frag(int link, const uint8_t *data, uint32_t caplen,
			   uint32_t *l3_off);

/* Decode one frame of link type `link`. `caplen` bytes are readable at
 * `data`; `wirelen` is the frame's length on the wire (>= caplen, or 0 if
 * unknown). Fills *d and returns an enum dec_result. */
int decode_packet(struct decoded *d, int link, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen);

/* The same, opening as GTP-U a G-PDU on any UDP port when its destination
 * and TEID are an F-TEID the control plane announced (gtpu_peers.h);
 * peers NULL: decode_packet(). */
struct gtpu_peers;
int decode_packet_peers(struct decoded *d, int link, const uint8_t *data, uint32_t caplen,
			uint32_t wirelen, const struct gtpu_peers *peers);

#endif
