#include "iotproto.h"
#include "wire.h"

#include <string.h>

#define BIT(a) (1u << (a))

/* A C string for the events from bytes on the wire: cut to cap - 1, bytes
 * outside printable ASCII (control bytes, NUL, UTF-8 sequences) as '?'.
 * Appends at *n, which it moves; cap >= 1. */
static void put_print(char *out, size_t cap, size_t *n, const uint8_t *v, size_t l)
{
	size_t k = *n;

	for (size_t i = 0; i < l && k + 1 < cap; i++)
		out[k++] = v[i] >= 0x20 && v[i] <= 0x7e ? (char)v[i] : '?';
	out[k] = 0;
	*n = k;
}

static void copy_print(char *out, size_t cap, const uint8_t *v, size_t l)
{
	size_t n = 0;

	put_print(out, cap, &n, v, l);
}

/* ------------------------------------------------------------------ MQTT */

static const char *const mqtt_anomaly_names[] = {
#define X_(e, s) s,
	MQTT_ANOMALIES(X_)
#undef X_
};

const char *mqtt_anomaly_name(unsigned a)
{
	return a < MQTT_A_MAX ? mqtt_anomaly_names[a] : NULL;
}

const char *mqtt_type_name(unsigned type)
{
	static const char *const names[16] = {
		"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
		"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
		"UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
	};
	return type < 16 ? names[type] : "RESERVED";
}

/* Reading inside one packet, after its fixed header: the remaining length
 * announces plen bytes, the segment holds the first avail of them (avail <=
 * plen). A field that would end past plen is the packet's fault (RD_BAD:
 * bad_length); one that ends past avail only the segment's (RD_CUT: the
 * packet is already marked truncated, the field stays unset). */
struct rd {
	const uint8_t *p;
	size_t o, avail, plen;
};

enum { RD_OK = 0, RD_BAD = 1, RD_CUT = 2 };

static int need(const struct rd *r, size_t k)
{
	if (k > r->plen - r->o)
		return RD_BAD;
	if (k > r->avail - r->o)
		return RD_CUT;
	return RD_OK;
}

static int rd_u8(struct rd *r, uint8_t *v)
{
	int e = need(r, 1);
	if (e)
		return e;
	*v = r->p[r->o++];
	return RD_OK;
}

static int rd_u16(struct rd *r, uint16_t *v)
{
	int e = need(r, 2);
	if (e)
		return e;
	*v = rd16(r->p + r->o);
	r->o += 2;
	return RD_OK;
}

static int rd_bytes(struct rd *r, size_t k, const uint8_t **v)
{
	int e = need(r, k);
	if (e)
		return e;
	*v = r->p + r->o;
	r->o += k;
	return RD_OK;
}

/* A UTF-8 string or binary data: 2-byte length, then the bytes. out NULL:
 * skipped (a password, a will message). */
static int rd_str(struct rd *r, char *out, size_t cap, uint16_t *slen)
{
	uint16_t l;
	const uint8_t *v;
	int e = rd_u16(r, &l);

	if (e)
		return e;
	if (slen)
		*slen = l;
	if ((e = rd_bytes(r, l, &v)))
		return e;
	if (out)
		copy_print(out, cap, v, l);
	return RD_OK;
}

/* 5.0 properties: a variable byte integer length, then that many bytes we
 * do not need. */
static int rd_props(struct rd *r)
{
	uint32_t l = 0;

	for (unsigned i = 0;; i++) {
		uint8_t b;
		int e;
		if (i == 4)
			return RD_BAD;
		if ((e = rd_u8(r, &b)))
			return e;
		l |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	const uint8_t *v;
	return rd_bytes(r, l, &v);
}

/* The fixed header at p: type and flags, then the remaining length, 7 bits
 * a byte, low first, at most 4 bytes (MQTT 3.1.1 §2.2.3). RD_CUT: the
 * segment ends inside it; RD_BAD: a fifth byte would be needed. */
static int fixed_header(const uint8_t *p, size_t len, uint32_t *rl, size_t *hl)
{
	uint32_t v = 0;

	for (size_t i = 0; i < 4; i++) {
		if (1 + i >= len) {
			*hl = len;
			return RD_CUT;
		}
		uint8_t b = p[1 + i];
		v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*rl = v;
			*hl = 2 + i;
			return RD_OK;
		}
	}
	*hl = 5;
	return RD_BAD;
}

static void rd_connect(struct rd *r, struct mqtt_pkt *pk)
{
	struct mqtt_connect *c = &pk->connect;
	uint8_t fl;
	int e;

	if ((e = rd_str(r, c->proto, sizeof(c->proto), NULL)) || (e = rd_u8(r, &c->level)) ||
	    (e = rd_u8(r, &fl)))
		goto out;
	c->flags = fl;
	c->clean_session = fl >> 1 & 1;
	c->will = fl >> 2 & 1;
	c->will_qos = fl >> 3 & 3;
	c->will_retain = fl >> 5 & 1;
	c->has_password = fl >> 6 & 1;
	c->has_username = fl >> 7 & 1;
	c->cleartext_credentials = c->has_username | c->has_password;
	if (fl & 1)
		pk->anomalies |= BIT(MQTT_A_RESERVED_FLAG);
	if (c->will_qos == 3)
		pk->anomalies |= BIT(MQTT_A_INVALID_QOS);
	else if (!c->will && (c->will_qos || c->will_retain))
		pk->anomalies |= BIT(MQTT_A_RESERVED_FLAG);
	/* 3.1.1 §3.1.2.9 needs a user name for a password; 5.0 dropped that */
	if (c->has_password && !c->has_username && c->level != 5)
		pk->anomalies |= BIT(MQTT_A_MISSING_FIELD);
	if ((e = rd_u16(r, &c->keepalive)))
		goto out;
	if (c->level == 5 && (e = rd_props(r)))
		goto out;
	/* payload: client id, will (properties, topic, message), user name,
	 * password, in that order, each there when its flag says so */
	if ((e = rd_str(r, c->client_id, sizeof(c->client_id), &c->client_id_len)))
		goto out;
	if (c->will && ((c->level == 5 && (e = rd_props(r))) || (e = rd_str(r, NULL, 0, NULL)) ||
			(e = rd_str(r, NULL, 0, NULL))))
		goto out;
	if (c->has_username && (e = rd_str(r, NULL, 0, NULL)))
		goto out;
	if (c->has_password && (e = rd_str(r, NULL, 0, NULL)))
		goto out;
	if (r->o != r->plen)
		e = RD_BAD; /* bytes after the last field */
out:
	if (e == RD_BAD)
		pk->anomalies |= BIT(MQTT_A_BAD_LENGTH);
}

static void rd_publish(struct rd *r, struct mqtt_pkt *pk)
{
	struct mqtt_publish *m = &pk->publish;
	int e;

	m->qos = pk->flags >> 1 & 3;
	m->dup = pk->flags >> 3 & 1;
	m->retain = pk->flags & 1;
	if (m->qos == 3)
		pk->anomalies |= BIT(MQTT_A_INVALID_QOS);
	else if (m->dup && m->qos == 0) /* 3.1.1 §3.3.1.1 */
		pk->anomalies |= BIT(MQTT_A_RESERVED_FLAG);
	if ((e = rd_str(r, m->topic, sizeof(m->topic), &m->topic_len)))
		goto out;
	/* a packet id only with QoS 1 and 2: QoS 3 is no QoS, what follows
	 * the topic is counted as payload */
	if (m->qos == 1 || m->qos == 2) {
		if ((e = rd_u16(r, &pk->packet_id)))
			goto out;
		pk->has_packet_id = 1;
		if (pk->packet_id == 0)
			pk->anomalies |= BIT(MQTT_A_MISSING_FIELD);
	}
	m->payload_len = (uint32_t)(r->plen - r->o);
out:
	if (e == RD_BAD)
		pk->anomalies |= BIT(MQTT_A_BAD_LENGTH);
}

/* The filters of an (UN)SUBSCRIBE after its packet id, in the 3.1.1 layout
 * or the 5.0 one (properties first; option bits for no-local, retain as
 * published, retain handling). pk NULL: a dry run that only says whether
 * the layout fits, RD_BAD also for what 3.1.1 forbids and a 5.0 packet read
 * the 3.1.1 way shows (an empty filter, option bits above the QoS). */
static int sub_walk(struct rd *r, int sub, int v5, struct mqtt_pkt *pk)
{
	int e;

	if (v5 && (e = rd_props(r)))
		return e;
	while (r->o < r->plen) {
		uint16_t l;
		const uint8_t *v;
		uint8_t opt = 0;
		if ((e = rd_u16(r, &l)) || (e = rd_bytes(r, l, &v)) || (sub && (e = rd_u8(r, &opt))))
			return e;
		if (!pk) {
			if (!v5 && (l == 0 || opt > 3))
				return RD_BAD;
			continue;
		}
		struct mqtt_sub *s = &pk->sub;
		if ((opt & 3) == 3)
			pk->anomalies |= BIT(MQTT_A_INVALID_QOS);
		/* 3.1.1: all above the QoS reserved; 5.0: the top two, and
		 * retain handling 3 (§3.8.3.1) */
		if (v5 ? (opt & 0xc0) || (opt & 0x30) == 0x30 : opt & 0xfc)
			pk->anomalies |= BIT(MQTT_A_RESERVED_FLAG);
		if (s->nfilter < MQTT_MAX_FILTERS) {
			struct mqtt_filter *f = &s->filter[s->nfilter++];
			f->qos = opt & 3;
			f->options = opt;
			copy_print(f->topic, sizeof(f->topic), v, l);
		}
		s->filters++;
	}
	return RD_OK;
}

static void rd_sub(struct rd *r, struct mqtt_pkt *pk)
{
	int sub = pk->type == MQTT_SUBSCRIBE, e;

	if ((e = rd_u16(r, &pk->packet_id)))
		goto out;
	pk->has_packet_id = 1;
	if (pk->packet_id == 0)
		pk->anomalies |= BIT(MQTT_A_MISSING_FIELD);
	/* the level is the session's, not in this packet: 3.1.1 unless that
	 * layout cannot be and the 5.0 one can */
	struct rd t3 = *r, t5 = *r;
	pk->sub.v5 = sub_walk(&t3, sub, 0, NULL) == RD_BAD && sub_walk(&t5, sub, 1, NULL) != RD_BAD;
	e = sub_walk(r, sub, pk->sub.v5, pk);
	if (e == RD_OK && pk->sub.filters == 0)
		pk->anomalies |= BIT(MQTT_A_MISSING_FIELD);
out:
	if (e == RD_BAD)
		pk->anomalies |= BIT(MQTT_A_BAD_LENGTH);
}

static void rd_body(struct rd *r, struct mqtt_pkt *pk)
{
	uint8_t b;
	int e = RD_OK;

	switch (pk->type) {
	case MQTT_CONNECT:
		rd_connect(r, pk);
		return;
	case MQTT_PUBLISH:
		rd_publish(r, pk);
		return;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		rd_sub(r, pk);
		return;
	case MQTT_CONNACK:
		/* acknowledge flags (session present, the rest reserved), code;
		 * 5.0 properties after */
		if ((e = rd_u8(r, &b)))
			break;
		pk->connack.session_present = b & 1;
		if (b & 0xfe)
			pk->anomalies |= BIT(MQTT_A_RESERVED_FLAG);
		if ((e = rd_u8(r, &pk->connack.code)))
			break;
		pk->connack.has_code = 1;
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		/* the packet id first; 5.0 reason codes and properties after
		 * it are not read. A SUBACK has a code per filter: 3 at least */
		if (pk->type == MQTT_SUBACK && r->plen < 3) {
			e = RD_BAD;
			break;
		}
		if ((e = rd_u16(r, &pk->packet_id)))
			break;
		pk->has_packet_id = 1;
		if (pk->packet_id == 0)
			pk->anomalies |= BIT(MQTT_A_MISSING_FIELD);
		break;
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		if (r->plen)
			e = RD_BAD;
		break;
	default: /* DISCONNECT, AUTH: 5.0 reason and properties, not read */
		break;
	}
	if (e == RD_BAD)
		pk->anomalies |= BIT(MQTT_A_BAD_LENGTH);
}

/* fixed-header flags each type must carry (3.1.1 §2.2.2); PUBLISH's are
 * DUP, QoS and retain, checked with it */
static int flags_ok(uint8_t type, uint8_t flags)
{
	if (type == MQTT_PUBLISH)
		return 1;
	if (type == MQTT_PUBREL || type == MQTT_SUBSCRIBE || type == MQTT_UNSUBSCRIBE)
		return flags == 2;
	return flags == 0;
}

static void pkt_init(struct mqtt_pkt *pk, uint8_t type)
{
	/* the header fields, and the union member the type reads: the
	 * others are not looked at, no need to clear a kilobyte a packet */
	memset(pk, 0, offsetof(struct mqtt_pkt, connect));
	pk->type = type;
	switch (type) {
	case MQTT_CONNECT:
		memset(&pk->connect, 0, sizeof(pk->connect));
		break;
	case MQTT_CONNACK:
		memset(&pk->connack, 0, sizeof(pk->connack));
		break;
	case MQTT_PUBLISH:
		memset(&pk->publish, 0, sizeof(pk->publish));
		break;
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		memset(&pk->sub, 0, offsetof(struct mqtt_sub, filter));
		break;
	default:
		break;
	}
}

int mqtt_parse(const uint8_t *p, size_t len, struct mqtt_pkt *out, unsigned max, unsigned *n)
{
	unsigned k = 0;
	size_t o = 0, hl;
	uint32_t rl;

	if (n)
		*n = 0;
	/* type 0 is reserved: text, TLS, zeros are not MQTT; neither is a
	 * first length the encoding cannot carry */
	if (!p || len == 0 || p[0] >> 4 == 0 || fixed_header(p, len, &rl, &hl) == RD_BAD)
		return -1;
	if (!out)
		max = 0;
	while (o < len && k < max) {
		struct mqtt_pkt *pk = &out[k++];
		int e = fixed_header(p + o, len - o, &rl, &hl);

		pkt_init(pk, p[o] >> 4);
		pk->flags = p[o] & 0x0f;
		pk->offset = o;
		pk->hdr_len = (uint8_t)hl;
		if (pk->type == 0)
			pk->anomalies |= BIT(MQTT_A_UNKNOWN_TYPE);
		if (!flags_ok(pk->type, pk->flags))
			pk->anomalies |= BIT(MQTT_A_RESERVED_FLAG);
		if (e == RD_CUT) {
			pk->truncated = 1;
			pk->anomalies |= BIT(MQTT_A_TRUNCATED);
			break;
		}
		if (e == RD_BAD) {
			pk->anomalies |= BIT(MQTT_A_BAD_LENGTH);
			break;
		}
		pk->remaining = rl;
		pk->len = hl + rl;
		struct rd r = { p + o + hl, 0, len - o - hl, rl };
		if (r.avail >= rl) {
			r.avail = rl;
		} else {
			pk->truncated = 1;
			pk->anomalies |= BIT(MQTT_A_TRUNCATED);
		}
		if (pk->type == 0)
			break;
		rd_body(&r, pk);
		if (pk->truncated)
			break;
		o += pk->len;
	}
	if (n)
		*n = k;
	return 0;
}

/* ------------------------------------------------------------------ CoAP */

static const char *const coap_anomaly_names[] = {
#define X_(e, s) s,
	COAP_ANOMALIES(X_)
#undef X_
};

const char *coap_anomaly_name(unsigned a)
{
	return a < COAP_A_MAX ? coap_anomaly_names[a] : NULL;
}

const char *coap_type_name(unsigned type)
{
	static const char *const names[4] = { "CON", "NON", "ACK", "RST" };
	return type < 4 ? names[type] : "?";
}

/* "GET" for the request methods (RFC 7252 §12.1.1, RFC 8132), "EMPTY" for
 * 0.00, else class.detail as RFC 7252 writes codes ("2.05", "4.04") */
static void code_str(struct coap_msg *m)
{
	static const char *const method[8] = {
		"EMPTY", "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH",
	};
	if (m->code_class == 0 && m->code_detail < 8) {
		size_t n = 0;
		const char *s = method[m->code_detail];
		put_print(m->code_str, sizeof(m->code_str), &n, (const uint8_t *)s, strlen(s));
		return;
	}
	m->code_str[0] = (char)('0' + m->code_class);
	m->code_str[1] = '.';
	m->code_str[2] = (char)('0' + m->code_detail / 10);
	m->code_str[3] = (char)('0' + m->code_detail % 10);
	m->code_str[4] = 0;
}

/* option delta or length: the nibble, or 13 + one byte, or 269 + two */
static int opt_ext(const uint8_t *p, size_t len, size_t *o, unsigned nib, uint32_t *v)
{
	if (nib < 13) {
		*v = nib;
		return 0;
	}
	if (nib == 13) {
		if (*o + 1 > len)
			return -1;
		*v = 13u + p[*o];
		*o += 1;
		return 0;
	}
	if (*o + 2 > len) /* 14; 15 was refused before */
		return -1;
	*v = 269u + rd16(p + *o);
	*o += 2;
	return 0;
}

static void coap_option(struct coap_msg *m, uint32_t num, const uint8_t *v, size_t l,
			size_t *pathn)
{
	switch (num) {
	case COAP_OPT_URI_HOST:
		copy_print(m->uri_host, sizeof(m->uri_host), v, l);
		break;
	case COAP_OPT_URI_PATH:
		if (m->npath++)
			put_print(m->uri_path, sizeof(m->uri_path), pathn, (const uint8_t *)"/", 1);
		put_print(m->uri_path, sizeof(m->uri_path), pathn, v, l);
		break;
	case COAP_OPT_URI_QUERY:
		m->nquery++;
		break;
	case COAP_OPT_CONTENT_FORMAT:
		/* a uint of 0 to 2 bytes (§5.10); a longer one is not a format */
		if (l <= 2) {
			m->has_content_format = 1;
			m->content_format = (uint16_t)(l == 2 ? rd16(v) : l == 1 ? v[0] : 0);
		}
		break;
	default:
		break;
	}
}

int coap_parse(const uint8_t *p, size_t len, struct coap_msg *m)
{
	size_t o, pathn = 0;
	uint32_t num = 0;

	if (!m)
		return -1;
	memset(m, 0, sizeof(*m));
	if (!p || len < 4)
		return -1;
	m->version = p[0] >> 6;
	if (m->version != 1)
		return -1;
	m->type = p[0] >> 4 & 3;
	m->tkl = p[0] & 0x0f;
	m->code = p[1];
	m->code_class = p[1] >> 5;
	m->code_detail = p[1] & 0x1f;
	m->is_request = m->code_class == 0 && m->code_detail != 0;
	code_str(m);
	m->mid = rd16(p + 2);
	/* token lengths 9 to 15 are reserved (§3) */
	if (m->tkl > 8 || 4u + m->tkl > len) {
		m->anomalies |= BIT(COAP_A_BAD_TOKEN_LENGTH);
		return -1;
	}
	memcpy(m->token, p + 4, m->tkl);
	o = 4u + m->tkl;
	while (o < len) {
		uint8_t b = p[o++];
		if (b == 0xff) {
			/* §3: a marker then nothing is a format error */
			if (o == len) {
				m->anomalies |= BIT(COAP_A_EMPTY_PAYLOAD);
				return -1;
			}
			m->has_payload = 1;
			m->payload_len = len - o;
			break;
		}
		unsigned dn = b >> 4, ln = b & 0x0f;
		uint32_t d, l;
		if (dn == 15 || ln == 15) {
			m->anomalies |= BIT(COAP_A_RESERVED_NIBBLE);
			return -1;
		}
		if (opt_ext(p, len, &o, dn, &d) || opt_ext(p, len, &o, ln, &l) || l > len - o) {
			m->anomalies |= BIT(COAP_A_OPTION_OVERRUN);
			return -1;
		}
		/* numbers are 16 bits; past that nothing is ours, and the sum
		 * must not wrap back onto one that is */
		num = num + d > 0x10000 ? 0x10000 : num + d;
		coap_option(m, num, p + o, l, &pathn);
		m->noptions++;
		o += l;
	}
	return 0;
}
