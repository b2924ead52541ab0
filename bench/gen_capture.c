/* vigia-gen: fast, deterministic capture generator for benchmarks.
 *
 * Writes a pcap (through libpcap) resembling a municipal edge link: TCP
 * with handshakes and teardown carrying TLS (ClientHello/ServerHello with
 * SNI), HTTP/1.1, MQTT, Modbus/TCP; UDP with DNS, QUIC v1 Initials (really
 * encrypted, so DPI can read their SNI), CoAP, NTP; a share of the flows
 * inside GTP-U between gNB/UPF pairs with PDU session containers (QFI);
 * a share over IPv6; IMIX-like packet sizes and heavy-tailed (Pareto) flow
 * lengths. The same options and seed give the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gcrypt.h>
#include <pcap/pcap.h>

#define MAXPKT 1600

enum ftype { F_TLS, F_HTTP, F_DNS, F_QUIC, F_MQTT, F_COAP, F_MODBUS, F_NTP,
	     F_OTHER_TCP, F_OTHER_UDP, F_NTYPES };

/* default mix, percent of flows */
static const unsigned mix_default[F_NTYPES] = { 28, 12, 20, 8, 8, 6, 4, 4, 5, 5 };

struct gflow {
	uint8_t type, v6, gtp, qfi;
	uint8_t cip[16], sip[16];
	uint16_t cport, sport;
	uint32_t teid_ul, teid_dl;
	uint8_t gnb, upf;
	uint32_t step, data_left, data_total;
	uint32_t cseq, sseq;
	uint16_t host;
};

static uint64_t rs;
static inline uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 2685821657736338717ULL;
}
static inline double rndu(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static const char *hosts[] = {
	"portal.city.example", "tickets.city.example", "traffic.city.example",
	"api.city.example", "parking.city.example", "www.google.com",
	"www.youtube.com", "teams.microsoft.com", "www.facebook.com",
	"login.microsoftonline.com", "www.netflix.com", "api.github.com",
	"www.wikipedia.org", "cdn.cloudflare.com", "www.amazon.com",
	"mqtt.city.example",
};
#define NHOSTS (sizeof(hosts) / sizeof(hosts[0]))

/* ---- checksums and headers ------------------------------------------------ */

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t csum_fin(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* Build IP + L4 + payload at p for flow f, direction up (client->server).
 * Returns the IP packet length. */
static size_t build_ip(uint8_t *p, const struct gflow *f, int up, int tcp,
		       uint8_t flags, uint32_t seq, uint32_t ack,
		       const uint8_t *pl, size_t plen)
{
	const uint8_t *src = up ? f->cip : f->sip, *dst = up ? f->sip : f->cip;
	uint16_t sp = up ? f->cport : f->sport, dp = up ? f->sport : f->cport;
	size_t l4 = tcp ? 20 : 8, ihl = f->v6 ? 40 : 20, tot = ihl + l4 + plen;
	uint8_t *q = p + ihl;
	uint32_t s = 0;

	if (f->v6) {
		memset(p, 0, 40);
		p[0] = 0x60;
		put16(p + 4, (unsigned)(l4 + plen));
		p[6] = tcp ? 6 : 17;
		p[7] = 64;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		s = csum_add(s, p + 8, 32);
	} else {
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, (unsigned)tot);
		put16(p + 4, (unsigned)(rnd() & 0xffff));
		p[6] = 0x40;
		p[8] = 64;
		p[9] = tcp ? 6 : 17;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		put16(p + 10, csum_fin(csum_add(0, p, 20)));
		s = csum_add(s, p + 12, 8);
	}
	s += (uint32_t)(tcp ? 6 : 17) + (uint32_t)(l4 + plen);
	memset(q, 0, l4);
	put16(q, sp);
	put16(q + 2, dp);
	if (tcp) {
		put32(q + 4, seq);
		put32(q + 8, ack);
		q[12] = 0x50;
		q[13] = flags;
		put16(q + 14, 64240);
	} else {
		put16(q + 4, (unsigned)(8 + plen));
	}
	memcpy(q + l4, pl, plen);
	s = csum_add(s, q, l4 + plen);
	uint16_t c = csum_fin(s);
	if (!tcp && c == 0)
		c = 0xffff;
	put16(q + (tcp ? 16 : 6), c);
	return tot;
}

static const uint8_t gnb_ip[4][4] = { {172,16,0,1}, {172,16,0,2}, {172,16,0,3}, {172,16,0,4} };
static const uint8_t upf_ip[2][4] = { {172,16,1,1}, {172,16,1,2} };

/* Ethernet [+ IPv4/UDP/GTP-U with PDU session container] around ip. */
static size_t frame(uint8_t *out, const struct gflow *f, int up,
		    const uint8_t *ip, size_t iplen)
{
	static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 1 }, mac_b[6] = { 2, 0, 0, 0, 0, 2 };
	size_t o = 14;

	memcpy(out, up ? mac_a : mac_b, 6);
	memcpy(out + 6, up ? mac_b : mac_a, 6);
	if (!f->gtp) {
		put16(out + 12, f->v6 ? 0x86dd : 0x0800);
		memcpy(out + o, ip, iplen);
		return o + iplen;
	}
	put16(out + 12, 0x0800);
	uint8_t *h = out + o;
	size_t gtp_len = 16, tot = 20 + 8 + gtp_len + iplen;
	memset(h, 0, 20);
	h[0] = 0x45;
	put16(h + 2, (unsigned)tot);
	h[6] = 0x40;
	h[8] = 64;
	h[9] = 17;
	memcpy(h + 12, up ? gnb_ip[f->gnb] : upf_ip[f->upf], 4);
	memcpy(h + 16, up ? upf_ip[f->upf] : gnb_ip[f->gnb], 4);
	put16(h + 10, csum_fin(csum_add(0, h, 20)));
	uint8_t *u = h + 20;
	put16(u, 2152);
	put16(u + 2, 2152);
	put16(u + 4, (unsigned)(8 + gtp_len + iplen));
	put16(u + 6, 0);           /* no UDP checksum over IPv4: allowed */
	uint8_t *g = u + 8;
	g[0] = 0x34;               /* v1, GTP, E flag */
	g[1] = 0xff;               /* G-PDU */
	put16(g + 2, (unsigned)(8 + iplen));
	put32(g + 4, up ? f->teid_ul : f->teid_dl);
	g[8] = g[9] = g[10] = 0;
	g[11] = 0x85;              /* next: PDU session container */
	g[12] = 1;                 /* 4 bytes */
	g[13] = up ? 0x10 : 0x00;  /* PDU type UL(1) / DL(0) */
	g[14] = f->qfi & 0x3f;
	g[15] = 0;                 /* no more extensions */
	memcpy(g + 16, ip, iplen);
	return o + tot;
}

/* ---- application payloads ------------------------------------------------- */

static size_t tls_client_hello(uint8_t *p, const char *sni, int quic)
{
	size_t nl = strlen(sni), o = 0;
	uint8_t ext[512];
	size_t e = 0;

	put16(ext + e, 0); put16(ext + e + 2, (unsigned)(nl + 5));
	put16(ext + e + 4, (unsigned)(nl + 3)); ext[e + 6] = 0;
	put16(ext + e + 7, (unsigned)nl); memcpy(ext + e + 9, sni, nl); e += 9 + nl;
	static const uint8_t groups[] = { 0, 10, 0, 4, 0, 2, 0, 0x1d };
	memcpy(ext + e, groups, sizeof(groups)); e += sizeof(groups);
	static const uint8_t alpn_h2[] = { 0, 16, 0, 5, 0, 3, 2, 'h', '2' };
	static const uint8_t alpn_h3[] = { 0, 16, 0, 5, 0, 3, 2, 'h', '3' };
	memcpy(ext + e, quic ? alpn_h3 : alpn_h2, 9); e += 9;
	static const uint8_t versions[] = { 0, 43, 0, 3, 2, 3, 4 };
	memcpy(ext + e, versions, sizeof(versions)); e += sizeof(versions);
	if (quic) {
		static const uint8_t tp[] = { 0, 0x39, 0, 6, 0x04, 0x04, 0x80, 0x10, 0, 0 };
		memcpy(ext + e, tp, sizeof(tp)); e += sizeof(tp);
	}
	static const uint16_t ciphers[] = { 0x1301, 0x1302, 0xc02b, 0xc02f, 0xc02c, 0xc030 };
	uint8_t body[768];
	size_t b = 0;
	body[b++] = 3; body[b++] = 3;
	for (int i = 0; i < 32; i++)
		body[b++] = (uint8_t)rnd();
	body[b++] = 0;
	put16(body + b, sizeof(ciphers)); b += 2;
	for (size_t i = 0; i < sizeof(ciphers) / 2; i++, b += 2)
		put16(body + b, ciphers[i]);
	body[b++] = 1; body[b++] = 0;
	put16(body + b, (unsigned)e); b += 2;
	memcpy(body + b, ext, e); b += e;
	if (!quic) {
		p[o++] = 0x16; p[o++] = 3; p[o++] = 1;
		put16(p + o, (unsigned)(b + 4)); o += 2;
	}
	p[o++] = 1;
	p[o++] = (uint8_t)(b >> 16); p[o++] = (uint8_t)(b >> 8); p[o++] = (uint8_t)b;
	memcpy(p + o, body, b);
	return o + b;
}

/* TLS 1.3 ServerHello (supported_versions = 0x0304): what most servers
 * answer today; the certificate that follows is encrypted. */
static size_t tls_server_hello(uint8_t *p)
{
	uint8_t body[128];
	size_t b = 0;
	body[b++] = 3; body[b++] = 3;
	for (int i = 0; i < 32; i++)
		body[b++] = (uint8_t)rnd();
	body[b++] = 0;
	put16(body + b, 0x1301); b += 2;
	body[b++] = 0;
	put16(body + b, 6 + 40); b += 2;
	put16(body + b, 43); put16(body + b + 2, 2); put16(body + b + 4, 0x0304); b += 6;
	put16(body + b, 51); put16(body + b + 2, 36); put16(body + b + 4, 0x001d);
	put16(body + b + 6, 32); b += 8;
	for (int i = 0; i < 32; i++)
		body[b++] = (uint8_t)rnd();
	p[0] = 0x16; p[1] = 3; p[2] = 3; put16(p + 3, (unsigned)(b + 4));
	p[5] = 2; p[6] = 0; p[7] = (uint8_t)(b >> 8); p[8] = (uint8_t)b;
	memcpy(p + 9, body, b);
	return 9 + b;
}

static size_t dns_msg(uint8_t *p, uint16_t id, const char *name, int resp)
{
	size_t o = 12;
	memset(p, 0, 12);
	put16(p, id);
	p[2] = resp ? 0x81 : 0x01;
	p[3] = resp ? 0x80 : 0x00;
	put16(p + 4, 1);
	put16(p + 6, resp ? 1 : 0);
	const char *s = name;
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		p[o++] = (uint8_t)l;
		memcpy(p + o, s, l);
		o += l;
		s += l + (dot ? 1 : 0);
	}
	p[o++] = 0;
	put16(p + o, 1); put16(p + o + 2, 1); o += 4;
	if (resp) {
		static const uint8_t an[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 10 };
		memcpy(p + o, an, sizeof(an));
		o += sizeof(an);
	}
	return o;
}

/* QUIC v1 client Initial (RFC 9001): AES-128-GCM payload and header
 * protection with keys derived from the destination connection id. */
static void hkdf_expand_label(const uint8_t *secret, const char *label,
			      uint8_t *out, size_t outlen)
{
	uint8_t info[64], t[32];
	size_t ll = strlen(label) + 6, i = 0;
	gcry_mac_hd_t h;

	info[i++] = (uint8_t)(outlen >> 8); info[i++] = (uint8_t)outlen;
	info[i++] = (uint8_t)ll;
	memcpy(info + i, "tls13 ", 6); i += 6;
	memcpy(info + i, label, ll - 6); i += ll - 6;
	info[i++] = 0;
	info[i++] = 1;             /* HKDF-Expand, first block only */
	size_t tl = sizeof(t);
	gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL);
	gcry_mac_setkey(h, secret, 32);
	gcry_mac_write(h, info, i);
	gcry_mac_read(h, t, &tl);
	gcry_mac_close(h);
	memcpy(out, t, outlen);
}

static size_t quic_initial(uint8_t *p, const char *sni)
{
	static const uint8_t salt[20] = { 0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
					  0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a };
	uint8_t dcid[8], init[32], cis[32], key[16], iv[12], hp[16];
	size_t tl = 32;
	gcry_mac_hd_t h;

	for (int i = 0; i < 8; i++)
		dcid[i] = (uint8_t)rnd();
	gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL);
	gcry_mac_setkey(h, salt, sizeof(salt));
	gcry_mac_write(h, dcid, sizeof(dcid));
	gcry_mac_read(h, init, &tl);
	gcry_mac_close(h);
	hkdf_expand_label(init, "client in", cis, 32);
	hkdf_expand_label(cis, "quic key", key, 16);
	hkdf_expand_label(cis, "quic iv", iv, 12);
	hkdf_expand_label(cis, "quic hp", hp, 16);

	/* plaintext: CRYPTO frame with the ClientHello, then PADDING */
	uint8_t pt[1200], ch[700];
	size_t chl = tls_client_hello(ch, sni, 1), o = 0;
	pt[o++] = 0x06;
	pt[o++] = 0x00;
	pt[o++] = (uint8_t)(0x40 | (chl >> 8));
	pt[o++] = (uint8_t)chl;
	memcpy(pt + o, ch, chl);
	o += chl;
	size_t ptlen = 1162;       /* header 22 (incl. pn) + ptlen + tag 16 = 1200 */
	memset(pt + o, 0, ptlen - o);

	size_t hl = 0;
	p[hl++] = 0xc3;            /* long header, Initial, 4-byte packet number */
	put32(p + hl, 1); hl += 4;
	p[hl++] = 8; memcpy(p + hl, dcid, 8); hl += 8;
	p[hl++] = 0;               /* no source connection id */
	p[hl++] = 0;               /* no token */
	size_t len = 4 + ptlen + 16;
	put16(p + hl, (unsigned)(0x4000 | len)); hl += 2;
	size_t pn_off = hl;
	put32(p + hl, 0); hl += 4;

	gcry_cipher_hd_t c;
	gcry_cipher_open(&c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0);
	gcry_cipher_setkey(c, key, 16);
	gcry_cipher_setiv(c, iv, 12); /* packet number 0: nonce = iv */
	gcry_cipher_authenticate(c, p, hl);
	gcry_cipher_encrypt(c, p + hl, ptlen, pt, ptlen);
	gcry_cipher_gettag(c, p + hl + ptlen, 16);
	gcry_cipher_close(c);

	uint8_t mask[16];
	gcry_cipher_open(&c, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0);
	gcry_cipher_setkey(c, hp, 16);
	gcry_cipher_encrypt(c, mask, 16, p + pn_off + 4, 16);
	gcry_cipher_close(c);
	p[0] ^= mask[0] & 0x0f;
	for (int i = 0; i < 4; i++)
		p[pn_off + (size_t)i] ^= mask[1 + i];
	return hl + ptlen + 16;
}

static size_t mqtt_connect(uint8_t *p, unsigned id)
{
	char cid[32];
	int n = snprintf(cid, sizeof(cid), "streetlight-%05u", id);
	static const uint8_t var[] = { 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60 };
	p[0] = 0x10;
	p[1] = (uint8_t)(sizeof(var) + 2 + (size_t)n);
	memcpy(p + 2, var, sizeof(var));
	put16(p + 2 + sizeof(var), (unsigned)n);
	memcpy(p + 4 + sizeof(var), cid, (size_t)n);
	return 4 + sizeof(var) + (size_t)n;
}

static size_t mqtt_publish(uint8_t *p, unsigned id, size_t want)
{
	char topic[48];
	int n = snprintf(topic, sizeof(topic), "city/lights/%05u/state", id);
	size_t body = want > (size_t)n + 8 ? want - 2 : (size_t)n + 8;
	if (body > 127)
		body = 127;
	p[0] = 0x30;
	p[1] = (uint8_t)body;
	put16(p + 2, (unsigned)n);
	memcpy(p + 4, topic, (size_t)n);
	memset(p + 4 + n, '7', body - 2 - (size_t)n);
	return 2 + body;
}

static size_t modbus(uint8_t *p, uint16_t tid, int resp)
{
	put16(p, tid); put16(p + 2, 0);
	if (!resp) {
		put16(p + 4, 6); p[6] = 1; p[7] = 3; put16(p + 8, 0); put16(p + 10, 10);
		return 12;
	}
	put16(p + 4, 23); p[6] = 1; p[7] = 3; p[8] = 20;
	memset(p + 9, 0, 20);
	return 29;
}

static size_t coap(uint8_t *p, uint16_t mid, int resp, unsigned bay)
{
	if (resp) {
		p[0] = 0x60; p[1] = 0x45; put16(p + 2, mid); p[4] = 0xff;
		memcpy(p + 5, "{\"free\":1}", 10);
		return 15;
	}
	char seg[16];
	int n = snprintf(seg, sizeof(seg), "bay%u", bay % 1000);
	p[0] = 0x40; p[1] = 0x01; put16(p + 2, mid);
	p[4] = 0xb7; memcpy(p + 5, "parking", 7);
	p[12] = (uint8_t)n; memcpy(p + 13, seg, (size_t)n);
	return 13 + (size_t)n;
}

/* ---- flows ------------------------------------------------------------------ */

static unsigned gtp_pct = 30, v6_pct = 10;
static unsigned mix[F_NTYPES];

static uint32_t pareto(double alpha, double xm, uint32_t cap)
{
	double u = 1.0 - rndu();
	double v = xm / pow(u, 1.0 / alpha) - xm;
	return v > cap ? cap : (uint32_t)v;
}

static void new_flow(struct gflow *f)
{
	unsigned r = (unsigned)(rnd() % 100), acc = 0, t = 0;
	for (t = 0; t < F_NTYPES - 1; t++) {
		acc += mix[t];
		if (r < acc)
			break;
	}
	memset(f, 0, sizeof(*f));
	f->type = (uint8_t)t;
	f->v6 = (uint8_t)(rnd() % 100 < v6_pct);
	f->gtp = (uint8_t)(!f->v6 && rnd() % 100 < gtp_pct);
	uint32_t host = (uint32_t)(rnd() % 60000), srv = (uint32_t)(rnd() % 4000);
	if (f->v6) {
		static const uint8_t pc[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0 };
		static const uint8_t ps[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99, 0, 0 };
		memcpy(f->cip, pc, 8); put32(f->cip + 12, host + 1);
		memcpy(f->sip, ps, 8); put32(f->sip + 12, srv + 1);
	} else {
		f->cip[0] = 10; f->cip[1] = f->gtp ? 45 : 10;
		f->cip[2] = (uint8_t)(host >> 8); f->cip[3] = (uint8_t)(host | 1);
		static const uint8_t nets[3][3] = { {192,0,2}, {198,51,100}, {203,0,113} };
		memcpy(f->sip, nets[srv % 3], 3); f->sip[3] = (uint8_t)(1 + srv % 250);
		if (srv >= 750) { f->sip[0] = 100; f->sip[1] = (uint8_t)(64 + srv / 250); f->sip[2] = (uint8_t)srv; }
	}
	f->cport = (uint16_t)(49152 + rnd() % 16384);  /* IANA ephemeral range */
	static const uint16_t ports[F_NTYPES] = { 443, 80, 53, 443, 1883, 5683, 502, 123, 9000, 20000 };
	f->sport = ports[t];
	if (t == F_NTP)
		f->cport = 123;
	if (t == F_COAP)
		f->cport = 5683;
	f->host = (uint16_t)(rnd() % NHOSTS);
	if (f->gtp) {
		f->gnb = (uint8_t)(host % 4);
		f->upf = (uint8_t)(host % 2);
		f->teid_ul = 0x10000000u | host;
		f->teid_dl = 0x20000000u | host;
		f->qfi = (host % 10 == 0) ? 5 : 9;
	}
	f->cseq = (uint32_t)rnd();
	f->sseq = (uint32_t)rnd();
	switch (t) {
	case F_DNS: case F_NTP:
		f->data_total = 0;
		break;
	case F_COAP:
		f->data_total = pareto(1.5, 1.0, 50);
		break;
	default:
		f->data_total = pareto(1.2, 2.0, 20000);
	}
	f->data_left = f->data_total;
}

static size_t imix_payload(int tcp, int v6)
{
	unsigned r = (unsigned)(rnd() % 12);
	size_t frame_len = r < 7 ? 64 : r < 11 ? 594 : 1518;
	size_t hdr = 14 + (v6 ? 40 : 20) + (tcp ? 20 : 8);
	return frame_len > hdr + 4 ? frame_len - 4 - hdr : 6;
}

/* Emit the next packet of f into out; returns its length, 0 when f is done. */
static size_t next_packet(struct gflow *f, uint8_t *out)
{
	uint8_t ip[MAXPKT + 64], pl[1400];
	size_t plen = 0, l = 0;
	int up = 1, tcp = 1;
	uint8_t flags = 0x18;
	uint32_t s = f->step++;

	switch (f->type) {
	case F_DNS:
		tcp = 0;
		if (s > 1)
			return 0;
		up = s == 0;
		plen = dns_msg(pl, (uint16_t)(f->cport ^ 0x5a5a), hosts[f->host], !up);
		break;
	case F_NTP:
		tcp = 0;
		if (s > 1)
			return 0;
		up = s == 0;
		memset(pl, 0, 48);
		pl[0] = up ? 0x23 : 0x24;
		pl[1] = up ? 0 : 2;
		plen = 48;
		break;
	case F_COAP:
		tcp = 0;
		if (s >= 2 + 2 * f->data_total)
			return 0;
		up = (s & 1) == 0;
		plen = coap(pl, (uint16_t)(f->cport + s / 2), !up, f->host * 7u + s);
		break;
	case F_QUIC:
	case F_OTHER_UDP:
		tcp = 0;
		if (s == 0) {
			if (f->type == F_QUIC) {
				plen = quic_initial(pl, hosts[f->host]);
			} else {
				plen = 172;
				pl[0] = 0x80; pl[1] = 96;
				put16(pl + 2, 0); put32(pl + 4, 0); put32(pl + 8, f->cport);
				memset(pl + 12, 0x55, plen - 12);
			}
		} else {
			if (s > 1 + f->data_total)
				return 0;
			up = rnd() % 4 == 0;
			plen = imix_payload(0, f->v6);
			if (plen < 40)
				plen = 40;
			if (f->type == F_QUIC) {
				/* Handshake packets: long header, protected payload */
				size_t h = 0;
				pl[h++] = 0xe3;
				put32(pl + h, 1); h += 4;
				pl[h++] = 8;
				for (int i = 0; i < 8; i++)
					pl[h++] = (uint8_t)(f->cport + i);
				pl[h++] = 0;
				put16(pl + h, (unsigned)(0x4000 | (plen - h - 2))); h += 2;
				for (size_t i = h; i < plen; i++)
					pl[i] = (uint8_t)rnd();
			} else {
				/* RTP-like media: version 2, payload type 96 */
				pl[0] = 0x80; pl[1] = 96;
				put16(pl + 2, s); put32(pl + 4, s * 160); put32(pl + 8, f->cport);
				memset(pl + 12, (int)(s & 0xff), plen - 12);
			}
		}
		break;
	default: {
		/* TCP: SYN, SYN/ACK, ACK, request, response, data..., FIN, FIN, ACK */
		uint32_t d = f->data_total;
		if (s == 0) { flags = 0x02; }
		else if (s == 1) { flags = 0x12; up = 0; }
		else if (s == 2) { flags = 0x10; }
		else if (s == 3) {
			switch (f->type) {
			case F_TLS: plen = tls_client_hello(pl, hosts[f->host], 0); break;
			case F_HTTP:
				plen = (size_t)snprintf((char *)pl, sizeof(pl),
					"GET /api/v1/item/%u HTTP/1.1\r\nHost: %s\r\n"
					"User-Agent: CityKiosk/2.%u\r\nAccept: */*\r\n\r\n",
					(unsigned)(rnd() % 100000), hosts[f->host], f->host);
				break;
			case F_MQTT: plen = mqtt_connect(pl, f->cport); break;
			case F_MODBUS: plen = modbus(pl, 1, 0); break;
			default:
				plen = 120;
				for (size_t i = 0; i < plen; i++)
					pl[i] = (uint8_t)rnd();
			}
		} else if (s == 4) {
			up = 0;
			switch (f->type) {
			case F_TLS: plen = tls_server_hello(pl); break;
			case F_HTTP:
				/* the body runs to the close: its size is not known here */
				plen = (size_t)snprintf((char *)pl, sizeof(pl),
					"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
					"Connection: close\r\n\r\n");
				break;
			case F_MQTT: memcpy(pl, "\x20\x02\x00\x00", 4); plen = 4; break;
			case F_MODBUS: plen = modbus(pl, 1, 1); break;
			default: plen = 80; memset(pl, 0x42, plen);
			}
		} else if (s < 5 + d) {
			up = f->type == F_MQTT || f->type == F_MODBUS ? (s & 1) : (rnd() % 4 == 0);
			if (f->type == F_HTTP)
				up = 0; /* one GET, then its body: nothing more to send */
			if (f->type == F_MQTT) {
				if (up) {
					plen = mqtt_publish(pl, f->cport, imix_payload(1, f->v6));
				} else { /* PINGRESP */
					pl[0] = 0xd0;
					pl[1] = 0;
					plen = 2;
				}
			} else if (f->type == F_MODBUS) {
				plen = modbus(pl, (uint16_t)s, !up);
			} else {
				plen = imix_payload(1, f->v6);
				if (f->type == F_TLS) {
					pl[0] = 0x17; pl[1] = 3; pl[2] = 3;
					put16(pl + 3, (unsigned)(plen > 5 ? plen - 5 : 0));
					for (size_t i = 5; i < plen; i++)
						pl[i] = (uint8_t)rnd();
				} else {
					memset(pl, 'x', plen);
				}
			}
		} else if (s == 5 + d) { flags = 0x11; }
		else if (s == 6 + d) { flags = 0x11; up = 0; }
		else if (s == 7 + d) { flags = 0x10; }
		else
			return 0;
		if (s == 0 || s == 1 || s == 2 || s >= 5 + d)
			plen = plen ? plen : 0;
		uint32_t seq = up ? f->cseq : f->sseq, ack = up ? f->sseq : f->cseq;
		if (s == 0)
			ack = 0;
		l = build_ip(ip, f, up, 1, flags, seq, ack, pl, plen);
		uint32_t adv = (uint32_t)plen + ((flags & 0x03) ? 1u : 0u);
		if (up)
			f->cseq += adv;
		else
			f->sseq += adv;
		return frame(out, f, up, ip, l);
	}
	}
	l = build_ip(ip, f, up, tcp, 0, 0, 0, pl, plen);
	return frame(out, f, up, ip, l);
}

/* --syn-flood N: N SYNs from N distinct spoofed sources (10.128.0.0/9 and
 * up) to 10.50.0.80:80, 1 us apart, while --long L established TCP
 * connections (10.60.0.x -> 10.50.0.81:443, handshake first) exchange a data
 * packet every 1000 flood packets and close at the end: the flow-table
 * exhaustion test's capture. */
static void put_tcp(uint8_t *b, const uint8_t src[4], const uint8_t dst[4], unsigned sp,
		    unsigned dp, uint8_t flags, uint32_t seq, uint32_t ack, unsigned plen)
{
	static const uint8_t eth[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0 };

	memcpy(b, eth, 14);
	uint8_t *ip = b + 14;
	memset(ip, 0, 40);
	ip[0] = 0x45;
	put16(ip + 2, 40 + plen);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put16(ip + 10, csum_fin(csum_add(0, ip, 20)));
	uint8_t *t = ip + 20;
	put16(t, sp);
	put16(t + 2, dp);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 0x50;
	t[13] = flags;
	put16(t + 14, 65535);
	memset(t + 20, 'x', plen);
}

static int syn_flood(const char *out, uint64_t n, unsigned nlong)
{
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pd ? pcap_dump_open(pd, out) : NULL;
	uint8_t b[256];
	uint64_t us = 1795000000ULL * 1000000;
	static const uint8_t victim[4] = { 10, 50, 0, 80 }, server[4] = { 10, 50, 0, 81 };
	uint32_t *seq = calloc(nlong ? nlong : 1, sizeof(*seq));

	if (!d || !seq)
		return 1;
#define DUMP(L_)                                                               \
	do {                                                                   \
		struct pcap_pkthdr h_;                                         \
		h_.ts.tv_sec = (time_t)(us / 1000000);                         \
		h_.ts.tv_usec = (suseconds_t)(us % 1000000);                   \
		h_.caplen = h_.len = (bpf_u_int32)(L_);                        \
		pcap_dump((u_char *)d, &h_, b);                                \
		us++;                                                          \
	} while (0)
	for (unsigned i = 0; i < nlong; i++) { /* the long connections open */
		uint8_t c[4] = { 10, 60, (uint8_t)(i >> 8), (uint8_t)i };
		put_tcp(b, c, server, 40000, 443, 0x02, 1000, 0, 0);
		DUMP(54);
		put_tcp(b, server, c, 443, 40000, 0x12, 5000, 1001, 0);
		DUMP(54);
		put_tcp(b, c, server, 40000, 443, 0x10, 1001, 5001, 0);
		DUMP(54);
		seq[i] = 1001;
	}
	for (uint64_t k = 0; k < n; k++) {
		uint32_t a = 0x0a800000u + (uint32_t)k; /* 10.128.0.0 + k: distinct */
		uint8_t src[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8),
				   (uint8_t)a };
		put_tcp(b, src, victim, 1024 + (unsigned)(k % 60000), 80, 0x02, (uint32_t)k, 0, 0);
		DUMP(54);
		if (nlong && k % 1000 == 999) {
			unsigned i = (unsigned)((k / 1000) % nlong);
			uint8_t c[4] = { 10, 60, (uint8_t)(i >> 8), (uint8_t)i };
			put_tcp(b, c, server, 40000, 443, 0x18, seq[i], 5001, 100);
			DUMP(154);
			seq[i] += 100;
		}
	}
	for (unsigned i = 0; i < nlong; i++) { /* ... and close */
		uint8_t c[4] = { 10, 60, (uint8_t)(i >> 8), (uint8_t)i };
		put_tcp(b, c, server, 40000, 443, 0x11, seq[i], 5001, 0);
		DUMP(54);
		put_tcp(b, server, c, 443, 40000, 0x11, 5001, seq[i] + 1, 0);
		DUMP(54);
	}
#undef DUMP
	pcap_dump_close(d);
	pcap_close(pd);
	free(seq);
	fprintf(stderr, "vigia-gen: %s: SYN flood of %llu sources, %u long connections\n", out,
		(unsigned long long)n, nlong);
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp,
"usage: vigia-gen -o FILE [-n PACKETS] [-c CONCURRENT] [-s SEED]\n"
"                 [--gtp PCT] [--ipv6 PCT] [--mix T:P,...] [--gap-us US]\n"
"  -n  packets to write (default 2000000)\n"
"  -c  flows in progress at once (default 20000)\n"
"  -s  seed (default 1)\n"
"  --gtp   share of IPv4 flows inside GTP-U, percent (default 30)\n"
"  --ipv6  share of flows over IPv6, percent (default 10)\n"
"  --mix   flow mix in percent, e.g. tls:28,http:12,dns:20,quic:8,mqtt:8,\n"
"          coap:6,modbus:4,ntp:4,tcp:5,udp:5 (the default)\n"
"  --gap-us mean time between packets, microseconds (default 2)\n"
"  --syn-flood N [--long L]  instead: N SYNs from N distinct sources, with L\n"
"          established connections alongside (flow-table exhaustion test)\n");
}

int main(int argc, char **argv)
{
	static const char *names[F_NTYPES] = { "tls", "http", "dns", "quic", "mqtt",
					       "coap", "modbus", "ntp", "tcp", "udp" };
	static const struct option lo[] = {
		{ "gtp", required_argument, NULL, 'g' }, { "ipv6", required_argument, NULL, '6' },
		{ "mix", required_argument, NULL, 'm' }, { "gap-us", required_argument, NULL, 'G' },
		{ "syn-flood", required_argument, NULL, 'F' }, { "long", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	uint64_t npkts = 2000000, seed = 1;
	unsigned conc = 20000;
	double gap_us = 2.0;
	uint64_t flood = 0;
	unsigned nlong = 0;
	const char *out = NULL;
	int c;

	memcpy(mix, mix_default, sizeof(mix));
	while ((c = getopt_long(argc, argv, "o:n:c:s:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'n': npkts = strtoull(optarg, NULL, 10); break;
		case 'c': conc = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'g': gtp_pct = (unsigned)strtoul(optarg, NULL, 10); break;
		case '6': v6_pct = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'G': gap_us = strtod(optarg, NULL); break;
		case 'F': flood = strtoull(optarg, NULL, 10); break;
		case 'L': nlong = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': {
			unsigned sum = 0;
			memset(mix, 0, sizeof(mix));
			char *dup = strdup(optarg), *save = NULL;
			for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				char *colon = strchr(tok, ':');
				int found = 0;
				if (!colon)
					break;
				*colon = 0;
				for (int t = 0; t < F_NTYPES; t++)
					if (!strcmp(tok, names[t])) {
						mix[t] = (unsigned)strtoul(colon + 1, NULL, 10);
						sum += mix[t];
						found = 1;
					}
				if (!found) {
					fprintf(stderr, "vigia-gen: unknown flow type '%s'\n", tok);
					return 2;
				}
			}
			free(dup);
			if (sum != 100) {
				fprintf(stderr, "vigia-gen: --mix must sum to 100 (got %u)\n", sum);
				return 2;
			}
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!out || !npkts || !conc || gtp_pct > 100 || v6_pct > 100 || gap_us <= 0) {
		usage(stderr);
		return 2;
	}
	if (!gcry_check_version(NULL))
		return 1;
	if (flood)
		return syn_flood(out, flood, nlong);
	rs = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pd ? pcap_dump_open(pd, out) : NULL;
	if (!d) {
		fprintf(stderr, "vigia-gen: %s: %s\n", out, pd ? pcap_geterr(pd) : "pcap");
		return 1;
	}
	struct gflow *fl = calloc(conc, sizeof(*fl));
	if (!fl)
		return 1;
	for (unsigned i = 0; i < conc; i++)
		new_flow(&fl[i]);
	uint8_t buf[MAXPKT + 128];
	double t = 1795000000.0 * 1e6;
	uint64_t flows = conc, written = 0;
	while (written < npkts) {
		struct gflow *f = &fl[rnd() % conc];
		size_t len = next_packet(f, buf);
		if (!len) {
			new_flow(f);
			flows++;
			continue;
		}
		t += -log(1.0 - rndu()) * gap_us;
		struct pcap_pkthdr h;
		uint64_t us = (uint64_t)t;
		h.ts.tv_sec = (time_t)(us / 1000000);
		h.ts.tv_usec = (suseconds_t)(us % 1000000);
		h.caplen = h.len = (bpf_u_int32)len;
		pcap_dump((u_char *)d, &h, buf);
		written++;
	}
	pcap_dump_close(d);
	pcap_close(pd);
	free(fl);
	fprintf(stderr, "vigia-gen: %s: %llu packets, %llu flows started\n", out,
		(unsigned long long)written, (unsigned long long)flows);
	return 0;
}
