/* event: the fixed-size records workers hand to the telemetry thread.
 *
 * Workers fill a record in place (no allocation, no formatting); the
 * telemetry thread turns it into one EVE JSON line. Everything a line needs
 * is inside the record, so encoding never reaches back into worker state.
 */
#ifndef VIGIA_EVENT_H
#define VIGIA_EVENT_H

#include <stdint.h>

enum ev_type { EV_FLOW = 1, EV_ANOMALY = 2, EV_STATS = 3, EV_ALERT = 4, EV_SESSION = 5,
	       EV_IOT = 6 };

/* Flow end reasons: enum value, EVE "flow.reason". */
#define EV_FLOW_REASONS(X)                                                     \
	X(TIMEOUT, "timeout")                                                  \
	X(ACTIVE_TIMEOUT, "active_timeout")                                    \
	X(EVICTED, "evicted")                                                  \
	X(TCP_REUSE, "tcp_reuse")                                              \
	X(SHUTDOWN, "shutdown")

enum ev_flow_reason {
#define X_(e, s) EV_REASON_##e,
	EV_FLOW_REASONS(X_)
#undef X_
	EV_REASON_MAX
};

/* Flow states: EVE "flow.state". */
enum ev_flow_state { EV_STATE_NEW = 0, EV_STATE_ESTABLISHED, EV_STATE_CLOSED };

const char *ev_reason_name(unsigned r);
const char *ev_state_name(unsigned s);

/* The endpoints and tunnel context an event is about. src is the client
 * (sender of the flow's first packet). */
struct ev_tuple {
	uint8_t src[16], dst[16];   /* IPv4 in the first 4 bytes */
	uint16_t sport, dport;
	uint8_t ipver, proto;
	uint8_t icmp_type, icmp_code;  /* first packet's, for Community ID */
	uint8_t has_resp_icmp;
	uint8_t resp_icmp_type, resp_icmp_code; /* first toclient packet's */
	uint8_t vlan_count;
	uint16_t vlan[2];
	uint8_t tun_type;           /* decode.h enum dec_tunnel, 0 = none */
	uint8_t has_qfi, qfi;
	uint8_t rqi, has_ppi, ppi;  /* GTP-U downlink: reflective QoS, paging */
	uint8_t outer_ipver;
	uint32_t tun_id[2];         /* TEID/VNI/key seen toserver, toclient */
	uint8_t outer_src[16], outer_dst[16];
	uint64_t seid;              /* GTP-U: the PDU session's SEID, 0 none */
};

/* The PDU session of a tunnelled flow, as the worker knew it when the
 * event was made (EVE "session"). */
struct ev_session {
	uint8_t has;
	uint8_t ue_ipver;            /* 0: UE address not known */
	uint8_t ue[16];
	char dnn[40];
	char subscriber[20];         /* IMSI digits (GTPv2-C, PFCP User ID) */
	char msisdn[20];             /* MSISDN digits, "" none */
};

/* IoT protocol telemetry of one segment over a stats interval, as one
 * worker saw it (EVE "stats" event with an "iot" block). */
#define EV_IOT_SAMPLES 3
struct ev_iot {
	uint32_t interval_s;
	uint32_t mqtt_connects, mqtt_publishes, mqtt_subscribes;
	uint32_t mqtt_cleartext_credentials, mqtt_invalid_qos, mqtt_anomalies;
	uint32_t coap_requests, coap_get, coap_post, coap_put, coap_delete, coap_anomalies;
	char client_ids[EV_IOT_SAMPLES][32];   /* first seen, "" unused */
	char topics[EV_IOT_SAMPLES][48];
	char coap_paths[EV_IOT_SAMPLES][48];
};

/* A PDU session's use of the network, summed over the workers (EVE
 * "session" event; the session's identity is in event.sess). */
#define EV_SESS_APPS 6
enum ev_sess_end { EV_SESS_DELETED = 1, EV_SESS_EXPIRED, EV_SESS_REPLACED,
		   EV_SESS_ACTIVE,     /* active: still up when the run ended */
		   EV_SESS_INTERIM };  /* interim: use over one stats interval */
struct ev_sess {
	uint64_t seid;
	uint64_t start_us, end_us;
	uint8_t end;                 /* enum ev_sess_end */
	uint8_t napps;
	uint64_t pkts[2], bytes[2];  /* [0] uplink (from the UE), [1] downlink */
	uint32_t flows;
	uint32_t rtt_n;              /* TCP handshakes timed */
	uint64_t rtt_sum_us, rtt_min_us, rtt_max_us;
	uint32_t retrans;            /* TCP segments sent again */
	char apps[EV_SESS_APPS][24]; /* applications (nDPI), first seen first */
};

/* What classification (nDPI) learnt about a flow. Strings are NUL
 * terminated, possibly truncated, possibly empty. */
/* Which protocol's name `host` holds. */
enum ev_host_kind { EV_HOST_NONE = 0, EV_HOST_DNS, EV_HOST_HTTP, EV_HOST_TLS,
		    EV_HOST_OTHER };

struct ev_app {
	uint16_t master_id, app_id, category_id;
	uint8_t guessed;            /* label came from ndpi_detection_giveup */
	uint8_t host_kind;          /* enum ev_host_kind */
	char confidence[16];        /* "DPI", "Match by port", ... */
	char master[24], app[24];   /* protocol names, "" when unknown */
	uint64_t risk;              /* bitmask of ndpi_risk_enum */
	char proto[40];             /* "TLS.Google", as ndpiReader labels it */
	char category[32];
	char host[80];              /* DNS query, HTTP Host, TLS/QUIC SNI */
	char user_agent[96];
	char url[96];
	char ja3c[33], ja3s[33];
	char method[8];
	uint16_t http_status;
	uint16_t dns_qtype;
	uint8_t dns_rcode, has_dns;
	uint16_t tls_version;
};

struct ev_flow {
	uint64_t start_us, end_us;
	uint64_t pkts[2], bytes[2];  /* [0] toserver, [1] toclient */
	uint8_t state, reason;
	uint8_t tcp_flags[2];        /* OR of flags seen, per direction */
	uint8_t classified;          /* app below is meaningful */
	uint64_t anomalies;          /* decode.h anomaly bits seen */
	uint32_t icmp_errors;        /* ICMP errors that quoted its packets */
	struct ev_app app;
};

struct ev_anomaly {
	uint16_t kind;               /* decode.h enum dec_anomaly */
	uint8_t has_flow;            /* tuple below is meaningful */
	uint32_t count;              /* occurrences folded into this event */
};

/* Periodic per-worker counters, on packet time. Counters are cumulative
 * since start (consumers take differences); apps are the top labels by
 * bytes of ended flows. */
#define EV_STATS_APPS 8
struct ev_stats {
	uint32_t interval_s;
	uint64_t pkts, bytes, flows_created, flows_ended, flows_active;
	uint64_t flows_evicted, anomalies, not_ip, decode_bad, frag_later;
	uint64_t tunnelled, events_dropped, dpi_pkts;
	uint64_t alerts;
	uint64_t policy_hash;        /* 0: no policy */
	uint64_t policy_reloads_ok, policy_reloads_failed;
	uint8_t napps;
	struct {
		char label[40];
		uint64_t flows, bytes;
	} apps[EV_STATS_APPS];
};

/* An alert: what a SOC acts on. */
#define EV_ALERT_NUMS 6
struct ev_alert {
	uint32_t signature_id;
	uint8_t severity;            /* 1 (highest) .. 4 */
	uint8_t partial;             /* not one flow: EV_ALERT_NO_* bits */
	char signature[96];
	char category[32];
	char detector[16];           /* the detector's id */
	char mitre[3][12];           /* ATT&CK technique ids, "" when none */
	char evidence[160];          /* the rule or list that matched, and what */
	char app[40];                /* nDPI label of the flow, "" if unknown */
	/* the numbers that crossed the threshold: evidence.<key> */
	uint8_t nnum;
	struct {
		char key[20];
		double v;
	} num[EV_ALERT_NUMS];
	char samples_key[16];        /* evidence.<samples_key>: [..] */
	char samples[128];           /* comma separated */
	uint8_t samples_personal;    /* samples are addresses of the UE side:
				      * pseudonyms when the event's src is */
	uint32_t window_ms;          /* the detector's window, 0: none */
	uint32_t repeats;            /* suppressed since the last alert */
};
#define EV_ALERT_NO_SRC 1            /* many sources (a flood) */
#define EV_ALERT_NO_DST 2            /* many targets (a sweep) */
#define EV_ALERT_NO_PORTS 4          /* ports do not name one service */

struct event {
	uint8_t type;                /* enum ev_type */
	uint16_t worker;
	uint64_t ts_us;              /* packet time the event refers to */
	uint64_t flow_id;            /* 0 when not about a flow */
	char segment[32];            /* policy segment, "" when none */
	uint8_t pseudo;              /* bit 0: show src as a pseudonym, bit 1: dst */
	uint8_t clear_subscriber;    /* the segment allows subscriber ids in clear */
	struct ev_tuple t;
	struct ev_session sess;
	union {
		struct ev_flow flow;
		struct ev_anomaly anomaly;
		struct ev_stats stats;
		struct ev_alert alert;
		struct ev_sess session;
		struct ev_iot iot;
	} u;
};

#endif
