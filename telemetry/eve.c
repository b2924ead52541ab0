#include "eve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "community_id.h"

#include <gcrypt.h>
#include "json.h"

struct eve_encoder {
	char sensor[64];
	struct eve_names names;
	uint16_t seed;
	char stats_extra[1024];    /* ,"sink":{...} appended to stats */
	uint8_t pkey[32];          /* pseudonym key (HMAC-SHA256) */
	int has_pkey;
	/* gmtime_r once per second of packet time, not per event */
	time_t cached_sec;
	char cached_prefix[24];
};

struct eve_encoder *eve_encoder_create(const char *sensor,
				       const struct eve_names *names,
				       uint16_t community_id_seed)
{
	struct eve_encoder *e;

	if (!names || !names->anomaly || !names->tunnel || !names->risk) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->sensor, sizeof(e->sensor), "%s", sensor ? sensor : "");
	e->names = *names;
	e->seed = community_id_seed;
	e->cached_sec = (time_t)-1;
	return e;
}

void eve_set_pseudonym_key(struct eve_encoder *e, const uint8_t *key, size_t len)
{
	memset(e->pkey, 0, sizeof(e->pkey));
	memcpy(e->pkey, key, len < sizeof(e->pkey) ? len : sizeof(e->pkey));
	e->has_pkey = 1;
}

/* "pseudo:" + 16 hex digits of HMAC-SHA256(key, bytes): stable for one
 * key, not reversible without it. */
static void pseudo_bytes(struct eve_encoder *e, struct jw *w, const char *key,
			 const void *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t mac[32];
	size_t ml = sizeof(mac);
	char out[7 + 16];
	gcry_mac_hd_t h;

	if (gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL) ||
	    gcry_mac_setkey(h, e->pkey, sizeof(e->pkey)) ||
	    gcry_mac_write(h, in, n) || gcry_mac_read(h, mac, &ml)) {
		memset(mac, 0, sizeof(mac));
	}
	gcry_mac_close(h);
	memcpy(out, "pseudo:", 7);
	for (int i = 0; i < 8; i++) {
		out[7 + 2 * i] = hex[mac[i] >> 4];
		out[8 + 2 * i] = hex[mac[i] & 15];
	}
	if (key) /* NULL: an array's element */
		jw_key(w, key);
	jw_str_plain(w, out, sizeof(out));
}

/* An address: HMAC over version || 16 address bytes. */
static void pseudo_value(struct eve_encoder *e, struct jw *w, const char *key,
			 int ver, const uint8_t *a)
{
	uint8_t in[17];

	in[0] = (uint8_t)ver;
	memcpy(in + 1, a, 16);
	pseudo_bytes(e, w, key, in, sizeof(in));
}

/* A subscriber id: HMAC over "sub:" || digits (never equal to an address's). */
static void pseudo_str(struct eve_encoder *e, struct jw *w, const char *key, const char *s)
{
	char in[32];
	int n = snprintf(in, sizeof(in), "sub:%s", s);

	pseudo_bytes(e, w, key, in, n < (int)sizeof(in) ? (size_t)n : sizeof(in) - 1);
}

void eve_set_stats_extra(struct eve_encoder *e, const char *fragment)
{
	snprintf(e->stats_extra, sizeof(e->stats_extra), "%s",
		 fragment ? fragment : "");
}

void eve_encoder_destroy(struct eve_encoder *e)
{
	free(e);
}

static void fmt_prefix(char *out, size_t cap, time_t sec)
{
	struct tm tm;

	gmtime_r(&sec, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
}

void eve_format_ts(char *out, uint64_t ts_us)
{
	char p[24];

	fmt_prefix(p, sizeof(p), (time_t)(ts_us / 1000000));
	snprintf(out, 40, "%s.%06u+0000", p, (unsigned)(ts_us % 1000000));
}

/* snprintf and inet_ntop dominated the telemetry thread's profile: the
 * hot formats are written by hand. */
static void ts_value(struct eve_encoder *e, struct jw *w, const char *key,
		     uint64_t ts_us)
{
	time_t sec = (time_t)(ts_us / 1000000);
	unsigned us = (unsigned)(ts_us % 1000000);
	char out[40];

	if (sec != e->cached_sec) {
		fmt_prefix(e->cached_prefix, sizeof(e->cached_prefix), sec);
		e->cached_sec = sec;
	}
	size_t n = strlen(e->cached_prefix);
	memcpy(out, e->cached_prefix, n);
	out[n++] = '.';
	for (int i = 5; i >= 0; i--) {
		out[n + (size_t)i] = (char)('0' + us % 10);
		us /= 10;
	}
	n += 6;
	memcpy(out + n, "+0000", 5);
	n += 5;
	jw_key(w, key);
	jw_str_plain(w, out, n);
}

static size_t fmt_u8(char *o, unsigned v)
{
	size_t n = 0;

	if (v >= 100)
		o[n++] = (char)('0' + v / 100);
	if (v >= 10)
		o[n++] = (char)('0' + v / 10 % 10);
	o[n++] = (char)('0' + v % 10);
	return n;
}

/* IPv4 dotted quad, or IPv6 in RFC 5952 form (what inet_ntop prints,
 * without its IPv4-mapped special cases). Returns the length. */
size_t eve_format_ip(char *o, int ver, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (ver == 4) {
		for (int i = 0; i < 4; i++) {
			if (i)
				o[n++] = '.';
			n += fmt_u8(o + n, a[i]);
		}
		o[n] = 0;
		return n;
	}
	uint16_t g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	int best = -1, best_len = 0;
	for (int i = 0; i < 8;) {
		if (g[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	if (best == 0 && (best_len == 6 || (best_len == 5 && g[5] == 0xffff))) {
		/* IPv4-compatible or -mapped: dotted tail, as inet_ntop */
		memcpy(o, best_len == 6 ? "::" : "::ffff:", best_len == 6 ? 2 : 7);
		n = best_len == 6 ? 2 : 7;
		return n + eve_format_ip(o + n, 4, a + 12);
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o[n++] = ':';
			if (i == 0)
				o[n++] = ':';
			i += best_len - 1;
			continue;
		}
		int started = 0;
		for (int s = 12; s >= 0; s -= 4) {
			unsigned d = (g[i] >> s) & 15;
			if (d || started || s == 0) {
				o[n++] = hex[d];
				started = 1;
			}
		}
		if (i < 7)
			o[n++] = ':';
	}
	o[n] = 0;
	return n;
}

static void ip_value(struct jw *w, const char *key, int ver, const uint8_t *a)
{
	char s[48];
	size_t n = eve_format_ip(s, ver, a);

	jw_key(w, key);
	jw_str_plain(w, s, n);
}

static const char *proto_name(uint8_t p, char *tmp, size_t cap)
{
	switch (p) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPv6-ICMP";
	case 132: return "SCTP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 2: return "IGMP";
	case 112: return "VRRP";
	default:
		snprintf(tmp, cap, "%03u", p);
		return tmp;
	}
}

static void lower_copy(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++) {
		char c = s[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	out[i] = 0;
}

/* A PDU session's identity. The UE's address and the subscriber are
 * personal data: pseudonymised where the segment says so, and the
 * subscriber always unless the segment allows clear values. */
static void session_fields(struct eve_encoder *e, struct jw *w, const struct event *ev,
			   uint64_t seid)
{
	if (seid)
		jw_kv_u64(w, "seid", seid);
	if (ev->sess.ue_ipver) {
		if ((ev->pseudo || !ev->clear_subscriber) && e->has_pkey)
			pseudo_value(e, w, "ue_ip", ev->sess.ue_ipver, ev->sess.ue);
		else
			ip_value(w, "ue_ip", ev->sess.ue_ipver, ev->sess.ue);
	}
	if (ev->sess.dnn[0])
		jw_kv_str(w, "dnn", ev->sess.dnn);
	if (ev->sess.subscriber[0]) {
		if (ev->clear_subscriber)
			jw_kv_str(w, "subscriber", ev->sess.subscriber);
		else
			pseudo_str(e, w, "subscriber", ev->sess.subscriber);
	}
	if (ev->sess.msisdn[0]) {
		if (ev->clear_subscriber)
			jw_kv_str(w, "msisdn", ev->sess.msisdn);
		else
			pseudo_str(e, w, "msisdn", ev->sess.msisdn);
	}
}

/* The tunnel a flow came through and its PDU session: on every event
 * about a tunnelled flow, alerts about many flows included when they name
 * it (the detector leaves the tunnel out otherwise). */
static void tunnel_fields(struct eve_encoder *e, struct jw *w, const struct event *ev)
{
	const struct ev_tuple *t = &ev->t;

	if (t->tun_type || t->outer_ipver) {
		jw_key(w, "tunnel");
		jw_obj_open(w);
		const char *tn = t->tun_type ? e->names.tunnel(t->tun_type)
					     : "ip-in-ip";
		int gtp = strcmp(tn, "gtp-u") == 0;
		jw_kv_str(w, "type", tn);
		const char *idk = gtp ? "teid" : strcmp(tn, "gre") == 0 ? "key"
									 : "vni";
		if (t->tun_type && strcmp(tn, "teredo") != 0) { /* Teredo: no id */
			jw_kv_u64(w, idk, t->tun_id[0]);
			if (gtp && t->tun_id[1] != t->tun_id[0] && t->tun_id[1])
				jw_kv_u64(w, "teid_toclient", t->tun_id[1]);
			/* PPTP: each side names the other's call id */
			if (!gtp && !strcmp(idk, "key") && t->tun_id[1] != t->tun_id[0] &&
			    t->tun_id[1])
				jw_kv_u64(w, "key_toclient", t->tun_id[1]);
		}
		if (t->has_qfi)
			jw_kv_u64(w, "qfi", t->qfi);
		if (t->rqi)
			jw_kv_bool(w, "rqi", 1);
		if (t->has_ppi)
			jw_kv_u64(w, "ppi", t->ppi);
		if (t->outer_ipver) {
			ip_value(w, "outer_src", t->outer_ipver, t->outer_src);
			ip_value(w, "outer_dst", t->outer_ipver, t->outer_dst);
		}
		jw_obj_close(w);
	}
	if (ev->sess.has && t->seid) {
		jw_key(w, "session");
		jw_obj_open(w);
		session_fields(e, w, ev, t->seid);
		jw_obj_close(w);
	}
}

static void tuple_fields(struct eve_encoder *e, struct jw *w,
			 const struct event *ev)
{
	const struct ev_tuple *t = &ev->t;
	char tmp[8];

	int ps = (ev->pseudo & 1) && e->has_pkey, pd = (ev->pseudo & 2) && e->has_pkey;
	if (ps)
		pseudo_value(e, w, "src_ip", t->ipver, t->src);
	else
		ip_value(w, "src_ip", t->ipver, t->src);
	if (t->proto == 6 || t->proto == 17 || t->proto == 132)
		jw_kv_u64(w, "src_port", t->sport);
	if (pd)
		pseudo_value(e, w, "dest_ip", t->ipver, t->dst);
	else
		ip_value(w, "dest_ip", t->ipver, t->dst);
	if (t->proto == 6 || t->proto == 17 || t->proto == 132)
		jw_kv_u64(w, "dest_port", t->dport);
	jw_kv_str(w, "proto", proto_name(t->proto, tmp, sizeof(tmp)));
	if (t->proto == 1 || t->proto == 58) {
		jw_kv_u64(w, "icmp_type", t->icmp_type);
		jw_kv_u64(w, "icmp_code", t->icmp_code);
		if (t->has_resp_icmp) {
			jw_kv_u64(w, "response_icmp_type", t->resp_icmp_type);
			jw_kv_u64(w, "response_icmp_code", t->resp_icmp_code);
		}
	}
	if (t->vlan_count) {
		jw_key(w, "vlan");
		jw_arr_open(w);
		for (unsigned i = 0; i < t->vlan_count && i < 2; i++)
			jw_u64(w, t->vlan[i]);
		jw_arr_close(w);
	}
	/* a Community ID over a pseudonymised address could be reversed by
	 * trying the segment's few addresses: left out */
	if (ev->flow_id && !ps && !pd) {
		char cid[40];
		int sp = t->sport, dp = t->dport;
		if (t->proto == 1 || t->proto == 58) {
			sp = t->icmp_type;
			dp = t->icmp_code;
		}
		if (community_id_v1(cid, sizeof(cid), e->seed, t->ipver, t->src,
				    t->dst, t->proto, (uint16_t)sp,
				    (uint16_t)dp) == 0)
			jw_kv_str(w, "community_id", cid);
	}
	tunnel_fields(e, w, ev);
}

/* An alert about many flows: the endpoints that are one, the ports when
 * they name one service. */
static void alert_tuple(struct eve_encoder *e, struct jw *w, const struct event *ev)
{
	const struct ev_tuple *t = &ev->t;
	const struct ev_alert *a = &ev->u.alert;
	int l4 = (t->proto == 6 || t->proto == 17 || t->proto == 132) &&
		 !(a->partial & EV_ALERT_NO_PORTS);
	char tmp[8];

	if (!(a->partial & EV_ALERT_NO_SRC)) {
		if ((ev->pseudo & 1) && e->has_pkey)
			pseudo_value(e, w, "src_ip", t->ipver, t->src);
		else
			ip_value(w, "src_ip", t->ipver, t->src);
		if (l4 && t->sport)
			jw_kv_u64(w, "src_port", t->sport);
	}
	if (!(a->partial & EV_ALERT_NO_DST)) {
		if ((ev->pseudo & 2) && e->has_pkey)
			pseudo_value(e, w, "dest_ip", t->ipver, t->dst);
		else
			ip_value(w, "dest_ip", t->ipver, t->dst);
	}
	if (l4 && t->dport)
		jw_kv_u64(w, "dest_port", t->dport);
	if (t->proto)
		jw_kv_str(w, "proto", proto_name(t->proto, tmp, sizeof(tmp)));
	tunnel_fields(e, w, ev);
}

static void tcp_flags_str(char *out, uint8_t f)
{
	static const char hex[] = "0123456789abcdef";
	out[0] = hex[f >> 4];
	out[1] = hex[f & 15];
	out[2] = 0;
}

static void app_fields(struct eve_encoder *e, struct jw *w,
		       const struct ev_app *a)
{
	jw_key(w, "ndpi");
	jw_obj_open(w);
	jw_kv_str(w, "proto", a->proto);
	if (a->master[0])
		jw_kv_str(w, "master", a->master);
	if (a->app[0])
		jw_kv_str(w, "app", a->app);
	if (a->category[0])
		jw_kv_str(w, "category", a->category);
	if (a->confidence[0])
		jw_kv_str(w, "confidence", a->confidence);
	if (a->guessed)
		jw_kv_bool(w, "guessed", 1);
	if (a->risk) {
		jw_key(w, "risks");
		jw_arr_open(w);
		for (unsigned b = 0; b < 64; b++)
			if (a->risk & (1ULL << b)) {
				const char *n = e->names.risk(b);
				jw_str(w, n ? n : "unknown");
			}
		jw_arr_close(w);
	}
	if (a->host_kind == EV_HOST_OTHER && a->host[0])
		jw_kv_str(w, "hostname", a->host);
	jw_obj_close(w);

	if ((a->host_kind == EV_HOST_DNS && a->host[0]) || a->has_dns) {
		jw_key(w, "dns");
		jw_obj_open(w);
		if (a->host[0])
			jw_kv_str(w, "rrname", a->host);
		if (a->has_dns) {
			jw_kv_u64(w, "rrtype", a->dns_qtype);
			jw_kv_u64(w, "rcode", a->dns_rcode);
		}
		jw_obj_close(w);
	}
	if ((a->host_kind == EV_HOST_HTTP && a->host[0]) || a->user_agent[0] ||
	    a->url[0] || a->method[0] || a->http_status) {
		jw_key(w, "http");
		jw_obj_open(w);
		if (a->host_kind == EV_HOST_HTTP && a->host[0])
			jw_kv_str(w, "hostname", a->host);
		if (a->url[0])
			jw_kv_str(w, "url", a->url);
		if (a->method[0])
			jw_kv_str(w, "http_method", a->method);
		if (a->user_agent[0])
			jw_kv_str(w, "http_user_agent", a->user_agent);
		if (a->http_status)
			jw_kv_u64(w, "status", a->http_status);
		jw_obj_close(w);
	}
	if ((a->host_kind == EV_HOST_TLS && a->host[0]) || a->ja3c[0] ||
	    a->ja3s[0] || a->tls_version) {
		jw_key(w, "tls");
		jw_obj_open(w);
		if (a->host_kind == EV_HOST_TLS && a->host[0])
			jw_kv_str(w, "sni", a->host);
		if (a->tls_version) {
			char v[8];
			snprintf(v, sizeof(v), "%04x", a->tls_version);
			jw_kv_str(w, "version_hex", v);
		}
		if (a->ja3c[0]) {
			jw_key(w, "ja3");
			jw_obj_open(w);
			jw_kv_str(w, "hash", a->ja3c);
			jw_obj_close(w);
		}
		if (a->ja3s[0]) {
			jw_key(w, "ja3s");
			jw_obj_open(w);
			jw_kv_str(w, "hash", a->ja3s);
			jw_obj_close(w);
		}
		jw_obj_close(w);
	}
}

static void flow_fields(struct eve_encoder *e, struct jw *w,
			const struct event *ev)
{
	const struct ev_flow *f = &ev->u.flow;
	char tmp[64];

	if (f->classified && f->app.proto[0]) {
		const char *base = f->app.master[0] ? f->app.master : f->app.app;
		lower_copy(tmp, sizeof(tmp), base[0] ? base : f->app.proto);
		jw_kv_str(w, "app_proto", tmp);
	} else {
		jw_kv_str(w, "app_proto", "failed");
	}
	jw_key(w, "flow");
	jw_obj_open(w);
	jw_kv_u64(w, "pkts_toserver", f->pkts[0]);
	jw_kv_u64(w, "pkts_toclient", f->pkts[1]);
	jw_kv_u64(w, "bytes_toserver", f->bytes[0]);
	jw_kv_u64(w, "bytes_toclient", f->bytes[1]);
	ts_value(e, w, "start", f->start_us);
	ts_value(e, w, "end", f->end_us);
	jw_kv_u64(w, "age", (f->end_us - f->start_us) / 1000000);
	jw_kv_str(w, "state", ev_state_name(f->state));
	jw_kv_str(w, "reason", ev_reason_name(f->reason));
	jw_kv_bool(w, "alerted", 0);
	if (f->icmp_errors)
		jw_kv_u64(w, "icmp_errors", f->icmp_errors);
	jw_obj_close(w);
	if (ev->t.proto == 6) {
		uint8_t all = f->tcp_flags[0] | f->tcp_flags[1];
		jw_key(w, "tcp");
		jw_obj_open(w);
		tcp_flags_str(tmp, all);
		jw_kv_str(w, "tcp_flags", tmp);
		tcp_flags_str(tmp, f->tcp_flags[0]);
		jw_kv_str(w, "tcp_flags_ts", tmp);
		tcp_flags_str(tmp, f->tcp_flags[1]);
		jw_kv_str(w, "tcp_flags_tc", tmp);
		static const char *const fl[] = { "fin", "syn", "rst", "psh",
						  "ack", "urg", "ecn", "cwr" };
		for (unsigned b = 0; b < 8; b++)
			if (all & (1u << b))
				jw_kv_bool(w, fl[b], 1);
		jw_obj_close(w);
	}
	if (f->anomalies) {
		jw_key(w, "decode_anomalies");
		jw_arr_open(w);
		for (unsigned b = 0; b < 64; b++)
			if (f->anomalies & (1ULL << b)) {
				const char *n = e->names.anomaly(b);
				jw_str(w, n ? n : "unknown");
			}
		jw_arr_close(w);
	}
	if (f->classified)
		app_fields(e, w, &f->app);
}

long eve_encode(struct eve_encoder *e, const struct event *ev, char *buf,
		size_t cap)
{
	struct jw w;

	if (cap < 2)
		return -1;
	jw_init(&w, buf, cap - 1);
	jw_obj_open(&w);
	ts_value(e, &w, "timestamp", ev->ts_us);
	if (ev->flow_id)
		jw_kv_u64(&w, "flow_id", ev->flow_id);
	if (e->sensor[0])
		jw_kv_str(&w, "sensor", e->sensor);
	if (ev->segment[0])
		jw_kv_str(&w, "segment", ev->segment);
	switch (ev->type) {
	case EV_FLOW:
		jw_kv_str(&w, "event_type", "flow");
		tuple_fields(e, &w, ev);
		flow_fields(e, &w, ev);
		break;
	case EV_ANOMALY: {
		const struct ev_anomaly *a = &ev->u.anomaly;
		const char *n = e->names.anomaly(a->kind);

		jw_kv_str(&w, "event_type", "anomaly");
		if (a->has_flow)
			tuple_fields(e, &w, ev);
		jw_key(&w, "anomaly");
		jw_obj_open(&w);
		jw_kv_str(&w, "type", "decode");
		jw_kv_str(&w, "event", n ? n : "unknown");
		if (a->count > 1)
			jw_kv_u64(&w, "count", a->count);
		jw_obj_close(&w);
		break;
	}
	case EV_ALERT: {
		const struct ev_alert *a = &ev->u.alert;

		jw_kv_str(&w, "event_type", "alert");
		if (a->partial)
			alert_tuple(e, &w, ev);
		else
			tuple_fields(e, &w, ev);
		if (a->app[0]) {
			char tmp[48];
			lower_copy(tmp, sizeof(tmp), a->app);
			tmp[strcspn(tmp, ".")] = 0;
			jw_kv_str(&w, "app_proto", tmp);
		}
		jw_key(&w, "alert");
		jw_obj_open(&w);
		jw_kv_str(&w, "action", "allowed");
		jw_kv_u64(&w, "signature_id", a->signature_id);
		jw_kv_u64(&w, "rev", 1);
		jw_kv_str(&w, "signature", a->signature);
		jw_kv_str(&w, "category", a->category);
		jw_kv_u64(&w, "severity", a->severity);
		if (a->detector[0])
			jw_kv_str(&w, "detector", a->detector);
		jw_key(&w, "mitre");
		jw_arr_open(&w);
		for (int i = 0; i < 3; i++)
			if (a->mitre[i][0])
				jw_str(&w, a->mitre[i]);
		jw_arr_close(&w);
		jw_key(&w, "evidence");
		jw_obj_open(&w);
		jw_kv_str(&w, "rule", a->evidence);
		if (a->app[0])
			jw_kv_str(&w, "app", a->app);
		for (unsigned i = 0; i < a->nnum && i < EV_ALERT_NUMS; i++)
			jw_kv_double(&w, a->num[i].key, a->num[i].v);
		if (a->samples_key[0]) {
			jw_key(&w, a->samples_key);
			jw_arr_open(&w);
			const char *p = a->samples;
			while (*p) {
				size_t l = strcspn(p, ",");
				char one[64];
				uint8_t a16[16] = { 0 };
				snprintf(one, sizeof(one), "%.*s", (int)l, p);
				/* an address a UE may own: the pseudonym its own
				 * events would show */
				if (a->samples_personal && (ev->pseudo & 1) && e->has_pkey) {
					int v = inet_pton(AF_INET, one, a16) == 1	  ? 4
						: inet_pton(AF_INET6, one, a16) == 1 ? 6
											  : 0;
					if (v)
						pseudo_value(e, &w, NULL, v, a16);
					else
						pseudo_str(e, &w, NULL, one);
				} else {
					jw_str(&w, one);
				}
				p += l;
				if (*p == ',')
					p++;
			}
			jw_arr_close(&w);
		}
		if (a->window_ms)
			jw_kv_double(&w, "window_s", a->window_ms / 1000.0);
		if (a->repeats)
			jw_kv_u64(&w, "repeats", a->repeats);
		jw_obj_close(&w);
		jw_obj_close(&w);
		break;
	}
	case EV_IOT: {
		const struct ev_iot *s = &ev->u.iot;

		jw_kv_str(&w, "event_type", "stats");
		jw_key(&w, "stats");
		jw_obj_open(&w);
		jw_kv_u64(&w, "worker", ev->worker);
		jw_kv_u64(&w, "interval_s", s->interval_s);
		jw_key(&w, "iot");
		jw_obj_open(&w);
		jw_key(&w, "mqtt");
		jw_obj_open(&w);
		jw_kv_u64(&w, "connects", s->mqtt_connects);
		jw_kv_u64(&w, "publishes", s->mqtt_publishes);
		jw_kv_u64(&w, "subscribes", s->mqtt_subscribes);
		jw_kv_u64(&w, "cleartext_credentials", s->mqtt_cleartext_credentials);
		jw_kv_u64(&w, "invalid_qos", s->mqtt_invalid_qos);
		jw_kv_u64(&w, "anomalies", s->mqtt_anomalies);
		jw_key(&w, "client_ids");
		jw_arr_open(&w);
		for (int i = 0; i < EV_IOT_SAMPLES && s->client_ids[i][0]; i++)
			jw_str(&w, s->client_ids[i]);
		jw_arr_close(&w);
		jw_key(&w, "topics");
		jw_arr_open(&w);
		for (int i = 0; i < EV_IOT_SAMPLES && s->topics[i][0]; i++)
			jw_str(&w, s->topics[i]);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_key(&w, "coap");
		jw_obj_open(&w);
		jw_kv_u64(&w, "requests", s->coap_requests);
		jw_kv_u64(&w, "get", s->coap_get);
		jw_kv_u64(&w, "post", s->coap_post);
		jw_kv_u64(&w, "put", s->coap_put);
		jw_kv_u64(&w, "delete", s->coap_delete);
		jw_kv_u64(&w, "anomalies", s->coap_anomalies);
		jw_key(&w, "paths");
		jw_arr_open(&w);
		for (int i = 0; i < EV_IOT_SAMPLES && s->coap_paths[i][0]; i++)
			jw_str(&w, s->coap_paths[i]);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_obj_close(&w);
		jw_obj_close(&w);
		break;
	}
	case EV_SESSION: {
		const struct ev_sess *s = &ev->u.session;
		static const char *const ends[] = { "", "deleted", "expired", "replaced",
						    "active", "interim" };
		char ts[40];

		jw_kv_str(&w, "event_type", "session");
		jw_key(&w, "session");
		jw_obj_open(&w);
		session_fields(e, &w, ev, s->seid);
		eve_format_ts(ts, s->start_us);
		jw_kv_str(&w, "start", ts);
		eve_format_ts(ts, s->end_us);
		jw_kv_str(&w, "end", ts);
		jw_kv_str(&w, "end_reason", s->end < 6 ? ends[s->end] : "");
		jw_kv_u64(&w, "flows", s->flows);
		for (int d = 0; d < 2; d++) {
			jw_key(&w, d ? "downlink" : "uplink");
			jw_obj_open(&w);
			jw_kv_u64(&w, "pkts", s->pkts[d]);
			jw_kv_u64(&w, "bytes", s->bytes[d]);
			jw_obj_close(&w);
		}
		if (s->end != EV_SESS_INTERIM) {
			jw_key(&w, "apps");
			jw_arr_open(&w);
			for (unsigned i = 0; i < s->napps && i < EV_SESS_APPS; i++)
				jw_str(&w, s->apps[i]);
			jw_arr_close(&w);
		}
		jw_key(&w, "tcp");
		jw_obj_open(&w);
		jw_kv_u64(&w, "handshakes", s->rtt_n);
		if (s->rtt_n) {
			jw_kv_double(&w, "rtt_min_ms", s->rtt_min_us / 1000.0);
			jw_kv_double(&w, "rtt_avg_ms", s->rtt_sum_us / 1000.0 / s->rtt_n);
			jw_kv_double(&w, "rtt_max_ms", s->rtt_max_us / 1000.0);
		}
		jw_kv_u64(&w, "retransmissions", s->retrans);
		jw_obj_close(&w);
		jw_obj_close(&w);
		break;
	}
	case EV_STATS: {
		const struct ev_stats *s = &ev->u.stats;

		jw_kv_str(&w, "event_type", "stats");
		jw_key(&w, "stats");
		jw_obj_open(&w);
		jw_kv_u64(&w, "worker", ev->worker);
		jw_kv_u64(&w, "interval_s", s->interval_s);
		jw_key(&w, "decoder");
		jw_obj_open(&w);
		jw_kv_u64(&w, "pkts", s->pkts);
		jw_kv_u64(&w, "bytes", s->bytes);
		jw_kv_u64(&w, "tunnelled", s->tunnelled);
		jw_kv_u64(&w, "not_ip", s->not_ip);
		jw_kv_u64(&w, "malformed", s->decode_bad);
		jw_kv_u64(&w, "later_fragments", s->frag_later);
		jw_kv_u64(&w, "anomalies", s->anomalies);
		jw_obj_close(&w);
		jw_key(&w, "flow");
		jw_obj_open(&w);
		jw_kv_u64(&w, "created", s->flows_created);
		jw_kv_u64(&w, "ended", s->flows_ended);
		jw_kv_u64(&w, "active", s->flows_active);
		jw_kv_u64(&w, "evicted", s->flows_evicted);
		jw_kv_u64(&w, "dpi_pkts", s->dpi_pkts);
		jw_obj_close(&w);
		jw_kv_u64(&w, "events_dropped", s->events_dropped);
		jw_kv_u64(&w, "alerts", s->alerts);
		if (s->policy_hash) {
			char hx[20];
			snprintf(hx, sizeof(hx), "%016llx", (unsigned long long)s->policy_hash);
			jw_key(&w, "policy");
			jw_obj_open(&w);
			jw_kv_str(&w, "hash", hx);
			jw_kv_u64(&w, "reloads_ok", s->policy_reloads_ok);
			jw_kv_u64(&w, "reloads_failed", s->policy_reloads_failed);
			jw_obj_close(&w);
		}
		jw_key(&w, "apps");
		jw_arr_open(&w);
		for (unsigned i = 0; i < s->napps && i < EV_STATS_APPS; i++) {
			jw_obj_open(&w);
			jw_kv_str(&w, "proto", s->apps[i].label);
			jw_kv_u64(&w, "flows", s->apps[i].flows);
			jw_kv_u64(&w, "bytes", s->apps[i].bytes);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		if (e->stats_extra[0])
			jw_raw(&w, e->stats_extra, strlen(e->stats_extra));
		jw_obj_close(&w);
		break;
	}
	default:
		return -1;
	}
	jw_obj_close(&w);
	if (w.overflow)
		return -1;
	buf[w.len++] = '\n';
	return (long)w.len;
}

const char *ev_reason_name(unsigned r)
{
	static const char *const n[] = {
#define X_(e, s) s,
		EV_FLOW_REASONS(X_)
#undef X_
	};
	return r < EV_REASON_MAX ? n[r] : "unknown";
}

const char *ev_state_name(unsigned s)
{
	static const char *const n[] = { "new", "established", "closed" };
	return s < 3 ? n[s] : "unknown";
}
