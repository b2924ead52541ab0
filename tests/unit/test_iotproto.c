/* iotproto: MQTT and CoAP on hand-built packets, field by field (every MQTT
 * type, CONNECT 3.1 / 3.1.1 / 5.0 with properties and credentials, PUBLISH
 * at each QoS, (UN)SUBSCRIBE in both layouts, several packets a segment,
 * remaining lengths the encoding cannot carry; CoAP requests, responses,
 * the extended option forms and each format error), every vector cut at
 * every length (exact-size heap copies: ASan sees any read past the end),
 * then the MQTT / CoAP captures of the shared corpus, read with libpcap,
 * with what they hold printed for a reader to check. */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "../../dataplane/decode.h"
#include "../../proto/iotproto.h"

#define A(x) (1u << MQTT_A_##x)
#define CA(x) (1u << COAP_A_##x)

/* ------------------------------------------------------- building packets */

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put(struct buf *x, const void *v, size_t l)
{
	assert_true(x->n + l <= sizeof(x->b));
	memcpy(x->b + x->n, v, l);
	x->n += l;
}

static void put8(struct buf *x, uint8_t v)
{
	put(x, &v, 1);
}

static void put16(struct buf *x, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(x, b, 2);
}

/* an MQTT string: 2-byte length, then the bytes */
static void putstr(struct buf *x, const char *s)
{
	put16(x, (uint16_t)strlen(s));
	put(x, s, strlen(s));
}

/* an MQTT control packet: first byte, the body's length as a variable
 * byte integer, the body; appended to seg */
static void mqtt_pkt(struct buf *seg, uint8_t b0, const struct buf *body)
{
	size_t l = body ? body->n : 0;
	put8(seg, b0);
	do {
		uint8_t d = l & 0x7f;
		l >>= 7;
		put8(seg, (uint8_t)(d | (l ? 0x80 : 0)));
	} while (l);
	if (body)
		put(seg, body->b, body->n);
}

/* ----------------------------------------------------- parsing, checking */

#define MAXP 16

/* what the parser promises whatever the bytes */
static void mqtt_invariants(const struct mqtt_pkt *out, unsigned n, unsigned max, size_t len)
{
	assert_true(n <= max);
	for (unsigned i = 0; i < n; i++) {
		const struct mqtt_pkt *pk = &out[i];
		assert_true(pk->offset < len);
		assert_true(pk->type < 16);
		assert_true(pk->anomalies < (1u << MQTT_A_MAX));
		assert_int_equal(!!(pk->anomalies & A(TRUNCATED)), pk->truncated);
		if (!pk->truncated && pk->len)
			assert_true(pk->offset + pk->len <= len);
		if (pk->truncated || pk->type == 0 || (pk->anomalies & A(BAD_LENGTH) && !pk->len))
			assert_int_equal(i, n - 1); /* nothing after those */
		if (i + 1 < n)
			assert_int_equal(out[i + 1].offset, pk->offset + pk->len);
		switch (pk->type) {
		case MQTT_CONNECT:
			assert_non_null(memchr(pk->connect.client_id, 0, MQTT_ID_CAP));
			assert_non_null(memchr(pk->connect.proto, 0, MQTT_PROTO_CAP));
			break;
		case MQTT_PUBLISH:
			assert_non_null(memchr(pk->publish.topic, 0, MQTT_TOPIC_CAP));
			assert_true(pk->publish.payload_len <= pk->remaining);
			break;
		case MQTT_SUBSCRIBE:
		case MQTT_UNSUBSCRIBE:
			assert_true(pk->sub.nfilter <= MQTT_MAX_FILTERS);
			assert_true(pk->sub.nfilter <= pk->sub.filters);
			for (unsigned f = 0; f < pk->sub.nfilter; f++)
				assert_non_null(memchr(pk->sub.filter[f].topic, 0, MQTT_FILTER_CAP));
			break;
		default:
			break;
		}
	}
}

/* parse from an exact-size heap copy, so ASan sees any read past the end */
static int mqtt_copy(const uint8_t *p, size_t len, struct mqtt_pkt *out, unsigned max,
		     unsigned *n)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, p, len);
	int r = mqtt_parse(b, len, out, max, n);
	free(b);
	assert_true(r == 0 || r == -1);
	if (r == 0)
		mqtt_invariants(out, *n, max, len);
	else
		assert_int_equal(*n, 0);
	return r;
}

/* one whole packet: read, alone, no truncation */
static void mqtt_one(const struct buf *seg, struct mqtt_pkt *pk)
{
	struct mqtt_pkt out[MAXP];
	unsigned n;
	assert_int_equal(mqtt_copy(seg->b, seg->n, out, MAXP, &n), 0);
	assert_int_equal(n, 1);
	assert_false(out[0].truncated);
	assert_int_equal(out[0].offset, 0);
	assert_int_equal(out[0].len, seg->n);
	*pk = out[0];
}

static void coap_invariants(const struct coap_msg *m, int r)
{
	assert_non_null(memchr(m->uri_host, 0, sizeof(m->uri_host)));
	assert_non_null(memchr(m->uri_path, 0, sizeof(m->uri_path)));
	assert_non_null(memchr(m->code_str, 0, sizeof(m->code_str)));
	assert_true(m->anomalies < (1u << COAP_A_MAX));
	if (r == 0)
		assert_int_equal(m->anomalies, 0);
}

static int coap_copy(const uint8_t *p, size_t len, struct coap_msg *m)
{
	uint8_t *b = malloc(len ? len : 1);
	assert_non_null(b);
	memcpy(b, p, len);
	int r = coap_parse(b, len, m);
	free(b);
	assert_true(r == 0 || r == -1);
	coap_invariants(m, r);
	return r;
}

/* ------------------------------------------------------------ MQTT CONNECT */

/* MQTT 3.1.1 CONNECT: user name, password, will (QoS 1, retained), clean
 * session, keepalive 60 */
static const uint8_t connect311[] = {
	0x10, 0x41,                                     /* CONNECT, 65 */
	0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04,           /* "MQTT" level 4 */
	0xee,                                           /* user, password,
	                                                 * will retain, will
	                                                 * QoS 1, will, clean */
	0x00, 0x3c,                                     /* keepalive 60 */
	0x00, 0x0f, 's', 't', 'r', 'e', 'e', 't', 'l', 'i', 'g', 'h', 't', '-', '0', '0', '7',
	0x00, 0x0c, 'c', 'i', 't', 'y', '/', 'l', 'w', 't', '/', '0', '0', '7',
	0x00, 0x07, 'o', 'f', 'f', 'l', 'i', 'n', 'e',  /* will message */
	0x00, 0x05, 'l', 'i', 'g', 'h', 't',            /* user name */
	0x00, 0x06, 's', '3', 'c', 'r', '3', 't',       /* password */
};

static void test_connect_311(void **st)
{
	(void)st;
	struct buf s = { .n = 0 };
	struct mqtt_pkt pk;
	put(&s, connect311, sizeof(connect311));
	mqtt_one(&s, &pk);
	assert_int_equal(pk.type, MQTT_CONNECT);
	assert_string_equal(mqtt_type_name(pk.type), "CONNECT");
	assert_int_equal(pk.flags, 0);
	assert_int_equal(pk.hdr_len, 2);
	assert_int_equal(pk.remaining, 65);
	assert_int_equal(pk.anomalies, 0);
	assert_false(pk.has_packet_id);
	assert_string_equal(pk.connect.proto, "MQTT");
	assert_int_equal(pk.connect.level, 4);
	assert_int_equal(pk.connect.flags, 0xee);
	assert_true(pk.connect.clean_session);
	assert_true(pk.connect.will);
	assert_int_equal(pk.connect.will_qos, 1);
	assert_true(pk.connect.will_retain);
	assert_true(pk.connect.has_username);
	assert_true(pk.connect.has_password);
	assert_true(pk.connect.cleartext_credentials);
	assert_int_equal(pk.connect.keepalive, 60);
	assert_int_equal(pk.connect.client_id_len, 15);
	assert_string_equal(pk.connect.client_id, "streetlight-007");
	/* the password is nowhere in the result */
	assert_null(memmem(&pk, sizeof(pk), "s3cr3t", 6));
}

/* MQTT 5.0 CONNECT: properties (session expiry 3600, receive maximum 10),
 * a will with its own properties, a user name, a client id with UTF-8 */
static void test_connect_v5(void **st)
{
	(void)st;
	struct buf b = { .n = 0 }, s = { .n = 0 };
	struct mqtt_pkt pk;
	putstr(&b, "MQTT");
	put8(&b, 5);
	put8(&b, 0x86); /* user name, will (QoS 0), clean start */
	put16(&b, 30);
	put8(&b, 8);    /* properties: 8 bytes */
	put(&b, "\x11\x00\x00\x0e\x10\x21\x00\x0a", 8);
	putstr(&b, "sensor-\xcf\x80");
	put8(&b, 2);    /* will properties: payload format indicator 1 */
	put(&b, "\x01\x01", 2);
	putstr(&b, "t/will");
	putstr(&b, "bye");
	putstr(&b, "dev1");
	mqtt_pkt(&s, 0x10, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.type, MQTT_CONNECT);
	assert_int_equal(pk.anomalies, 0);
	assert_string_equal(pk.connect.proto, "MQTT");
	assert_int_equal(pk.connect.level, 5);
	assert_true(pk.connect.clean_session);
	assert_true(pk.connect.will);
	assert_int_equal(pk.connect.will_qos, 0);
	assert_false(pk.connect.will_retain);
	assert_true(pk.connect.has_username);
	assert_false(pk.connect.has_password);
	assert_true(pk.connect.cleartext_credentials);
	assert_int_equal(pk.connect.keepalive, 30);
	assert_int_equal(pk.connect.client_id_len, 9);
	assert_string_equal(pk.connect.client_id, "sensor-??");

	/* 5.0 allows a password without a user name; a properties length
	 * past the packet is bad_length */
	memset(&b, 0, sizeof(b));
	memset(&s, 0, sizeof(s));
	putstr(&b, "MQTT");
	put8(&b, 5);
	put8(&b, 0x40);
	put16(&b, 0);
	put8(&b, 0);
	putstr(&b, "");
	putstr(&b, "token");
	mqtt_pkt(&s, 0x10, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_string_equal(pk.connect.client_id, "");
	assert_int_equal(pk.connect.client_id_len, 0);
	assert_false(pk.connect.has_username);
	assert_true(pk.connect.has_password);
	assert_true(pk.connect.cleartext_credentials);
	s.b[2 + 10] = 0x7f; /* properties: 127 bytes */
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
	s.b[2 + 10] = 0xff; /* a properties length of 5 bytes */
	memset(s.b + 2 + 11, 0xff, 4);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
}

/* MQTT 3.1 (IBM's "MQIsdp", level 3) without credentials; a client id
 * longer than the buffer */
static void test_connect_31_long_id(void **st)
{
	(void)st;
	struct buf b = { .n = 0 }, s = { .n = 0 };
	struct mqtt_pkt pk;
	char id[201];
	memset(id, 'k', 200);
	id[200] = 0;
	id[0] = '\n';
	putstr(&b, "MQIsdp");
	put8(&b, 3);
	put8(&b, 0x00);
	put16(&b, 0);
	putstr(&b, id);
	mqtt_pkt(&s, 0x10, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.hdr_len, 3); /* 221 needs two length bytes */
	assert_int_equal(pk.remaining, 6 + 2 + 4 + 202);
	assert_int_equal(pk.anomalies, 0);
	assert_string_equal(pk.connect.proto, "MQIsdp");
	assert_int_equal(pk.connect.level, 3);
	assert_false(pk.connect.clean_session);
	assert_false(pk.connect.cleartext_credentials);
	assert_int_equal(pk.connect.client_id_len, 200);
	assert_int_equal(strlen(pk.connect.client_id), MQTT_ID_CAP - 1);
	assert_int_equal(pk.connect.client_id[0], '?');
	assert_int_equal(pk.connect.client_id[MQTT_ID_CAP - 2], 'k');
}

/* connect flags the specification forbids, fields that overrun or leave
 * bytes over */
static void test_connect_anomalies(void **st)
{
	(void)st;
	static const struct {
		uint8_t flags;
		uint32_t want;
	} cases[] = {
		{ 0x03, A(RESERVED_FLAG) },             /* reserved bit */
		{ 0x1c, A(INVALID_QOS) },               /* will QoS 3 */
		{ 0x08, A(RESERVED_FLAG) },             /* will QoS, no will */
		{ 0x20, A(RESERVED_FLAG) },             /* will retain, no will */
		{ 0x42, A(MISSING_FIELD) },             /* 3.1.1 password alone */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = { .n = 0 }, s = { .n = 0 };
		struct mqtt_pkt pk;
		uint8_t fl = cases[i].flags;
		putstr(&b, "MQTT");
		put8(&b, 4);
		put8(&b, fl);
		put16(&b, 10);
		putstr(&b, "c");
		if (fl & 0x04) {
			putstr(&b, "w");
			putstr(&b, "m");
		}
		if (fl & 0x80)
			putstr(&b, "u");
		if (fl & 0x40)
			putstr(&b, "p");
		mqtt_pkt(&s, 0x10, &b);
		mqtt_one(&s, &pk);
		assert_int_equal(pk.anomalies, cases[i].want);
		assert_string_equal(pk.connect.client_id, "c");
	}

	/* a byte left over after the password */
	struct buf s = { .n = 0 };
	struct mqtt_pkt pk;
	put(&s, connect311, sizeof(connect311));
	s.b[1]++;
	put8(&s, 0);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
	assert_string_equal(pk.connect.client_id, "streetlight-007");
	/* the password announced, the packet ending before it */
	s.n = sizeof(connect311) - 8;
	s.b[1] = (uint8_t)(s.n - 2);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
	assert_true(pk.connect.has_password);
	/* wrong fixed-header flags */
	s.n = 0;
	put(&s, connect311, sizeof(connect311));
	s.b[0] = 0x12;
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(RESERVED_FLAG));
}

/* ------------------------------------------------------------ MQTT PUBLISH */

static void publish(struct buf *s, uint8_t flags, const char *topic, int pid,
		    const char *payload)
{
	struct buf b = { .n = 0 };
	putstr(&b, topic);
	if (pid >= 0)
		put16(&b, (uint16_t)pid);
	put(&b, payload, strlen(payload));
	mqtt_pkt(s, (uint8_t)(0x30 | flags), &b);
}

static void test_publish_qos(void **st)
{
	(void)st;
	struct mqtt_pkt pk;
	struct buf s = { .n = 0 };

	/* QoS 0: no packet id */
	publish(&s, 0x0, "city/lights/017/state", -1, "{\"lum\":40}");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.type, MQTT_PUBLISH);
	assert_int_equal(pk.anomalies, 0);
	assert_int_equal(pk.publish.qos, 0);
	assert_false(pk.publish.dup);
	assert_false(pk.publish.retain);
	assert_false(pk.has_packet_id);
	assert_int_equal(pk.publish.topic_len, 21);
	assert_string_equal(pk.publish.topic, "city/lights/017/state");
	assert_int_equal(pk.publish.payload_len, 10);

	/* QoS 1, DUP (a resend) */
	s.n = 0;
	publish(&s, 0xa, "a/b", 7, "xy");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_int_equal(pk.publish.qos, 1);
	assert_true(pk.publish.dup);
	assert_true(pk.has_packet_id);
	assert_int_equal(pk.packet_id, 7);
	assert_int_equal(pk.publish.payload_len, 2);

	/* QoS 2, retained, empty payload */
	s.n = 0;
	publish(&s, 0x5, "a/b", 0x1234, "");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_int_equal(pk.publish.qos, 2);
	assert_true(pk.publish.retain);
	assert_int_equal(pk.packet_id, 0x1234);
	assert_int_equal(pk.publish.payload_len, 0);

	/* QoS 3: invalid; no packet id read, the rest is payload */
	s.n = 0;
	publish(&s, 0x6, "topicX", -1, "hello");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(INVALID_QOS));
	assert_int_equal(pk.publish.qos, 3);
	assert_false(pk.has_packet_id);
	assert_string_equal(pk.publish.topic, "topicX");
	assert_int_equal(pk.publish.payload_len, 5);
	assert_string_equal(mqtt_anomaly_name(MQTT_A_INVALID_QOS), "mqtt.invalid_qos");

	/* DUP with QoS 0 */
	s.n = 0;
	publish(&s, 0x8, "a", -1, "z");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(RESERVED_FLAG));
	assert_true(pk.publish.dup);

	/* packet id 0 with QoS 1 */
	s.n = 0;
	publish(&s, 0x2, "a", 0, "z");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(MISSING_FIELD));

	/* a topic longer than the packet; a QoS 1 packet with no room for
	 * the id */
	s.n = 0;
	put(&s, "\x30\x04\x00\x0a" "ab", 6);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
	assert_string_equal(pk.publish.topic, "");
	s.n = 0;
	put(&s, "\x32\x03\x00\x01" "a", 5);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
	assert_string_equal(pk.publish.topic, "a");
	assert_false(pk.has_packet_id);

	/* a topic longer than the buffer, with unprintable bytes */
	char t[300];
	memset(t, 'x', sizeof(t) - 1);
	t[299] = 0;
	t[5] = '\x7f';
	s.n = 0;
	publish(&s, 0, t, -1, "p");
	mqtt_one(&s, &pk);
	assert_int_equal(pk.publish.topic_len, 299);
	assert_int_equal(strlen(pk.publish.topic), MQTT_TOPIC_CAP - 1);
	assert_int_equal(pk.publish.topic[5], '?');
	assert_int_equal(pk.publish.payload_len, 1);
}

/* ------------------------------------------------- MQTT (UN)SUBSCRIBE */

static void test_subscribe(void **st)
{
	(void)st;
	struct mqtt_pkt pk;
	struct buf b = { .n = 0 }, s = { .n = 0 };

	/* 3.1.1: packet id 10, three filters at QoS 0, 1, 2 */
	put16(&b, 10);
	putstr(&b, "city/lights/+/state");
	put8(&b, 0);
	putstr(&b, "city/parking/#");
	put8(&b, 1);
	putstr(&b, "city/alarms");
	put8(&b, 2);
	mqtt_pkt(&s, 0x82, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.type, MQTT_SUBSCRIBE);
	assert_int_equal(pk.flags, 2);
	assert_int_equal(pk.anomalies, 0);
	assert_true(pk.has_packet_id);
	assert_int_equal(pk.packet_id, 10);
	assert_false(pk.sub.v5);
	assert_int_equal(pk.sub.filters, 3);
	assert_int_equal(pk.sub.nfilter, 3);
	assert_string_equal(pk.sub.filter[0].topic, "city/lights/+/state");
	assert_int_equal(pk.sub.filter[0].qos, 0);
	assert_string_equal(pk.sub.filter[1].topic, "city/parking/#");
	assert_int_equal(pk.sub.filter[1].qos, 1);
	assert_string_equal(pk.sub.filter[2].topic, "city/alarms");
	assert_int_equal(pk.sub.filter[2].qos, 2);

	/* the same with flags 0, and with a filter at QoS 3 */
	s.b[0] = 0x80;
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(RESERVED_FLAG));
	s.b[0] = 0x82;
	s.b[s.n - 1] = 3;
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(INVALID_QOS));
	assert_int_equal(pk.sub.filter[2].qos, 3);

	/* 5.0: properties (subscription identifier 5), options with no-local
	 * and retain handling 1 */
	memset(&b, 0, sizeof(b));
	s.n = 0;
	put16(&b, 11);
	put(&b, "\x02\x0b\x05", 3);
	putstr(&b, "a/b");
	put8(&b, 0x15);
	mqtt_pkt(&s, 0x82, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_true(pk.sub.v5);
	assert_int_equal(pk.packet_id, 11);
	assert_int_equal(pk.sub.nfilter, 1);
	assert_string_equal(pk.sub.filter[0].topic, "a/b");
	assert_int_equal(pk.sub.filter[0].qos, 1);
	assert_int_equal(pk.sub.filter[0].options, 0x15);
	/* 5.0 with no properties; retain handling 3 is reserved */
	memset(&b, 0, sizeof(b));
	s.n = 0;
	put16(&b, 12);
	put8(&b, 0);
	putstr(&b, "a/b");
	put8(&b, 0x32);
	mqtt_pkt(&s, 0x82, &b);
	mqtt_one(&s, &pk);
	assert_true(pk.sub.v5);
	assert_int_equal(pk.anomalies, A(RESERVED_FLAG));
	assert_int_equal(pk.sub.filter[0].qos, 2);

	/* ten filters: eight kept, all counted */
	memset(&b, 0, sizeof(b));
	s.n = 0;
	put16(&b, 13);
	for (int i = 0; i < 10; i++) {
		char f[8] = "f/0";
		f[2] = (char)('0' + i);
		putstr(&b, f);
		put8(&b, 1);
	}
	mqtt_pkt(&s, 0x82, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_int_equal(pk.sub.filters, 10);
	assert_int_equal(pk.sub.nfilter, MQTT_MAX_FILTERS);
	assert_string_equal(pk.sub.filter[7].topic, "f/7");

	/* no filter at all; packet id 0 */
	s.n = 0;
	put(&s, "\x82\x02\x00\x05", 4);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(MISSING_FIELD));
	s.n = 0;
	put(&s, "\x82\x06\x00\x00\x00\x01" "a\x00", 8);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(MISSING_FIELD));
	assert_string_equal(pk.sub.filter[0].topic, "a");
	/* a filter overrunning the packet, in both layouts */
	s.n = 0;
	put(&s, "\x82\x06\x00\x01\x00\x09" "ab", 8);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
}

static void test_unsubscribe(void **st)
{
	(void)st;
	struct mqtt_pkt pk;
	struct buf b = { .n = 0 }, s = { .n = 0 };

	put16(&b, 20);
	putstr(&b, "city/lights/+/state");
	putstr(&b, "city/alarms");
	mqtt_pkt(&s, 0xa2, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.type, MQTT_UNSUBSCRIBE);
	assert_int_equal(pk.anomalies, 0);
	assert_int_equal(pk.packet_id, 20);
	assert_false(pk.sub.v5);
	assert_int_equal(pk.sub.filters, 2);
	assert_string_equal(pk.sub.filter[0].topic, "city/lights/+/state");
	assert_string_equal(pk.sub.filter[1].topic, "city/alarms");
	assert_int_equal(pk.sub.filter[1].qos, 0);
	s.b[0] = 0xa0;
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(RESERVED_FLAG));

	/* 5.0: empty properties first */
	memset(&b, 0, sizeof(b));
	s.n = 0;
	put16(&b, 21);
	put8(&b, 0);
	putstr(&b, "a/b");
	mqtt_pkt(&s, 0xa2, &b);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_true(pk.sub.v5);
	assert_int_equal(pk.sub.filters, 1);
	assert_string_equal(pk.sub.filter[0].topic, "a/b");
}

/* ------------------------------------------------ MQTT acks and the rest */

static void test_other_types(void **st)
{
	(void)st;
	static const struct {
		const char *bytes;
		size_t n;
		uint8_t type;
		int pid;       /* -1: none */
		uint32_t want;
	} cases[] = {
		{ "\x40\x02\x00\x07", 4, MQTT_PUBACK, 7, 0 },
		{ "\x50\x02\x00\x08", 4, MQTT_PUBREC, 8, 0 },
		{ "\x62\x02\x00\x09", 4, MQTT_PUBREL, 9, 0 },
		{ "\x60\x02\x00\x09", 4, MQTT_PUBREL, 9, A(RESERVED_FLAG) },
		{ "\x70\x02\x00\x0a", 4, MQTT_PUBCOMP, 10, 0 },
		{ "\x40\x04\x00\x0b\x10\x00", 6, MQTT_PUBACK, 11, 0 }, /* 5.0: reason, props */
		{ "\x40\x02\x00\x00", 4, MQTT_PUBACK, 0, A(MISSING_FIELD) },
		{ "\x40\x01\x00", 3, MQTT_PUBACK, -1, A(BAD_LENGTH) },
		{ "\x90\x05\x00\x0a\x00\x01\x02", 7, MQTT_SUBACK, 10, 0 },
		{ "\x90\x02\x00\x0a", 4, MQTT_SUBACK, -1, A(BAD_LENGTH) },
		{ "\xb0\x02\x00\x14", 4, MQTT_UNSUBACK, 20, 0 },
		{ "\xc0\x00", 2, MQTT_PINGREQ, -1, 0 },
		{ "\xd0\x00", 2, MQTT_PINGRESP, -1, 0 },
		{ "\xc0\x01\x00", 3, MQTT_PINGREQ, -1, A(BAD_LENGTH) },
		{ "\xc1\x00", 2, MQTT_PINGREQ, -1, A(RESERVED_FLAG) },
		{ "\xe0\x00", 2, MQTT_DISCONNECT, -1, 0 },
		{ "\xe0\x02\x8e\x00", 4, MQTT_DISCONNECT, -1, 0 },     /* 5.0 */
		{ "\xf0\x02\x18\x00", 4, MQTT_AUTH, -1, 0 },           /* 5.0 */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf s = { .n = 0 };
		struct mqtt_pkt pk;
		put(&s, cases[i].bytes, cases[i].n);
		mqtt_one(&s, &pk);
		assert_int_equal(pk.type, cases[i].type);
		assert_int_equal(pk.anomalies, cases[i].want);
		assert_int_equal(pk.has_packet_id, cases[i].pid >= 0);
		if (cases[i].pid >= 0)
			assert_int_equal(pk.packet_id, cases[i].pid);
	}

	/* CONNACK: session present, return code 5 (not authorised) */
	struct buf s = { .n = 0 };
	struct mqtt_pkt pk;
	put(&s, "\x20\x02\x01\x05", 4);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.type, MQTT_CONNACK);
	assert_int_equal(pk.anomalies, 0);
	assert_true(pk.connack.session_present);
	assert_true(pk.connack.has_code);
	assert_int_equal(pk.connack.code, 5);
	/* 5.0: reason 0x86 (bad user name or password), properties */
	s.n = 0;
	put(&s, "\x20\x05\x00\x86\x02\x21\x00", 7);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, 0);
	assert_false(pk.connack.session_present);
	assert_int_equal(pk.connack.code, 0x86);
	s.n = 0;
	put(&s, "\x20\x02\x02\x00", 4);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(RESERVED_FLAG));
	s.n = 0;
	put(&s, "\x20\x01\x00", 3);
	mqtt_one(&s, &pk);
	assert_int_equal(pk.anomalies, A(BAD_LENGTH));
	assert_false(pk.connack.has_code);

	for (unsigned t = 0; t < 16; t++)
		assert_non_null(mqtt_type_name(t));
	assert_string_equal(mqtt_type_name(0), "RESERVED");
	assert_string_equal(mqtt_type_name(99), "RESERVED");
	assert_string_equal(mqtt_type_name(MQTT_UNSUBACK), "UNSUBACK");
	for (unsigned a = 0; a < MQTT_A_MAX; a++)
		assert_non_null(mqtt_anomaly_name(a));
	assert_null(mqtt_anomaly_name(MQTT_A_MAX));
	assert_string_equal(mqtt_anomaly_name(MQTT_A_TRUNCATED), "mqtt.truncated");
}

/* ----------------------------------------------- MQTT segments, lengths */

static void test_several_packets(void **st)
{
	(void)st;
	struct mqtt_pkt out[MAXP];
	unsigned n;
	struct buf s = { .n = 0 };

	/* a CONNECT and a PUBLISH in one segment, as a client sends them */
	put(&s, connect311, sizeof(connect311));
	publish(&s, 0x2, "city/lights/007/state", 1, "on");
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].type, MQTT_CONNECT);
	assert_string_equal(out[0].connect.client_id, "streetlight-007");
	assert_int_equal(out[1].type, MQTT_PUBLISH);
	assert_int_equal(out[1].offset, sizeof(connect311));
	assert_int_equal(out[1].offset + out[1].len, s.n);
	assert_string_equal(out[1].publish.topic, "city/lights/007/state");
	assert_int_equal(out[1].packet_id, 1);
	assert_int_equal(out[0].anomalies | out[1].anomalies, 0);

	/* more packets than room: stop at max, the caller goes on from the
	 * last one's end */
	s.n = 0;
	put(&s, "\xc0\x00\xd0\x00\x40\x02\x00\x03", 8);
	assert_int_equal(mqtt_copy(s.b, s.n, out, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].type, MQTT_PINGRESP);
	size_t next = out[1].offset + out[1].len;
	assert_int_equal(next, 4);
	assert_int_equal(mqtt_copy(s.b + next, s.n - next, out, 2, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].type, MQTT_PUBACK);
	assert_int_equal(out[0].packet_id, 3);
	/* max 0: only whether it is MQTT */
	assert_int_equal(mqtt_parse(s.b, s.n, NULL, 0, &n), 0);
	assert_int_equal(n, 0);

	/* the second packet of type 0: named, and the end of reading */
	s.n = 0;
	put(&s, "\xc0\x00\x00\x00\xc0\x00", 6);
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].anomalies, 0);
	assert_int_equal(out[1].type, 0);
	assert_int_equal(out[1].anomalies, A(UNKNOWN_TYPE));

	/* a PUBLISH whose payload goes on into the next segment */
	s.n = 0;
	put(&s, "\xc0\x00", 2);
	put(&s, "\x30\x90\x4e\x00\x03" "a/b" "....", 12); /* 10000 */
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), 0);
	assert_int_equal(n, 2);
	assert_true(out[1].truncated);
	assert_int_equal(out[1].anomalies, A(TRUNCATED));
	assert_int_equal(out[1].hdr_len, 3);
	assert_int_equal(out[1].remaining, 10000);
	assert_int_equal(out[1].len, 10003);
	assert_string_equal(out[1].publish.topic, "a/b");
	assert_int_equal(out[1].publish.payload_len, 10000 - 5);
}

static void test_remaining_length(void **st)
{
	(void)st;
	struct mqtt_pkt out[MAXP];
	unsigned n;
	struct buf s = { .n = 0 };

	/* five length bytes: not MQTT when first */
	put(&s, "\x30\xff\xff\xff\xff\x01\x00\x01" "a", 9);
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), -1);
	assert_int_equal(n, 0);
	/* ... malformed after a sound packet */
	s.n = 0;
	put(&s, "\xc0\x00\x30\x80\x80\x80\x80\x01", 8);
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[1].type, MQTT_PUBLISH);
	assert_int_equal(out[1].anomalies, A(BAD_LENGTH));
	assert_int_equal(out[1].len, 0);
	/* four bytes, the largest: 268435455, truncated here */
	s.n = 0;
	put(&s, "\x30\xff\xff\xff\x7f\x00\x01" "a", 8);
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].hdr_len, 5);
	assert_int_equal(out[0].remaining, 268435455);
	assert_int_equal(out[0].len, 268435460);
	assert_true(out[0].truncated);
	assert_string_equal(out[0].publish.topic, "a");
	/* the header itself cut: a packet of known type, nothing else */
	s.n = 0;
	put(&s, "\x30\xff\xff", 3);
	assert_int_equal(mqtt_copy(s.b, s.n, out, MAXP, &n), 0);
	assert_int_equal(n, 1);
	assert_true(out[0].truncated);
	assert_int_equal(out[0].hdr_len, 3);
	assert_int_equal(out[0].remaining, 0);
	assert_int_equal(out[0].len, 0);
}

static void test_not_mqtt(void **st)
{
	(void)st;
	struct mqtt_pkt out[MAXP];
	unsigned n = 99;
	assert_int_equal(mqtt_parse(NULL, 4, out, MAXP, &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(mqtt_copy((const uint8_t *)"", 0, out, MAXP, &n), -1);
	assert_int_equal(mqtt_copy((const uint8_t *)"\x00\x00", 2, out, MAXP, &n), -1);
	assert_int_equal(mqtt_copy((const uint8_t *)"\x0f\x02\x00\x01", 4, out, MAXP, &n), -1);
}

/* every vector, and all of them in one segment, cut at every length */
static void test_mqtt_truncation(void **st)
{
	(void)st;
	static struct buf vec[10];
	struct buf *v = vec;
	struct buf all = { .n = 0 };
	struct mqtt_pkt out[MAXP];
	unsigned n;

	memset(vec, 0, sizeof(vec));
	put(v++, connect311, sizeof(connect311));
	{
		struct buf b = { .n = 0 };
		putstr(&b, "MQTT");
		put8(&b, 5);
		put8(&b, 0xc6);
		put16(&b, 30);
		put(&b, "\x05\x11\x00\x00\x0e\x10", 6);
		putstr(&b, "v5-client");
		put(&b, "\x02\x01\x01", 3);
		putstr(&b, "t/will");
		putstr(&b, "bye");
		putstr(&b, "dev1");
		putstr(&b, "pw");
		mqtt_pkt(v++, 0x10, &b);
	}
	publish(v++, 0x2, "city/lights/007/state", 9, "{\"lum\":40}");
	publish(v++, 0x6, "topicX", -1, "payload");
	{
		struct buf b = { .n = 0 };
		put16(&b, 10);
		putstr(&b, "a/+/c");
		put8(&b, 1);
		putstr(&b, "d/#");
		put8(&b, 2);
		mqtt_pkt(v++, 0x82, &b);
		memset(&b, 0, sizeof(b));
		put16(&b, 11);
		put(&b, "\x02\x0b\x05", 3);
		putstr(&b, "a/b");
		mqtt_pkt(v++, 0xa2, &b);
	}
	put(v++, "\x20\x02\x00\x00\x90\x03\x00\x0a\x01\xc0\x00", 11);
	/* the two last go on past their end: a PUBLISH of 10000 bytes */
	struct buf *whole = v;
	put(v++, "\x30\x90\x4e\x00\x03" "a/b", 8);
	for (struct buf *x = vec; x < v; x++)
		put(&all, x->b, x->n);
	*v++ = all;

	for (struct buf *x = vec; x < v; x++) {
		for (size_t l = 1; l <= x->n; l++) {
			for (unsigned max = 1; max <= MAXP; max += MAXP - 1) {
				assert_int_equal(mqtt_copy(x->b, l, out, max, &n), 0);
				assert_true(n >= 1);
				/* read to the end: the last packet ends there, or
				 * goes on past it */
				const struct mqtt_pkt *last = &out[n - 1];
				if (n == max)
					continue;
				assert_true(last->truncated || last->offset + last->len == l);
				if (l == x->n)
					assert_int_equal(last->truncated, x >= whole);
			}
		}
	}
}

/* ----------------------------------------------------------------- CoAP */

/* CON GET, token 4 bytes, Uri-Host "gw.city.example" (its length in the
 * 13 form), Uri-Path "lights" "17" "state", two Uri-Query */
static const uint8_t coap_get[] = {
	0x44, 0x01, 0x12, 0x34,                         /* v1 CON tkl 4, GET,
	                                                 * mid 0x1234 */
	0xde, 0xad, 0xbe, 0xef,                         /* token */
	0x3d, 0x02, 'g', 'w', '.', 'c', 'i', 't', 'y', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e',
	0x86, 'l', 'i', 'g', 'h', 't', 's',             /* Uri-Path (3 + 8) */
	0x02, '1', '7',
	0x05, 's', 't', 'a', 't', 'e',
	0x46, 'u', 'n', 'i', 't', '=', '1',             /* Uri-Query (11 + 4) */
	0x03, 'x', '=', '2',
};

static void test_coap_get(void **st)
{
	(void)st;
	struct coap_msg m;
	assert_int_equal(coap_copy(coap_get, sizeof(coap_get), &m), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.type, COAP_CON);
	assert_string_equal(coap_type_name(m.type), "CON");
	assert_int_equal(m.tkl, 4);
	assert_memory_equal(m.token, "\xde\xad\xbe\xef", 4);
	assert_int_equal(m.code, 1);
	assert_int_equal(m.code_class, 0);
	assert_int_equal(m.code_detail, 1);
	assert_true(m.is_request);
	assert_string_equal(m.code_str, "GET");
	assert_int_equal(m.mid, 0x1234);
	assert_int_equal(m.noptions, 6);
	assert_string_equal(m.uri_host, "gw.city.example");
	assert_string_equal(m.uri_path, "lights/17/state");
	assert_int_equal(m.npath, 3);
	assert_int_equal(m.nquery, 2);
	assert_false(m.has_content_format);
	assert_false(m.has_payload);
	assert_int_equal(m.payload_len, 0);
	assert_int_equal(m.anomalies, 0);
}

/* the 13 and 14 forms of option delta and length, Content-Format, a
 * payload; a path longer than its buffer */
static void test_coap_extended(void **st)
{
	(void)st;
	struct buf s = { .n = 0 };
	struct coap_msg m;
	uint8_t seg[300];

	put(&s, "\x52\x02\xbe\xef\x01\x02", 6);        /* NON POST, token 2 */
	put(&s, "\xbd\x07", 2);                         /* Uri-Path, length
	                                                 * 13 + 7 */
	put(&s, "parking-bay-0042-xy", 19);
	put8(&s, 'z');
	put(&s, "\x0e\x00\x1f", 3);                     /* Uri-Path, length
	                                                 * 269 + 31 */
	memset(seg, 's', sizeof(seg));
	put(&s, seg, sizeof(seg));
	put(&s, "\x11\x32", 2);                         /* Content-Format 50 */
	put(&s, "\xd1\x23\x07", 3);                     /* Size1 (12 + 13 +
	                                                 * 35 = 60) = 7 */
	put(&s, "\xe0\x06\xb7", 3);                     /* 60 + 269 + 1719 =
	                                                 * 2048, empty */
	put(&s, "\xff{\"on\":1}", 9);
	assert_int_equal(coap_copy(s.b, s.n, &m), 0);
	assert_int_equal(m.type, COAP_NON);
	assert_string_equal(m.code_str, "POST");
	assert_int_equal(m.mid, 0xbeef);
	assert_int_equal(m.noptions, 5);
	assert_int_equal(m.npath, 2);
	assert_int_equal(strlen(m.uri_path), COAP_PATH_CAP - 1);
	assert_memory_equal(m.uri_path, "parking-bay-0042-xyz/sss", 24);
	assert_true(m.has_content_format);
	assert_int_equal(m.content_format, 50);
	assert_true(m.has_payload);
	assert_int_equal(m.payload_len, 8);

	/* a delta of 14 form as the first option: number 269 + 0x1234 */
	s.n = 0;
	put(&s, "\x40\x01\x00\x01\xe1\x12\x34\x00\x31\x05", 10);
	assert_int_equal(coap_copy(s.b, s.n, &m), 0);
	assert_int_equal(m.noptions, 2);
	assert_false(m.has_content_format);
	assert_string_equal(m.uri_path, "");
	/* option numbers past 16 bits do not wrap onto ours */
	s.n = 0;
	put(&s, "\x40\x01\x00\x01", 4);
	for (int i = 0; i < 8; i++)
		put(&s, "\xe0\xff\xff", 3);
	put(&s, "\xb1" "a", 2);
	assert_int_equal(coap_copy(s.b, s.n, &m), 0);
	assert_int_equal(m.npath, 0);
	/* unprintable path bytes */
	s.n = 0;
	put(&s, "\x40\x01\x00\x01\xb3" "a\x01\xff", 8);
	assert_int_equal(coap_copy(s.b, s.n, &m), 0);
	assert_string_equal(m.uri_path, "a??");
}

static void test_coap_responses_methods(void **st)
{
	(void)st;
	struct coap_msg m;
	/* ACK 2.05 Content, piggybacked, JSON */
	assert_int_equal(coap_copy((const uint8_t *)"\x61\x45\x12\x34\x07\xc1\x32\xff" "22.5",
				   12, &m), 0);
	assert_int_equal(m.type, COAP_ACK);
	assert_false(m.is_request);
	assert_int_equal(m.code_class, 2);
	assert_int_equal(m.code_detail, 5);
	assert_string_equal(m.code_str, "2.05");
	assert_int_equal(m.token[0], 7);
	assert_int_equal(m.content_format, 50);
	assert_int_equal(m.payload_len, 4);
	/* empty ACK, RST */
	assert_int_equal(coap_copy((const uint8_t *)"\x60\x00\x12\x34", 4, &m), 0);
	assert_string_equal(m.code_str, "EMPTY");
	assert_false(m.is_request);
	assert_int_equal(coap_copy((const uint8_t *)"\x70\x00\x12\x34", 4, &m), 0);
	assert_int_equal(m.type, COAP_RST);
	assert_string_equal(coap_type_name(COAP_RST), "RST");
	assert_string_equal(coap_type_name(4), "?");

	static const struct {
		uint8_t code;
		const char *s;
	} codes[] = {
		{ 0x01, "GET" }, { 0x02, "POST" }, { 0x03, "PUT" }, { 0x04, "DELETE" },
		{ 0x05, "FETCH" }, { 0x06, "PATCH" }, { 0x07, "iPATCH" }, { 0x08, "0.08" },
		{ 0x41, "2.01" }, { 0x44, "2.04" }, { 0x84, "4.04" }, { 0xa3, "5.03" },
		{ 0xff, "7.31" },
	};
	for (unsigned i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		uint8_t b[4] = { 0x50, codes[i].code, 0, 1 };
		assert_int_equal(coap_copy(b, 4, &m), 0);
		assert_string_equal(m.code_str, codes[i].s);
	}
}

static void test_coap_malformed(void **st)
{
	(void)st;
	static const struct {
		const char *bytes;
		size_t n;
		uint32_t want;          /* 0: not CoAP */
	} cases[] = {
		{ "\x49\x01\x00\x01" "123456789", 13, CA(BAD_TOKEN_LENGTH) }, /* tkl 9 */
		{ "\x4f\x01\x00\x01", 4, CA(BAD_TOKEN_LENGTH) },
		{ "\x44\x01\x00\x01\xaa\xbb", 6, CA(BAD_TOKEN_LENGTH) },       /* cut */
		{ "\x40\x01\x00\x01\xb5" "ab", 7, CA(OPTION_OVERRUN) },
		{ "\x40\x01\x00\x01\xd0", 5, CA(OPTION_OVERRUN) },             /* 13, no byte */
		{ "\x40\x01\x00\x01\xe0\x00", 6, CA(OPTION_OVERRUN) },         /* 14, one */
		{ "\x40\x01\x00\x01\x0d", 5, CA(OPTION_OVERRUN) },
		{ "\x40\x01\x00\x01\x0e\x00", 6, CA(OPTION_OVERRUN) },
		{ "\x40\x01\x00\x01\x0d\x00" "abcdefghijkl", 18, CA(OPTION_OVERRUN) },
		{ "\x40\x01\x00\x01\xf1" "a", 6, CA(RESERVED_NIBBLE) },
		{ "\x40\x01\x00\x01\x1f", 5, CA(RESERVED_NIBBLE) },
		{ "\x40\x01\x00\x01\xff", 5, CA(EMPTY_PAYLOAD) },
		{ "\x40\x01\x00\x01\xb1" "a\xff", 7, CA(EMPTY_PAYLOAD) },
		{ "\x80\x01\x00\x01", 4, 0 },                                  /* version 2 */
		{ "\x00\x01\x00\x01", 4, 0 },
		{ "\x40\x01\x00", 3, 0 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct coap_msg m;
		assert_int_equal(coap_copy((const uint8_t *)cases[i].bytes, cases[i].n, &m), -1);
		assert_int_equal(m.anomalies, cases[i].want);
	}
	struct coap_msg m;
	assert_int_equal(coap_parse(NULL, 4, &m), -1);
	assert_int_equal(coap_parse((const uint8_t *)"\x40\x01\x00\x01", 4, NULL), -1);
	/* the header and the options before the fault are there */
	assert_int_equal(coap_copy((const uint8_t *)"\x41\x03\x00\x09\x07\xb1" "a\xf0", 8, &m),
			 -1);
	assert_string_equal(m.code_str, "PUT");
	assert_int_equal(m.mid, 9);
	assert_string_equal(m.uri_path, "a");
	assert_string_equal(coap_anomaly_name(COAP_A_RESERVED_NIBBLE), "coap.reserved_nibble");
	assert_null(coap_anomaly_name(COAP_A_MAX));
}

static void test_coap_truncation(void **st)
{
	(void)st;
	struct coap_msg m;
	for (size_t l = 0; l <= sizeof(coap_get); l++) {
		int r = coap_copy(coap_get, l, &m);
		if (l < 8)
			assert_int_equal(r, -1);
		/* the cuts between options read what came before */
		if (l == 25 || l == 32 || l == 35 || l == 41 || l == 48)
			assert_int_equal(r, 0);
		if (l == 41)
			assert_string_equal(m.uri_path, "lights/17/state");
	}
	static const uint8_t ext[] = { 0x52, 0x02, 0xbe, 0xef, 0x01, 0x02, 0xbd, 0x01,
				       'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l',
				       'm', 'n', 0xe0, 0x00, 0x01, 0x11, 0x32, 0xff, '{', '}' };
	for (size_t l = 0; l <= sizeof(ext); l++)
		coap_copy(ext, l, &m);
	assert_int_equal(m.payload_len, 2);
}

/* -------------------------------------------------------- the captures */

struct seen {
	unsigned frames, mqtt_segs, mqtt_not, coap_msgs, coap_bad;
	unsigned types[16];
	unsigned anomaly[MQTT_A_MAX], coap_anomaly[COAP_A_MAX];
	unsigned credentials;          /* CONNECTs with credentials */
	char ids[16][MQTT_ID_CAP];
	unsigned nid;
	char topics[32][MQTT_TOPIC_CAP];
	unsigned ntopic;
	char filters[16][MQTT_FILTER_CAP];
	unsigned nfilt;
	char paths[16][COAP_PATH_CAP + 16];
	unsigned npath;
};

#define ADD(tab, n, s)                                                         \
	do {                                                                   \
		unsigned i_;                                                   \
		for (i_ = 0; i_ < (n); i_++)                                   \
			if (!strcmp((tab)[i_], (s)))                           \
				break;                                         \
		if (i_ == (n) && (n) < sizeof(tab) / sizeof((tab)[0]))         \
			snprintf((tab)[(n)++], sizeof((tab)[0]), "%s", (s));   \
	} while (0)

/* is s among the n strings of a table with rows of `stride` bytes */
static int has_(const char *tab, size_t stride, unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(tab + i * stride, s))
			return 1;
	return 0;
}

#define has(tab, n, s) has_((const char *)(tab), sizeof((tab)[0]), (n), (s))

static void see_mqtt(struct seen *s, const uint8_t *p, size_t len)
{
	struct mqtt_pkt out[MAXP];
	unsigned n;

	if (mqtt_parse(p, len, out, MAXP, &n)) {
		s->mqtt_not++;
		return;
	}
	mqtt_invariants(out, n, MAXP, len);
	s->mqtt_segs++;
	for (unsigned i = 0; i < n; i++) {
		const struct mqtt_pkt *pk = &out[i];
		s->types[pk->type]++;
		for (unsigned a = 0; a < MQTT_A_MAX; a++)
			if (pk->anomalies & (1u << a))
				s->anomaly[a]++;
		if (pk->type == MQTT_CONNECT) {
			ADD(s->ids, s->nid, pk->connect.client_id);
			s->credentials += pk->connect.cleartext_credentials;
		} else if (pk->type == MQTT_PUBLISH) {
			ADD(s->topics, s->ntopic, pk->publish.topic);
		} else if (pk->type == MQTT_SUBSCRIBE) {
			for (unsigned f = 0; f < pk->sub.nfilter; f++)
				ADD(s->filters, s->nfilt, pk->sub.filter[f].topic);
		}
	}
}

static void see_coap(struct seen *s, const uint8_t *p, size_t len)
{
	struct coap_msg m;
	char line[COAP_PATH_CAP + 16];

	if (coap_parse(p, len, &m)) {
		s->coap_bad++;
		for (unsigned a = 0; a < COAP_A_MAX; a++)
			if (m.anomalies & (1u << a))
				s->coap_anomaly[a]++;
		return;
	}
	coap_invariants(&m, 0);
	s->coap_msgs++;
	snprintf(line, sizeof(line), "%s %s %s", coap_type_name(m.type), m.code_str,
		 m.uri_path[0] ? m.uri_path : "-");
	ADD(s->paths, s->npath, line);
}

/* the capture under the shared corpus; 1 when it is not there */
static int read_capture(const char *rel, uint16_t mqtt_port, struct seen *s)
{
	char path[512], err[PCAP_ERRBUF_SIZE];
	const char *shared = getenv("SHARED");
	struct pcap_pkthdr *h;
	const uint8_t *data;
	pcap_t *pc;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/corpus/%s", shared ? shared : "../shared", rel);
	if (!(pc = pcap_open_offline(path, err))) {
		print_message("skipped: %s: %s\n", path, err);
		return 1;
	}
	int link = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		struct decoded d;
		s->frames++;
		if (decode_packet(&d, link, data, h->caplen, h->len) != DEC_OK || !d.has_l4 ||
		    !d.payload_len)
			continue;
		if (d.proto == 6 && (d.sport == mqtt_port || d.dport == mqtt_port))
			see_mqtt(s, d.payload, d.payload_len);
		else if (d.proto == 17 && (d.sport == COAP_PORT || d.dport == COAP_PORT))
			see_coap(s, d.payload, d.payload_len);
	}
	pcap_close(pc);

	printf("  %s: %u frames; MQTT (tcp/%u): %u segments, %u not MQTT;", rel, s->frames,
	       mqtt_port, s->mqtt_segs, s->mqtt_not);
	for (unsigned t = 0; t < 16; t++)
		if (s->types[t])
			printf(" %s %u", mqtt_type_name(t), s->types[t]);
	printf("\n    client ids:");
	for (unsigned i = 0; i < s->nid; i++)
		printf(" \"%s\"", s->ids[i]);
	printf(" (%u with clear-text credentials)\n    topics:", s->credentials);
	for (unsigned i = 0; i < s->ntopic; i++)
		printf(" \"%s\"", s->topics[i]);
	printf("\n    subscriptions:");
	for (unsigned i = 0; i < s->nfilt; i++)
		printf(" \"%s\"", s->filters[i]);
	printf("\n    anomalies:");
	for (unsigned a = 0; a < MQTT_A_MAX; a++)
		if (s->anomaly[a])
			printf(" %s %u", mqtt_anomaly_name(a), s->anomaly[a]);
	printf("\n    CoAP: %u messages, %u malformed", s->coap_msgs, s->coap_bad);
	for (unsigned a = 0; a < COAP_A_MAX; a++)
		if (s->coap_anomaly[a])
			printf(" %s %u", coap_anomaly_name(a), s->coap_anomaly[a]);
	for (unsigned i = 0; i < s->npath; i++)
		printf("%s\"%s\"", i ? ", " : "; ", s->paths[i]);
	printf("\n");
	return 0;
}

static unsigned anomalies(const struct seen *s)
{
	unsigned k = 0;
	for (unsigned a = 0; a < MQTT_A_MAX; a++)
		k += s->anomaly[a];
	return k;
}

/* nDPI's MQTT test: two clients (3.1 and an Azure IoT hub's 3.1.1), both
 * with user name and password, one subscription, two topics */
static void test_corpus_ndpi_mqtt(void **st)
{
	(void)st;
	static struct seen s;
	if (read_capture("ndpi-4.2/pcap/mqtt.pcap", MQTT_PORT, &s)) {
		skip();
		return;
	}
	assert_int_equal(s.mqtt_not, 0);
	assert_int_equal(s.types[MQTT_CONNECT], 2);
	assert_int_equal(s.credentials, 2);
	assert_true(has(s.ids, s.nid, "cbaabcbabacbbbbbaaaaab"));
	assert_true(has(s.ids, s.nid, "P47775ID170W2120"));
	assert_int_equal(s.types[MQTT_SUBSCRIBE], 1);
	assert_int_equal(s.nfilt, 1);
	assert_string_equal(s.filters[0], "astr/s720/02D5050223D3/99");
	assert_int_equal(s.types[MQTT_PUBLISH], 2);
	assert_true(has(s.topics, s.ntopic, "astr/admin/otaupd8"));
	assert_true(has(s.topics, s.ntopic, "astr/s720/02D5050223D3/99"));
	assert_int_equal(anomalies(&s), 0);
}

/* nDPI's CoAP + MQTT test: MQTT on tcp/17501 (four buses publishing and
 * acknowledging at QoS 1), CoAP over IPv6 (resource discovery probes,
 * separate responses, PUT/GET/DELETE on /storage) */
static void test_corpus_ndpi_coap_mqtt(void **st)
{
	(void)st;
	static struct seen s;
	if (read_capture("ndpi-4.2/pcap/coap_mqtt.pcap", 17501, &s)) {
		skip();
		return;
	}
	assert_int_equal(s.mqtt_not, 0);
	assert_true(s.types[MQTT_CONNECT] >= 1);
	assert_true(s.types[MQTT_PUBLISH] > 1000);
	assert_true(s.types[MQTT_PUBACK] > 1000);
	assert_int_equal(anomalies(&s), 0);
	assert_int_equal(s.coap_msgs, 19);
	assert_int_equal(s.coap_bad, 0);
	assert_true(has(s.paths, s.npath, "CON PUT storage/myresource"));
	assert_true(has(s.paths, s.npath, "CON GET storage/myresource"));
	assert_true(has(s.paths, s.npath, "CON GET separate"));
}

/* suricata-verify mqtt-events-invalid-qos: its test.yaml wants one
 * invalid_qos_level anomaly (a PUBLISH with QoS 3); the CONNECT carries a
 * user name and password */
static void test_corpus_suricata_invalid_qos(void **st)
{
	(void)st;
	static struct seen s;
	char pat[512];
	const char *shared = getenv("SHARED");
	glob_t g;
	unsigned found = 0;

	snprintf(pat, sizeof(pat), "%s/corpus/suricata-verify/mqtt-events-invalid-qos/*.pcap",
		 shared ? shared : "../shared");
	if (glob(pat, 0, NULL, &g) || g.gl_pathc == 0) {
		print_message("skipped: %s absent\n", pat);
		skip();
		return;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *rel = strstr(g.gl_pathv[i], "suricata-verify/");
		assert_int_equal(read_capture(rel, MQTT_PORT, &s), 0);
		assert_int_equal(s.mqtt_not, 0);
		found += s.anomaly[MQTT_A_INVALID_QOS];
		/* nothing but the QoS is wrong */
		assert_int_equal(anomalies(&s), s.anomaly[MQTT_A_INVALID_QOS]);
		if (s.types[MQTT_CONNECT]) {
			assert_true(has(s.ids, s.nid, "myvoiceismypassport"));
			assert_int_equal(s.credentials, 1);
		}
	}
	globfree(&g);
	assert_int_equal(found, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_311),
		cmocka_unit_test(test_connect_v5),
		cmocka_unit_test(test_connect_31_long_id),
		cmocka_unit_test(test_connect_anomalies),
		cmocka_unit_test(test_publish_qos),
		cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_unsubscribe),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_several_packets),
		cmocka_unit_test(test_remaining_length),
		cmocka_unit_test(test_not_mqtt),
		cmocka_unit_test(test_mqtt_truncation),
		cmocka_unit_test(test_coap_get),
		cmocka_unit_test(test_coap_extended),
		cmocka_unit_test(test_coap_responses_methods),
		cmocka_unit_test(test_coap_malformed),
		cmocka_unit_test(test_coap_truncation),
		cmocka_unit_test(test_corpus_ndpi_mqtt),
		cmocka_unit_test(test_corpus_ndpi_coap_mqtt),
		cmocka_unit_test(test_corpus_suricata_invalid_qos),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
