/* iotproto: the IoT application protocols of the city's sensors, read from
 * one TCP segment or UDP datagram for the per-segment stats events.
 *
 * MQTT 3.1 / 3.1.1 / 5.0 (TCP 1883; 8883 is TLS, nothing to read): each
 * control packet of a segment, its fixed header and the fields telemetry
 * wants (CONNECT client id and credential flags, PUBLISH topic and QoS,
 * SUBSCRIBE / UNSUBSCRIBE filters, CONNACK code) and protocol violations as
 * anomaly bits. The parser sees one segment and keeps no state: a packet
 * that goes on past the segment is reported truncated, with where it would
 * end, so a caller that follows the stream knows how much to skip.
 *
 * CoAP (RFC 7252, UDP 5683): header, method or response code, Uri-Host,
 * Uri-Path, Uri-Query count, Content-Format, payload size.
 *
 * Both read only within [p, p + len), allocate nothing and write only into
 * the caller's structs; strings are NUL terminated within their buffers,
 * cut when longer, bytes outside printable ASCII written as '?'.
 */
#ifndef VIGIA_IOTPROTO_H
#define VIGIA_IOTPROTO_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ MQTT */

#define MQTT_PORT 1883
#define MQTT_ID_CAP 64           /* client id buffer, NUL included */
#define MQTT_PROTO_CAP 8         /* "MQTT", "MQIsdp" */
#define MQTT_TOPIC_CAP 128       /* PUBLISH topic buffer */
#define MQTT_FILTER_CAP 64       /* each SUBSCRIBE / UNSUBSCRIBE filter */
#define MQTT_MAX_FILTERS 8       /* filters kept per packet */

/* control packet types (fixed header, high nibble); 0 is reserved */
enum mqtt_type {
	MQTT_CONNECT = 1, MQTT_CONNACK = 2, MQTT_PUBLISH = 3, MQTT_PUBACK = 4,
	MQTT_PUBREC = 5, MQTT_PUBREL = 6, MQTT_PUBCOMP = 7, MQTT_SUBSCRIBE = 8,
	MQTT_SUBACK = 9, MQTT_UNSUBSCRIBE = 10, MQTT_UNSUBACK = 11,
	MQTT_PINGREQ = 12, MQTT_PINGRESP = 13, MQTT_DISCONNECT = 14,
	MQTT_AUTH = 15,          /* 5.0 only; reserved in 3.1.1 */
};

/* Printable type ("CONNECT"); "RESERVED" for 0 and anything above 15. */
const char *mqtt_type_name(unsigned type);

/* Anomalies: enum value, event name. A packet's `anomalies` has bit
 * (1u << enum mqtt_anomaly) set for each.
 *   invalid_qos    QoS 3: PUBLISH, the will, a subscription
 *   reserved_flag  fixed-header flags other than the type's (0, or 2 for
 *                  PUBREL, SUBSCRIBE, UNSUBSCRIBE), the CONNECT reserved
 *                  bit, DUP with QoS 0, will QoS / retain without a will,
 *                  reserved subscription option bits
 *   bad_length     a remaining length of more than 4 bytes, or one the
 *                  fields overrun or do not fill
 *   unknown_type   type 0
 *   missing_field  packet id 0 where one is needed, an (UN)SUBSCRIBE
 *                  without filters, a 3.1.1 password without user name
 *   truncated      the packet goes on past the segment
 */
#define MQTT_ANOMALIES(X)                                                      \
	X(INVALID_QOS, "mqtt.invalid_qos")                                     \
	X(RESERVED_FLAG, "mqtt.reserved_flag")                                 \
	X(BAD_LENGTH, "mqtt.bad_length")                                       \
	X(UNKNOWN_TYPE, "mqtt.unknown_type")                                   \
	X(MISSING_FIELD, "mqtt.missing_field")                                 \
	X(TRUNCATED, "mqtt.truncated")

enum mqtt_anomaly {
#define X_(e, s) MQTT_A_##e,
	MQTT_ANOMALIES(X_)
#undef X_
	MQTT_A_MAX
};

/* Printable name of anomaly `a` ("mqtt.invalid_qos"); NULL if out of range. */
const char *mqtt_anomaly_name(unsigned a);

struct mqtt_connect {
	char proto[MQTT_PROTO_CAP];      /* protocol name: "MQTT" (3.1.1, 5.0),
	                                  * "MQIsdp" (3.1); kept as sent */
	uint8_t level;                   /* 3: 3.1, 4: 3.1.1, 5: 5.0 */
	uint8_t flags;                   /* connect flags as sent */
	uint8_t clean_session, will, will_qos, will_retain;
	/* from the flags: whether the credentials are in the packet. The
	 * password itself is never copied; the user name neither (an IoT
	 * hub's can hold a device key). cleartext_credentials: either one is,
	 * the caller knows whether the port is TLS. */
	uint8_t has_username, has_password, cleartext_credentials;
	uint16_t keepalive;              /* seconds */
	uint16_t client_id_len;          /* as sent; client_id keeps up to
	                                  * MQTT_ID_CAP - 1 of it */
	char client_id[MQTT_ID_CAP];     /* "" also when 0 length (the broker
	                                  * assigns one) */
};

struct mqtt_publish {
	uint8_t qos, dup, retain;        /* from the fixed-header flags */
	uint16_t topic_len;              /* as sent */
	char topic[MQTT_TOPIC_CAP];
	/* what follows the topic and packet id, as the remaining length
	 * announces (not what the segment holds); in 5.0 the properties
	 * count here, a session's level is not the packet's to tell */
	uint32_t payload_len;
};

struct mqtt_filter {
	uint8_t qos;                     /* requested QoS; 0 in UNSUBSCRIBE */
	uint8_t options;                 /* the whole options octet */
	char topic[MQTT_FILTER_CAP];
};

/* SUBSCRIBE and UNSUBSCRIBE. A 5.0 packet carries properties after the
 * packet id where a 3.1.1 one starts its first filter; the layout that
 * reads the remaining length exactly (3.1.1 first) is taken. */
struct mqtt_sub {
	uint8_t v5;                      /* read as 5.0 (properties skipped) */
	unsigned filters;                /* filters in the packet, as far as
	                                  * the segment went */
	unsigned nfilter;                /* kept: the first MQTT_MAX_FILTERS */
	struct mqtt_filter filter[MQTT_MAX_FILTERS];
};

struct mqtt_connack {
	uint8_t session_present;
	uint8_t code;                    /* 3.1.1 return code, 5.0 reason
	                                  * code: 0 accepted */
	uint8_t has_code;
};

struct mqtt_pkt {
	uint8_t type;                    /* enum mqtt_type */
	uint8_t flags;                   /* fixed header, low nibble */
	uint8_t truncated;               /* goes on past the segment: the
	                                  * fields that were cut are unset */
	uint8_t hdr_len;                 /* fixed header: 2 to 5; when it is
	                                  * itself cut, the bytes there were */
	uint32_t remaining;              /* remaining length as sent; 0 when
	                                  * the fixed header was cut */
	size_t offset;                   /* where it starts in the segment */
	size_t len;                      /* hdr_len + remaining: it ends at
	                                  * offset + len, maybe past the
	                                  * segment; 0 when unknown */
	uint32_t anomalies;              /* bits (1u << enum mqtt_anomaly) */
	uint8_t has_packet_id;           /* PUBLISH QoS 1/2, PUBACK, PUBREC,
	                                  * PUBREL, PUBCOMP, (UN)SUBSCRIBE,
	                                  * SUBACK, UNSUBACK */
	uint16_t packet_id;
	union {                          /* by type; others have nothing */
		struct mqtt_connect connect;
		struct mqtt_connack connack;
		struct mqtt_publish publish;
		struct mqtt_sub sub;
	};
};

/* Reads the MQTT control packets of one TCP segment's payload into
 * out[0 .. *n), at most `max` of them (out may be NULL when max is 0). A
 * segment with more stops at max: the next starts at out[max - 1].offset +
 * out[max - 1].len, for a caller that wants them. Reading also stops after
 * a truncated packet (the segment's end), one of type 0 and one whose
 * remaining length is malformed: what follows cannot be trusted to be a
 * packet boundary.
 *
 * Returns 0 when at least one fixed header was read (its packet may be
 * truncated, even its header cut, or carry anomalies); -1 when the bytes
 * are not MQTT: empty, the first packet of type 0, or the first remaining
 * length longer than 4 bytes. *n is set in both cases (0 on -1). */
int mqtt_parse(const uint8_t *p, size_t len, struct mqtt_pkt *out, unsigned max,
	       unsigned *n);

/* ------------------------------------------------------------------ CoAP */

#define COAP_PORT 5683
#define COAP_HOST_CAP 64                 /* Uri-Host buffer, NUL included */
#define COAP_PATH_CAP 128                /* Uri-Path, segments joined by '/' */

enum coap_type { COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3 };

/* Printable type ("CON"); "?" when out of range. */
const char *coap_type_name(unsigned type);

/* Anomalies, the message format errors of RFC 7252 §3 we name:
 *   bad_token_length  over 8, or longer than the datagram
 *   option_overrun    an option's extended fields or value past the end
 *   reserved_nibble   option delta or length 15 other than the 0xFF
 *                     payload marker
 *   empty_payload     the payload marker with nothing after it
 */
#define COAP_ANOMALIES(X)                                                      \
	X(BAD_TOKEN_LENGTH, "coap.bad_token_length")                           \
	X(OPTION_OVERRUN, "coap.option_overrun")                               \
	X(RESERVED_NIBBLE, "coap.reserved_nibble")                             \
	X(EMPTY_PAYLOAD, "coap.empty_payload")

enum coap_anomaly {
#define X_(e, s) COAP_A_##e,
	COAP_ANOMALIES(X_)
#undef X_
	COAP_A_MAX
};

/* Printable name of anomaly `a`; NULL if out of range. */
const char *coap_anomaly_name(unsigned a);

/* Option numbers read (RFC 7252 §5.10) */
enum {
	COAP_OPT_URI_HOST = 3, COAP_OPT_URI_PATH = 11,
	COAP_OPT_CONTENT_FORMAT = 12, COAP_OPT_URI_QUERY = 15,
};

struct coap_msg {
	uint8_t version;                 /* 1 */
	uint8_t type;                    /* enum coap_type */
	uint8_t tkl;                     /* token length as sent */
	uint8_t code;                    /* class << 5 | detail */
	uint8_t code_class, code_detail;
	uint8_t is_request;              /* class 0, detail 1 to 31 */
	char code_str[8];                /* "GET", "POST", "PUT", "DELETE",
	                                  * "FETCH", "PATCH", "iPATCH"; "EMPTY"
	                                  * for 0.00; else "c.dd" ("2.05") */
	uint16_t mid;                    /* message id */
	uint8_t token[8];                /* the first tkl bytes */
	unsigned noptions;               /* options read */
	char uri_host[COAP_HOST_CAP];    /* "" none */
	char uri_path[COAP_PATH_CAP];    /* "lights/17/state"; "" none */
	unsigned npath;                  /* Uri-Path options */
	unsigned nquery;                 /* Uri-Query options (not copied) */
	uint8_t has_content_format;
	uint16_t content_format;         /* 0 text/plain, 50 json, 60 cbor */
	uint8_t has_payload;
	size_t payload_len;              /* after the 0xFF marker */
	uint32_t anomalies;              /* bits (1u << enum coap_anomaly) */
};

/* Reads one CoAP message (a UDP datagram's payload).
 * 0: read; *m filled.
 * -1: not CoAP (NULL, shorter than the 4-byte header, version other than
 * 1: anomalies 0) or malformed (anomalies says why: token length, option
 * overrun, reserved nibble, marker without payload); the header fields and
 * the options before the fault are filled, for the event. */
int coap_parse(const uint8_t *p, size_t len, struct coap_msg *m);

#endif
