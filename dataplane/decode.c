/* Frame decoder. Every read is preceded by a length check against the bytes
 * left in the current layer, which is itself bounded by caplen. */
#include "decode.h"
#include "../proto/gtpu.h"
#include "gtpu_peers.h"
#include "../proto/wire.h"

#include <string.h>

#define MAX_LAYERS 12     /* encapsulations (VLAN, MPLS, tunnels) per frame */
#define MAX_IPV6_EXTHDRS 16

/* Per-call decoder state that does not belong in struct decoded. */
struct dctx {
	struct decoded *d;
	const uint8_t *base;
	int layers;
	int snap_cut;     /* caplen < wirelen: short data is not an anomaly */
	const struct gtpu_peers *peers;
};

static const char *const anomaly_names[] = {
#define X_(e, s) s,
	DECODE_ANOMALIES(X_)
#undef X_
};

const char *decode_anomaly_name(unsigned a)
{
	return a < DEC_A_MAX ? anomaly_names[a] : NULL;
}

const char *decode_tunnel_name(unsigned t)
{
	static const char *const names[] = { "none",   "gre",    "vxlan",    "geneve",
					     "gtp-u",  "capwap", "teredo",   "vxlan-gpe" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

int decode_link_supported(int link)
{
	switch (link) {
	case DEC_LINK_NULL:
	case DEC_LINK_ETH:
	case DEC_LINK_RAW:
	case DEC_LINK_LOOP:
	case DEC_LINK_SLL:
	case DEC_LINK_IPV4:
	case DEC_LINK_IPV6:
	case DEC_LINK_SLL2:
	case DEC_LINK_PPP:
	case DEC_LINK_PPP_HDLC:
	case DEC_LINK_C_HDLC:
	case DEC_LINK_IPNET:
	case DEC_LINK_NFLOG:
		return 1;
	default:
		return 0;
	}
}

static inline void flag(struct dctx *c, enum dec_anomaly a)
{
	c->d->anomalies |= 1ULL << a;
}

static int dec_ipv4(struct dctx *c, const uint8_t *p, uint32_t len);
static int dec_ipv6(struct dctx *c, const uint8_t *p, uint32_t len);
static int dec_eth(struct dctx *c, const uint8_t *p, uint32_t len);

static int enter_layer(struct dctx *c)
{
	if (++c->layers > MAX_LAYERS) {
		flag(c, DEC_A_TOO_MANY_LAYERS);
		return -1;
	}
	return 0;
}

/* IP version by first nibble, for link types and tunnels without a type. */
static int dec_ip_any(struct dctx *c, const uint8_t *p, uint32_t len,
		      enum dec_anomaly bad)
{
	if (len < 1) {
		flag(c, bad);
		return DEC_BAD;
	}
	switch (p[0] >> 4) {
	case 4:
		return dec_ipv4(c, p, len);
	case 6:
		return dec_ipv6(c, p, len);
	default:
		flag(c, bad);
		return DEC_BAD;
	}
}

static int dec_ppp_proto(struct dctx *c, uint16_t proto, const uint8_t *p,
			 uint32_t len)
{
	switch (proto) {
	case 0x0021:
		return dec_ipv4(c, p, len);
	case 0x0057:
		return dec_ipv6(c, p, len);
	default:
		return DEC_NOT_IP;
	}
}

static int dec_mpls(struct dctx *c, const uint8_t *p, uint32_t len)
{
	for (;;) {
		if (enter_layer(c))
			return DEC_BAD;
		if (len < 4) {
			flag(c, DEC_A_MPLS_TRUNC);
			return DEC_BAD;
		}
		int bottom = p[2] & 1;
		p += 4;
		len -= 4;
		if (bottom)
			break;
	}
	if (len < 1) {
		flag(c, DEC_A_MPLS_TRUNC);
		return DEC_BAD;
	}
	switch (p[0] >> 4) {
	case 4:
		return dec_ipv4(c, p, len);
	case 6:
		return dec_ipv6(c, p, len);
	case 0: /* pseudowire control word, then Ethernet */
		if (len < 4) {
			flag(c, DEC_A_MPLS_TRUNC);
			return DEC_BAD;
		}
		return dec_eth(c, p + 4, len - 4);
	default:
		flag(c, DEC_A_MPLS_BAD_PAYLOAD);
		return DEC_BAD;
	}
}

static int dec_ethertype(struct dctx *c, uint16_t type, const uint8_t *p,
			 uint32_t len, int count_vlans)
{
	struct decoded *d = c->d;

	for (;;) {
		switch (type) {
		case 0x8100:
		case 0x88a8:
		case 0x9100:
			if (enter_layer(c))
				return DEC_BAD;
			if (len < 4) {
				flag(c, DEC_A_VLAN_TRUNC);
				return DEC_BAD;
			}
			if (count_vlans) {
				if (d->vlan_count < DEC_MAX_VLAN)
					d->vlan[d->vlan_count++] =
						rd16(p) & 0x0fff;
				else
					flag(c, DEC_A_VLAN_TOO_MANY);
			}
			type = rd16(p + 2);
			p += 4;
			len -= 4;
			continue;
		case 0x0800:
			return dec_ipv4(c, p, len);
		case 0x86dd:
			return dec_ipv6(c, p, len);
		case 0x8847:
		case 0x8848:
			return dec_mpls(c, p, len);
		case 0x8864: /* PPPoE session: 6-byte header, PPP protocol */
			if (len < 8) {
				flag(c, DEC_A_PPPOE_TRUNC);
				return DEC_BAD;
			}
			return dec_ppp_proto(c, rd16(p + 6), p + 8, len - 8);
		case 0x0806:
			if (!d->tun_depth) {
				d->arp = p;
				d->arp_len = len;
			}
			return DEC_NOT_IP;
		default:
			return DEC_NOT_IP;
		}
	}
}

static int dec_eth(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (enter_layer(c))
		return DEC_BAD;
	if (len < 14) {
		flag(c, DEC_A_ETH_TRUNC);
		return DEC_BAD;
	}
	/* VLANs identify the flow only on the outermost link. */
	return dec_ethertype(c, rd16(p + 12), p + 14, len - 14,
			     c->d->tun_depth == 0);
}

/* Before peeling a tunnel: remember the outer layer so that a bad inner
 * packet leaves the flow on the outer one. */
static int dec_tunnel(struct dctx *c, enum dec_tunnel type, uint32_t id,
		      const uint8_t *p, uint32_t len,
		      int (*inner)(struct dctx *, const uint8_t *, uint32_t))
{
	struct decoded *d = c->d;
	struct decoded saved = *d;

	if (enter_layer(c))
		return DEC_OK;
	d->tun_type = (uint8_t)type;
	d->tun_id = id;
	d->tun_depth++;
	d->inner_off = (uint32_t)(p - c->base);
	d->outer_ipver = saved.ipver;
	memcpy(d->outer_src, saved.src, 16);
	memcpy(d->outer_dst, saved.dst, 16);
	d->has_qfi = 0;
	d->rqi = d->has_ppi = 0;
	d->has_l4 = 0;
	d->frag = DEC_FRAG_NONE;
	d->sport = d->dport = 0;
	d->tcp_flags = 0;
	d->payload = NULL;
	d->payload_len = 0;

	int r = inner(c, p, len);
	if (r != DEC_OK) {
		uint64_t a = d->anomalies;
		uint8_t gm = d->gtp_msg, gl = d->gtp_layers;

		*d = saved;
		d->anomalies = a;
		d->gtp_msg = gm;
		d->gtp_layers = gl;
	}
	return DEC_OK;
}

static int gre_inner(struct dctx *c, const uint8_t *p, uint32_t len);
static int ip_any_inner(struct dctx *c, const uint8_t *p, uint32_t len)
{
	return dec_ip_any(c, p, len, DEC_A_GTPU_BAD_PAYLOAD);
}

/* GRE inner protocol (and whether a sequence number was there: ERSPAN
 * type I has none, and no ERSPAN header) is stashed here between gre
 * parse and dec_tunnel. */
struct gre_payload {
	uint16_t proto;
	uint8_t seq;
};

static _Thread_local struct gre_payload gre_pl;

static int gre_inner(struct dctx *c, const uint8_t *p, uint32_t len)
{
	switch (gre_pl.proto) {
	case 0x6558: /* transparent Ethernet bridging */
		return dec_eth(c, p, len);
	case 0x880b: /* PPP (PPTP): optional address/control, protocol */
		if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
			p += 2;
			len -= 2;
		}
		if (len < 1) {
			flag(c, DEC_A_PPP_TRUNC);
			return DEC_BAD;
		}
		if (p[0] & 1) /* protocol field compressed to one byte */
			return dec_ppp_proto(c, p[0], p + 1, len - 1);
		if (len < 2) {
			flag(c, DEC_A_PPP_TRUNC);
			return DEC_BAD;
		}
		return dec_ppp_proto(c, rd16(p), p + 2, len - 2);
	case 0x88be: /* ERSPAN type II: 8-byte header, Ethernet; type I: none */
		if (!gre_pl.seq)
			return dec_eth(c, p, len);
		if (len < 8) {
			flag(c, DEC_A_GRE_PKT_TOO_SMALL);
			return DEC_BAD;
		}
		return dec_eth(c, p + 8, len - 8);
	case 0x22eb: { /* ERSPAN type III: 12 bytes, optional 8 more */
		if (len < 12) {
			flag(c, DEC_A_GRE_PKT_TOO_SMALL);
			return DEC_BAD;
		}
		uint32_t hl = (p[11] & 1) ? 20 : 12;
		if (len < hl) {
			flag(c, DEC_A_GRE_PKT_TOO_SMALL);
			return DEC_BAD;
		}
		return dec_eth(c, p + hl, len - hl);
	}
	default:
		return dec_ethertype(c, gre_pl.proto, p, len, 0);
	}
}

static int dec_gre(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 4) {
		flag(c, DEC_A_GRE_PKT_TOO_SMALL);
		return DEC_OK;
	}
	uint16_t flags = rd16(p);
	uint16_t proto = rd16(p + 2);
	uint32_t off = 4, key = 0;

	switch (flags & 7) {
	case 0:
		if (flags & 0x8000) /* checksum + reserved */
			off += 4;
		if (flags & 0x2000) {
			if (len < off + 4) {
				flag(c, DEC_A_GRE_PKT_TOO_SMALL);
				return DEC_OK;
			}
			key = rd32(p + off);
			off += 4;
		}
		if (flags & 0x1000)
			off += 4;
		if (flags & 0x4000) /* source routing: not followed */
			return DEC_OK;
		break;
	case 1: /* enhanced GRE (PPTP): key = payload length + call id */
		if (proto != 0x880b || !(flags & 0x2000)) {
			flag(c, DEC_A_GRE_WRONG_VERSION);
			return DEC_OK;
		}
		if (len < 8) {
			flag(c, DEC_A_GRE_PKT_TOO_SMALL);
			return DEC_OK;
		}
		key = rd16(p + 6);
		c->d->tun_id_dir = 1; /* the peer's call id: each side its own */
		off = 8;
		if (flags & 0x1000)
			off += 4;
		if (flags & 0x0080)
			off += 4;
		break;
	default:
		flag(c, DEC_A_GRE_WRONG_VERSION);
		return DEC_OK;
	}
	if (len < off) {
		flag(c, DEC_A_GRE_PKT_TOO_SMALL);
		return DEC_OK;
	}
	gre_pl.proto = proto;
	gre_pl.seq = (flags & 0x1000) != 0;
	return dec_tunnel(c, DEC_TUN_GRE, key, p + off, len - off, gre_inner);
}

static unsigned gtp_depth_max = 1;

void decode_set_gtp_depth(unsigned depth)
{
	gtp_depth_max = depth;
}

/* A G-PDU (version 1, GTP, type 255, its length within the datagram) to
 * an F-TEID the control plane announced, on a port that is not 2152. */
static int learnt_gpdu(const struct dctx *c, const uint8_t *p, uint32_t len)
{
	const struct decoded *d = c->d;

	if (len < 8 || (p[0] & 0xf0) != 0x30 || p[1] != 0xff || rd16(p + 2) + 8u > len)
		return 0;
	return gtpu_peers_has(c->peers, d->ipver, d->dst, rd32(p + 4));
}

static int dec_gtpu(struct dctx *c, const uint8_t *p, uint32_t len)
{
	struct decoded *d = c->d;
	struct gtpu_hdr h;
	int g = gtpu_header(p, len, &h);

	if (g == GTPU_SHORT) {
		if (d->gtp_layers < 255)
			d->gtp_layers++; /* a GTP-U port, too short to say more */
		flag(c, DEC_A_GTPU_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if (g == GTPU_NOT)
		return DEC_OK;
	int first = d->gtp_layers < 255 && ++d->gtp_layers == 1;
	if (first) {
		d->gtp_msg = h.msg;
		d->gtp_flags = h.flags;
	}
	/* the header's length is the UDP payload's, exactly (TS 29.281 5.1) */
	if (h.len < len || (h.len > len && !c->snap_cut))
		flag(c, DEC_A_GTPU_LEN_MISMATCH);
	if (h.len < len)
		len = h.len;
	g = gtpu_options(p, len, &h);
	if (g == GTPU_SHORT) {
		flag(c, DEC_A_GTPU_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if (first && h.flags) {
		d->gtp_seq = h.seq;
		d->gtp_npdu = h.npdu;
		d->gtp_exts = (uint8_t)(h.exts < 255 ? h.exts : 255);
	}
	if (g == GTPU_BAD_EXT) {
		flag(c, DEC_A_GTPU_EXTHDR_INVALID);
		return DEC_OK;
	}
	if (h.msg != GTPU_GPDU) /* echo, error indication, end marker: no T-PDU */
		return DEC_OK;
	if (d->gtp_layers > gtp_depth_max) /* seen, not followed */
		return DEC_OK;
	if (len <= h.off) {
		flag(c, DEC_A_GTPU_PKT_TOO_SMALL);
		return DEC_OK;
	}
	int r = dec_tunnel(c, DEC_TUN_GTPU, h.teid, p + h.off, len - h.off, ip_any_inner);
	if (d->tun_type == DEC_TUN_GTPU && d->tun_id == h.teid && h.qfi >= 0) {
		d->qfi = (uint8_t)h.qfi;
		d->has_qfi = 1;
		d->rqi = (uint8_t)h.rqi;
		d->has_ppi = h.ppi >= 0;
		d->ppi = (uint8_t)(h.ppi >= 0 ? h.ppi : 0);
	}
	return r;
}

static int dec_vxlan(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 8) {
		flag(c, DEC_A_VXLAN_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if (!(p[0] & 0x08)) /* VNI not valid: not VXLAN as we know it */
		return DEC_OK;
	uint32_t vni = rd32(p + 4) >> 8;
	return dec_tunnel(c, DEC_TUN_VXLAN, vni, p + 8, len - 8, dec_eth);
}

/* VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): flags (version 0, I: the VNI is
 * valid), reserved, next protocol (1 IPv4, 2 IPv6, 3 Ethernet, 5 MPLS),
 * VNI, reserved. */
static int vxlan_gpe_inner(struct dctx *c, const uint8_t *p, uint32_t len)
{
	switch (gre_pl.proto) {
	case 1:
		return dec_ipv4(c, p, len);
	case 2:
		return dec_ipv6(c, p, len);
	case 3:
		return dec_eth(c, p, len);
	case 5:
		return dec_mpls(c, p, len);
	default:
		return DEC_NOT_IP; /* NSH and others: not followed */
	}
}

static int dec_vxlan_gpe(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 8) {
		flag(c, DEC_A_VXLAN_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if (!(p[0] & 0x08) || (p[0] & 0x30)) /* no VNI, or a version we do not know */
		return DEC_OK;
	gre_pl.proto = p[3];
	return dec_tunnel(c, DEC_TUN_VXLAN_GPE, rd32(p + 4) >> 8, p + 8, len - 8,
			  vxlan_gpe_inner);
}

/* Teredo (RFC 4380): IPv6 in UDP, maybe after an origin indication (8
 * octets). Nothing in the header says Teredo, so the IPv6 packet must be
 * plausible, as Suricata checks it: version 6, a payload length that is
 * exactly the datagram's rest, not a bubble (no next header); anything
 * else on the port (DNS, an authentication exchange) is left alone. */
static int teredo_inner(struct dctx *c, const uint8_t *p, uint32_t len)
{
	return dec_ipv6(c, p, len);
}

static int dec_teredo(struct dctx *c, const uint8_t *p, uint32_t len)
{
	uint32_t off = 0;

	if (len >= 2 && p[0] == 0 && p[1] == 0)
		off = 8; /* origin indication */
	else if (len >= 2 && p[0] == 0)
		return DEC_OK; /* authentication: the qualification, no tunnel */
	if (len < off + 40 || (p[off] >> 4) != 6 || p[off + 6] == 59 ||
	    rd16(p + off + 4) + 40u != len - off)
		return DEC_OK;
	return dec_tunnel(c, DEC_TUN_TEREDO, 0, p + off, len - off, teredo_inner);
}

static int geneve_inner(struct dctx *c, const uint8_t *p, uint32_t len)
{
	switch (gre_pl.proto) {
	case 0x6558:
		return dec_eth(c, p, len);
	default:
		return dec_ethertype(c, gre_pl.proto, p, len, 0);
	}
}

static int dec_geneve(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 8) {
		flag(c, DEC_A_GENEVE_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if ((p[0] >> 6) != 0)
		return DEC_OK;
	uint32_t hl = 8 + (p[0] & 0x3f) * 4u;
	if (len < hl) {
		flag(c, DEC_A_GENEVE_PKT_TOO_SMALL);
		return DEC_OK;
	}
	gre_pl.proto = rd16(p + 2);
	uint32_t vni = rd32(p + 4) >> 8;
	return dec_tunnel(c, DEC_TUN_GENEVE, vni, p + hl, len - hl,
			  geneve_inner);
}

/* CAPWAP data channel (RFC 5415): the payload is an 802.3 frame, or with
 * the T bit a native 802.11 data frame followed by LLC/SNAP. */
static int capwap_inner(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (!gre_pl.proto) /* T bit clear: IEEE 802.3 */
		return dec_eth(c, p, len);
	if (len < 24) {
		flag(c, DEC_A_CAPWAP_PKT_TOO_SMALL);
		return DEC_BAD;
	}
	uint8_t fc0 = p[0], fc1 = p[1];
	if (((fc0 >> 2) & 3) != 2 && ((fc1 >> 2) & 3) == 2) {
		fc0 = p[1]; /* some controllers send frame control swapped */
		fc1 = p[0];
	}
	if (((fc0 >> 2) & 3) != 2) /* not a data frame */
		return DEC_NOT_IP;
	uint32_t hl = 24;
	if ((fc1 & 3) == 3) /* ToDS and FromDS: four addresses */
		hl += 6;
	if (fc0 & 0x80) /* QoS data */
		hl += 2;
	if (len < hl + 8) {
		flag(c, DEC_A_CAPWAP_PKT_TOO_SMALL);
		return DEC_BAD;
	}
	p += hl;
	if (p[0] != 0xaa || p[1] != 0xaa || p[2] != 0x03)
		return DEC_NOT_IP;
	return dec_ethertype(c, rd16(p + 6), p + 8, len - hl - 8, 0);
}

static int dec_capwap(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 8) {
		flag(c, DEC_A_CAPWAP_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if (p[0] != 0) /* version 0, CAPWAP header (not DTLS) */
		return DEC_OK;
	uint32_t hl = (uint32_t)(p[1] >> 3) * 4u;
	if (hl < 8 || len < hl) {
		flag(c, DEC_A_CAPWAP_PKT_TOO_SMALL);
		return DEC_OK;
	}
	if (len == hl) /* keep-alive: no payload */
		return DEC_OK;
	gre_pl.proto = p[2] & 1; /* T bit: native wireless frame */
	return dec_tunnel(c, DEC_TUN_CAPWAP, (uint32_t)((rd16(p + 1) >> 6) & 0x1f),
			  p + hl, len - hl, capwap_inner);
}

/* `len` is the L4 length the IP header implies, bounded by the capture. */
/* An ICMP error quotes the packet that caused it (RFC 792, RFC 4443 2.4):
 * its IP header and at least 8 octets more, after the 8-octet ICMP header.
 * What it says of the flow it is about: addresses, protocol, ports (TCP,
 * UDP, SCTP: the first 4 octets). Options and IPv6 extension headers are
 * not walked: such a quote stays an ICMP packet of its own. */
static void icmp_quoted(struct decoded *d, const uint8_t *p, uint32_t len)
{
	int v4 = d->proto == 1;
	uint8_t t = p[0];

	if (v4 ? !(t == 3 || t == 11 || t == 12) : !(t >= 1 && t <= 4))
		return;
	if (len < 8)
		return;
	const uint8_t *q = p + 8;
	uint32_t ql = len - 8, hl;
	if (v4) {
		if (ql < 20 || (q[0] >> 4) != 4 || (q[0] & 0x0f) < 5 ||
		    (rd16(q + 6) & 0x1fff)) /* a later fragment: no ports */
			return;
		hl = (q[0] & 0x0f) * 4u;
		d->q_proto = q[9];
		memset(d->q_src, 0, 16);
		memset(d->q_dst, 0, 16);
		memcpy(d->q_src, q + 12, 4);
		memcpy(d->q_dst, q + 16, 4);
		d->q_ipver = 4;
	} else {
		if (ql < 40 || (q[0] >> 4) != 6)
			return;
		hl = 40;
		d->q_proto = q[6];
		memcpy(d->q_src, q + 8, 16);
		memcpy(d->q_dst, q + 24, 16);
		d->q_ipver = 6;
	}
	d->q_sport = d->q_dport = 0;
	if (d->q_proto == 6 || d->q_proto == 17 || d->q_proto == 132) {
		if (ql < hl + 4)
			return;
		d->q_sport = rd16(q + hl);
		d->q_dport = rd16(q + hl + 2);
	} else if (d->q_proto != 1 && d->q_proto != 58) {
		return; /* a protocol whose flows vigia keys otherwise */
	}
	d->icmp_err = 1;
}

static int dec_l4(struct dctx *c, const uint8_t *p, uint32_t len)
{
	struct decoded *d = c->d;

	switch (d->proto) {
	case 6: {
		if (len < 20) {
			if (len >= 4) { /* ports are still usable */
				d->sport = rd16(p);
				d->dport = rd16(p + 2);
				d->has_l4 = 1;
			}
			if (!c->snap_cut)
				flag(c, DEC_A_TCP_PKT_TOO_SMALL);
			return DEC_OK;
		}
		uint32_t hl = (p[12] >> 4) * 4u;
		d->sport = rd16(p);
		d->dport = rd16(p + 2);
		d->tcp_seq = rd32(p + 4);
		d->tcp_ack = rd32(p + 8);
		d->tcp_flags = p[13];
		d->tcp_win = rd16(p + 14);
		d->has_l4 = 1;
		if (hl < 20) {
			flag(c, DEC_A_TCP_HLEN_TOO_SMALL);
			return DEC_OK;
		}
		if (hl > len) {
			if (!c->snap_cut)
				flag(c, DEC_A_TCP_PKT_TOO_SMALL);
			return DEC_OK;
		}
		for (uint32_t o = 20; o < hl;) { /* options: kinds 0 and 1 are one byte */
			if (p[o] == 0)
				break;
			if (p[o] == 1) {
				o++;
				continue;
			}
			if (o + 1 >= hl || p[o + 1] < 2 || o + p[o + 1] > hl) {
				flag(c, DEC_A_TCP_OPT_INVALID);
				break;
			}
			o += p[o + 1];
		}
		d->payload = p + hl;
		d->payload_len = len - hl;
		return DEC_OK;
	}
	case 17: {
		if (len < 8) {
			if (len >= 4) {
				d->sport = rd16(p);
				d->dport = rd16(p + 2);
				d->has_l4 = 1;
			}
			if (!c->snap_cut)
				flag(c, DEC_A_UDP_PKT_TOO_SMALL);
			return DEC_OK;
		}
		uint32_t ulen = rd16(p + 4);
		d->sport = rd16(p);
		d->dport = rd16(p + 2);
		d->has_l4 = 1;
		if (ulen < 8 || (ulen > len && !c->snap_cut)) {
			flag(c, DEC_A_UDP_HLEN_INVALID);
			ulen = len;
		}
		if (ulen > len)
			ulen = len;
		d->payload = p + 8;
		d->payload_len = ulen - 8;
		if (d->dport == GTPU_PORT || d->sport == GTPU_PORT)
			return dec_gtpu(c, d->payload, d->payload_len);
		if (d->dport == 4789)
			return dec_vxlan(c, d->payload, d->payload_len);
		if (d->dport == 6081)
			return dec_geneve(c, d->payload, d->payload_len);
		if (d->dport == 4790)
			return dec_vxlan_gpe(c, d->payload, d->payload_len);
		if (d->dport == 3544 || d->sport == 3544)
			return dec_teredo(c, d->payload, d->payload_len);
		if (d->dport == 5247 || d->sport == 5247)
			return dec_capwap(c, d->payload, d->payload_len);
		if (c->peers && learnt_gpdu(c, d->payload, d->payload_len))
			return dec_gtpu(c, d->payload, d->payload_len);
		return DEC_OK;
	}
	case 132:
		if (len < 12) {
			if (!c->snap_cut)
				flag(c, DEC_A_SCTP_PKT_TOO_SMALL);
			return DEC_OK;
		}
		d->sport = rd16(p);
		d->dport = rd16(p + 2);
		d->has_l4 = 1;
		d->payload = p + 12;
		d->payload_len = len - 12;
		return DEC_OK;
	case 1:
	case 58:
		if (len < 4) {
			if (!c->snap_cut)
				flag(c, d->proto == 1 ? DEC_A_ICMPV4_PKT_TOO_SMALL
						      : DEC_A_ICMPV6_PKT_TOO_SMALL);
			return DEC_OK;
		}
		d->icmp_type = p[0];
		d->icmp_code = p[1];
		d->has_l4 = 1;
		d->payload = p + 4;
		d->payload_len = len - 4;
		icmp_quoted(d, p, len);
		return DEC_OK;
	case 47:
		return dec_gre(c, p, len);
	case 4: /* IP in IP: the inner packet is the flow */
		return dec_tunnel(c, DEC_TUN_NONE, 0, p, len, dec_ipv4);
	case 41:
		return dec_tunnel(c, DEC_TUN_NONE, 0, p, len, dec_ipv6);
	default:
		return DEC_OK;
	}
}

static int dec_ipv4(struct dctx *c, const uint8_t *p, uint32_t len)
{
	struct decoded *d = c->d;

	if (enter_layer(c))
		return DEC_BAD;
	if (len < 20) {
		flag(c, DEC_A_IPV4_PKT_TOO_SMALL);
		return DEC_BAD;
	}
	if ((p[0] >> 4) != 4) {
		flag(c, DEC_A_IPV4_WRONG_VERSION);
		return DEC_BAD;
	}
	uint32_t hl = (p[0] & 0x0f) * 4u;
	if (hl < 20) {
		flag(c, DEC_A_IPV4_HLEN_TOO_SMALL);
		return DEC_BAD;
	}
	if (hl > len) {
		flag(c, DEC_A_IPV4_PKT_TOO_SMALL);
		return DEC_BAD;
	}
	uint32_t tot = rd16(p + 2);
	if (tot == 0) /* segmentation offload: length left to the NIC */
		tot = len;
	if (tot < hl) {
		flag(c, DEC_A_IPV4_IPLEN_SMALLER_THAN_HLEN);
		return DEC_BAD;
	}
	d->ip_len = tot;
	if (tot > len) {
		if (!c->snap_cut)
			flag(c, DEC_A_IPV4_TRUNC);
		tot = len;
	}
	for (uint32_t o = 20; o < hl;) {
		if (p[o] == 0)
			break;
		if (p[o] == 1) {
			o++;
			continue;
		}
		if (o + 1 >= hl || p[o + 1] < 2 || o + p[o + 1] > hl) {
			flag(c, DEC_A_IPV4_OPT_INVALID);
			break;
		}
		o += p[o + 1];
	}
	d->l3 = p;
	d->l3_len = tot;
	d->ipver = 4;
	d->proto = p[9];
	memset(d->src, 0, sizeof(d->src));
	memset(d->dst, 0, sizeof(d->dst));
	memcpy(d->src, p + 12, 4);
	memcpy(d->dst, p + 16, 4);
	uint16_t fo = rd16(p + 6);
	uint32_t foff = (fo & 0x1fffu) * 8u;
	if (foff) {
		d->frag = DEC_FRAG_LATER;
		if (foff + (d->ip_len - hl) > 65535)
			flag(c, DEC_A_IPV4_FRAG_OVERLAP_END);
		return DEC_OK;
	}
	if (fo & 0x2000) {
		d->frag = DEC_FRAG_FIRST;
		c->snap_cut = 1; /* the rest follows in later fragments */
	}
	return dec_l4(c, p + hl, tot - hl);
}

static int dec_ipv6(struct dctx *c, const uint8_t *p, uint32_t len)
{
	struct decoded *d = c->d;

	if (enter_layer(c))
		return DEC_BAD;
	if (len < 40) {
		flag(c, DEC_A_IPV6_PKT_TOO_SMALL);
		return DEC_BAD;
	}
	if ((p[0] >> 4) != 6) {
		flag(c, DEC_A_IPV6_WRONG_VERSION);
		return DEC_BAD;
	}
	uint32_t tot = 40u + rd16(p + 4);
	if (tot == 40) /* jumbogram or offload: take what was captured */
		tot = len;
	d->ip_len = tot;
	if (tot > len) {
		if (!c->snap_cut)
			flag(c, DEC_A_IPV6_TRUNC);
		tot = len;
	}
	d->l3 = p;
	d->l3_len = tot;
	d->ipver = 6;
	memcpy(d->src, p + 8, 16);
	memcpy(d->dst, p + 24, 16);

	uint8_t nh = p[6];
	uint32_t off = 40;
	int n = 0, seen_hbh = 0;
	for (;;) {
		uint32_t hl;

		switch (nh) {
		case 0:  /* hop-by-hop: only allowed first */
			if (seen_hbh || n > 0)
				flag(c, DEC_A_IPV6_EXTHDR_DUPL);
			seen_hbh = 1;
			/* fallthrough */
		case 43: /* routing */
		case 60: /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
			if (tot < off + 2) {
				flag(c, DEC_A_IPV6_TRUNC_EXTHDR);
				d->proto = nh;
				return DEC_OK;
			}
			hl = (p[off + 1] + 1u) * 8u;
			break;
		case 51: /* AH: length in 4-octet units minus 2 */
			if (tot < off + 2) {
				flag(c, DEC_A_IPV6_TRUNC_EXTHDR);
				d->proto = nh;
				return DEC_OK;
			}
			hl = (p[off + 1] + 2u) * 4u;
			break;
		case 44: { /* fragment */
			if (tot < off + 8) {
				flag(c, DEC_A_IPV6_TRUNC_EXTHDR);
				d->proto = nh;
				return DEC_OK;
			}
			uint16_t fo = rd16(p + off + 2);
			if (fo & 0xfff8) {
				d->frag = DEC_FRAG_LATER;
				d->proto = p[off];
				return DEC_OK;
			}
			if (fo & 1) {
				d->frag = DEC_FRAG_FIRST;
				c->snap_cut = 1;
			} else if (d->ip_len - off - 8 == 0)
				flag(c, DEC_A_IPV6_FRAG_INVALID);
			hl = 8;
			break;
		}
		default:
			d->proto = nh;
			return dec_l4(c, p + off, tot - off);
		}
		if (++n > MAX_IPV6_EXTHDRS) {
			flag(c, DEC_A_IPV6_TOO_MANY_EXTHDR);
			d->proto = nh;
			return DEC_OK;
		}
		if (tot < off + hl) {
			flag(c, DEC_A_IPV6_TRUNC_EXTHDR);
			d->proto = nh;
			return DEC_OK;
		}
		nh = p[off];
		off += hl;
	}
}

static int dec_null(struct dctx *c, const uint8_t *p, uint32_t len, int net)
{
	if (len < 4) {
		flag(c, DEC_A_NULL_TRUNC);
		return DEC_BAD;
	}
	uint32_t af;
	if (net) {
		af = rd32(p);
	} else {
		/* host order of the capturing machine: try both */
		af = (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
		     ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
		if (af > 0xffff)
			af = rd32(p);
	}
	switch (af) {
	case 2:
		return dec_ipv4(c, p + 4, len - 4);
	case 10: case 24: case 28: case 30:
		return dec_ipv6(c, p + 4, len - 4);
	default:
		return DEC_NOT_IP;
	}
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, then an
 * ethertype. */
static int dec_chdlc(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 4) {
		flag(c, DEC_A_CHDLC_TRUNC);
		return DEC_BAD;
	}
	return dec_ethertype(c, rd16(p + 2), p + 4, len - 4, 1);
}

/* PPP as a link (RFC 1661): the HDLC-like address and control octets
 * (0xff 0x03, RFC 1662) when not compressed away, then the protocol, one
 * octet when field compression made it odd (RFC 1661 6.5). A serial link
 * may carry Cisco HDLC frames instead. */
static int dec_ppp_link(struct dctx *c, const uint8_t *p, uint32_t len, int serial)
{
	if (serial && len >= 1 && (p[0] == 0x0f || p[0] == 0x8f))
		return dec_chdlc(c, p, len);
	if (len >= 2 && p[0] == 0xff && p[1] == 0x03) {
		p += 2;
		len -= 2;
	}
	if (len >= 1 && (p[0] & 1))
		return dec_ppp_proto(c, p[0], p + 1, len - 1);
	if (len < 2) {
		flag(c, DEC_A_PPP_TRUNC);
		return DEC_BAD;
	}
	return dec_ppp_proto(c, rd16(p), p + 2, len - 2);
}

/* Solaris/illumos ipnet: version, family (2 IPv4, 26 IPv6), hook type,
 * packet length, interface and zone ids: 24 octets, then the packet. */
static int dec_ipnet(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 24) {
		flag(c, DEC_A_IPNET_TRUNC);
		return DEC_BAD;
	}
	switch (p[1]) {
	case 2:
		return dec_ipv4(c, p + 24, len - 24);
	case 26:
		return dec_ipv6(c, p + 24, len - 24);
	default:
		return DEC_NOT_IP;
	}
}

/* Linux NFLOG: family (AF_INET 2, AF_INET6 10), version 0, resource id
 * (the log group), then TLVs - length (of the TLV, header included) and
 * type in the capturing host's byte order, which libpcap turns into this
 * one's - each padded to 4 octets; the packet is NFULA_PAYLOAD (9). */
static int dec_nflog(struct dctx *c, const uint8_t *p, uint32_t len)
{
	if (len < 4) {
		flag(c, DEC_A_NFLOG_TRUNC);
		return DEC_BAD;
	}
	uint8_t family = p[0];
	uint32_t off = 4;
	while (len - off >= 4) {
		uint16_t tl, type;
		memcpy(&tl, p + off, 2);
		memcpy(&type, p + off + 2, 2);
		if (tl < 4 || tl > len - off) {
			flag(c, DEC_A_NFLOG_TLV_INVALID);
			return DEC_BAD;
		}
		if (type == 9) {
			const uint8_t *pl = p + off + 4;
			uint32_t pn = tl - 4u;
			if (family == 2)
				return dec_ipv4(c, pl, pn);
			if (family == 10)
				return dec_ipv6(c, pl, pn);
			return dec_ip_any(c, pl, pn, DEC_A_IPV4_WRONG_VERSION);
		}
		uint32_t step = (tl + 3u) & ~3u;
		if (step >= len - off)
			break;
		off += step;
	}
	return DEC_NOT_IP; /* a log entry without the packet (prefix only) */
}

int decode_packet(struct decoded *d, int link, const uint8_t *data,
		  uint32_t caplen, uint32_t wirelen)
{
	return decode_packet_peers(d, link, data, caplen, wirelen, NULL);
}

int decode_packet_peers(struct decoded *d, int link, const uint8_t *data, uint32_t caplen,
			uint32_t wirelen, const struct gtpu_peers *peers)
{
	struct dctx c = { .d = d, .base = data, .layers = 0,
			  .snap_cut = wirelen > caplen, .peers = peers };

	memset(d, 0, sizeof(*d));
	switch (link) {
	case DEC_LINK_ETH:
		return dec_eth(&c, data, caplen);
	case DEC_LINK_RAW:
		return dec_ip_any(&c, data, caplen, DEC_A_IPV4_WRONG_VERSION);
	case DEC_LINK_IPV4:
		return dec_ipv4(&c, data, caplen);
	case DEC_LINK_IPV6:
		return dec_ipv6(&c, data, caplen);
	case DEC_LINK_SLL:
		if (caplen < 16) {
			flag(&c, DEC_A_SLL_TRUNC);
			return DEC_BAD;
		}
		return dec_ethertype(&c, rd16(data + 14), data + 16,
				     caplen - 16, 1);
	case DEC_LINK_SLL2:
		if (caplen < 20) {
			flag(&c, DEC_A_SLL_TRUNC);
			return DEC_BAD;
		}
		return dec_ethertype(&c, rd16(data), data + 20, caplen - 20, 1);
	case DEC_LINK_NULL:
		return dec_null(&c, data, caplen, 0);
	case DEC_LINK_LOOP:
		return dec_null(&c, data, caplen, 1);
	case DEC_LINK_PPP:
		return dec_ppp_link(&c, data, caplen, 0);
	case DEC_LINK_PPP_HDLC:
		return dec_ppp_link(&c, data, caplen, 1);
	case DEC_LINK_C_HDLC:
		return dec_chdlc(&c, data, caplen);
	case DEC_LINK_IPNET:
		return dec_ipnet(&c, data, caplen);
	case DEC_LINK_NFLOG:
		return dec_nflog(&c, data, caplen);
	default:
		return DEC_NOT_IP;
	}
}

int decode_outer_ipv4_frag(int link, const uint8_t *data, uint32_t caplen,
			   uint32_t *l3_off)
{
	uint32_t off;
	uint16_t et = 0x0800;

	switch (link) {
	case DEC_LINK_ETH:
		if (caplen < 14)
			return 0;
		off = 14;
		et = rd16(data + 12);
		for (int v = 0; v < 2 && (et == 0x8100 || et == 0x88a8) && caplen >= off + 4; v++) {
			et = rd16(data + off + 2);
			off += 4;
		}
		break;
	case DEC_LINK_SLL:
		if (caplen < 16)
			return 0;
		off = 16;
		et = rd16(data + 14);
		break;
	case DEC_LINK_SLL2:
		if (caplen < 20)
			return 0;
		off = 20;
		et = rd16(data);
		break;
	case DEC_LINK_RAW:
	case DEC_LINK_IPV4:
		off = 0;
		break;
	case DEC_LINK_NULL:
	case DEC_LINK_LOOP:
		off = 4;
		break;
	case DEC_LINK_C_HDLC:
		if (caplen < 4)
			return 0;
		off = 4;
		et = rd16(data + 2);
		break;
	case DEC_LINK_IPNET:
		if (caplen < 24 || data[1] != 2)
			return 0;
		off = 24;
		break;
	default: /* PPP, NFLOG: variable headers, not reassembled */
		return 0;
	}
	if (et != 0x0800 || caplen < off + 20 || (data[off] >> 4) != 4)
		return 0;
	if (!(rd16(data + off + 6) & 0x3fff))
		return 0;
	*l3_off = off;
	return 1;
}
