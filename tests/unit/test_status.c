/* status: the Prometheus exposition (format, escaping, cap), the top
 * applications and talkers over the packet-time window, the alerts ring,
 * pseudonymised addresses, the rate series, and status_json being valid
 * JSON. Also: every vigia_ name the Grafana dashboard queries exists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cmocka.h>

#include "../../telemetry/status.h"

#define T0 1795000000ULL          /* packet time, seconds */

/* ---- helpers ---- */

static void fill_snapshot(struct metrics_snapshot *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->sensor, sizeof(m->sensor), "%s", "edge \"01\" \\ north");
	snprintf(m->version, sizeof(m->version), "%s", "0.1.0");
	m->uptime_s = 12.5;
	m->packets = 123456789;
	m->bytes = 98765432100ULL;
	m->drops.nic_missed = 1;
	m->drops.nic_nombuf = 2;
	m->drops.ring_full = 3;
	m->drops.events_dropped = 4;
	m->drops.sink_dropped = 5;
	m->flows.active = 42;
	m->flows.created = 1000;
	m->flows.ended = 958;
	m->flows.evicted = 7;
	m->ndetectors = 3;
	snprintf(m->alerts_by_detector[0].id, 16, "%s", "scan");
	m->alerts_by_detector[0].count = 11;
	snprintf(m->alerts_by_detector[1].id, 16, "%s", "brute");
	m->alerts_by_detector[1].count = 3;
	snprintf(m->alerts_by_detector[2].id, 16, "%s", "we\"ird\\");
	m->alerts_by_detector[2].count = 1;
	m->alerts_by_severity[0] = 2;
	m->alerts_by_severity[1] = 13;
	m->redis.enabled = 1;
	m->redis.connected = 0;
	m->redis.sent = 500;
	m->redis.pending = 12;
	m->redis.spooled = 30;
	m->redis.reconnects = 2;
	m->policy.loaded = 1;
	m->policy.hash = 0xdeadbeefcafef00dULL;
	m->policy.reloads_ok = 4;
	m->policy.reloads_failed = 1;
	m->nworkers = 3;
	for (unsigned i = 0; i < 3; i++) {
		m->workers[i].packets = 1000 * (i + 1);
		m->workers[i].busy_ratio = 0.25 * i;
	}
}

/* A label value in Prometheus text: "..." with \\ \" \n escapes. Returns
 * the character after the closing quote, or NULL. */
static const char *parse_label_value(const char *p)
{
	if (*p++ != '"')
		return NULL;
	for (; *p && *p != '"'; p++) {
		if (*p == '\n')
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p != '\\' && *p != '"' && *p != 'n')
				return NULL;
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static int name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == ':' || (!first && c >= '0' && c <= '9');
}

/* One sample line: name{label="v",...} value. Copies the name out. */
static int parse_sample(const char *line, char *name, size_t cap)
{
	const char *p = line;
	size_t n = 0;

	if (!name_char(*p, 1))
		return -1;
	while (name_char(*p, 0) && n + 1 < cap)
		name[n++] = *p++;
	name[n] = 0;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (!name_char(*p, 1))
				return -1;
			while (name_char(*p, 0))
				p++;
			if (*p++ != '=')
				return -1;
			if (!(p = parse_label_value(p)))
				return -1;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return -1;
		}
		p++;
	}
	if (*p++ != ' ')
		return -1;
	if (!strcmp(p, "NaN") || !strcmp(p, "+Inf") || !strcmp(p, "-Inf"))
		return 0;
	char *end;
	strtod(p, &end);
	return (end != p && *end == 0) ? 0 : -1;
}

/* Checks the whole exposition: every line a HELP, a TYPE or a sample; a
 * sample's family declared before it; counters end in _total. */
static void check_exposition(const char *text)
{
	char *copy = strdup(text), *line, *nl;
	char families[64][64], types[64][16];
	int nf = 0, nsamples = 0;

	assert_non_null(copy);
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	for (line = copy; *line; line = nl + 1) {
		char name[128];
		nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = 0;
		if (!strncmp(line, "# HELP ", 7))
			continue;
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_true(nf < 64);
			assert_int_equal(sscanf(line + 7, "%63s %15s", families[nf],
						types[nf]), 2);
			assert_true(!strcmp(types[nf], "counter") ||
				    !strcmp(types[nf], "gauge"));
			if (!strcmp(types[nf], "counter")) {
				size_t l = strlen(families[nf]);
				assert_true(l > 6 &&
					    !strcmp(families[nf] + l - 6, "_total"));
			}
			assert_memory_equal(families[nf], "vigia_", 6);
			nf++;
			continue;
		}
		if (parse_sample(line, name, sizeof(name)) != 0)
			fail_msg("bad sample line: %s", line);
		assert_true(nf > 0);
		assert_string_equal(name, families[nf - 1]);
		nsamples++;
	}
	assert_true(nsamples > 20);
	free(copy);
}

/* ---- a small JSON validator (RFC 8259 grammar) ---- */

static const char *js_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *js_value(const char *p, int depth);

static const char *js_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 5;
				continue;
			}
			if (!*p || !strchr("\"\\/bfnrt", *p))
				return NULL;
		}
		p++;
	}
	return p + 1;
}

static const char *js_number(const char *p)
{
	const char *s = p;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return NULL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return p > s ? p : NULL;
}

static const char *js_value(const char *p, int depth)
{
	if (depth > 32)
		return NULL;
	p = js_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		int obj = *p == '{';
		p = js_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				if (!(p = js_string(js_ws(p))))
					return NULL;
				p = js_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			if (!(p = js_value(p, depth + 1)))
				return NULL;
			p = js_ws(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return js_string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	return js_number(p);
}

static int json_valid(const char *s)
{
	const char *p = js_value(s, 0);
	return p && *js_ws(p) == 0;
}

/* ---- events ---- */

static void flow_event(struct event *ev, uint64_t ts_s, uint8_t src_last,
		       const char *app, uint64_t bytes, uint8_t pseudo)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = EV_FLOW;
	ev->ts_us = ts_s * 1000000;
	ev->flow_id = 1;
	ev->pseudo = pseudo;
	ev->t.ipver = 4;
	ev->t.proto = 6;
	memcpy(ev->t.src, (uint8_t[]){ 10, 9, 8, src_last }, 4);
	memcpy(ev->t.dst, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	ev->t.sport = 40000;
	ev->t.dport = 443;
	ev->u.flow.bytes[0] = bytes / 2;
	ev->u.flow.bytes[1] = bytes - bytes / 2;
	ev->u.flow.pkts[0] = ev->u.flow.pkts[1] = 1;
	if (app) {
		ev->u.flow.classified = 1;
		snprintf(ev->u.flow.app.proto, sizeof(ev->u.flow.app.proto), "%s", app);
	}
}

static void alert_event(struct event *ev, uint64_t ts_s, uint32_t sid,
			uint8_t pseudo)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = EV_ALERT;
	ev->ts_us = ts_s * 1000000;
	ev->pseudo = pseudo;
	ev->t.ipver = 4;
	ev->t.proto = 6;
	memcpy(ev->t.src, (uint8_t[]){ 10, 9, 8, 7 }, 4);
	memcpy(ev->t.dst, (uint8_t[]){ 198, 51, 100, 23 }, 4);
	ev->t.sport = 51234;
	ev->t.dport = 23;
	ev->u.alert.signature_id = sid;
	ev->u.alert.severity = 2;
	snprintf(ev->u.alert.signature, sizeof(ev->u.alert.signature),
		 "Telnet brute force #%u", sid);
	snprintf(ev->u.alert.detector, sizeof(ev->u.alert.detector), "%s", "brute");
	snprintf(ev->u.alert.category, sizeof(ev->u.alert.category), "%s",
		 "credential-access");
}

static char jbuf[256 << 10];

static const char *json_of(struct status *s)
{
	size_t n = status_json(s, jbuf, sizeof(jbuf) - 1);
	assert_true(n > 0);
	jbuf[n] = 0;
	if (!json_valid(jbuf))
		fail_msg("invalid JSON: %s", jbuf);
	return jbuf;
}

/* Position of needle in the named array of the document; -1 if absent. */
static long pos_in(const char *doc, const char *array, const char *needle)
{
	char key[64];
	const char *a, *end, *p;

	snprintf(key, sizeof(key), "\"%s\":[", array);
	a = strstr(doc, key);
	assert_non_null(a);
	end = strchr(a, ']');            /* the arrays tested hold no ']' */
	p = strstr(a, needle);
	return p && p < end ? (long)(p - doc) : -1;
}

/* ---- tests ---- */

static void test_prometheus(void **state)
{
	struct metrics_snapshot m;
	static char buf[64 << 10];
	size_t n;
	(void)state;

	fill_snapshot(&m);
	n = status_prometheus(&m, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	check_exposition(buf);
	assert_non_null(strstr(buf, "# HELP vigia_packets_total "));
	assert_non_null(strstr(buf, "# TYPE vigia_packets_total counter\n"));
	assert_non_null(strstr(buf, "# TYPE vigia_flows_active gauge\n"));
	assert_non_null(strstr(buf, "\nvigia_packets_total{sensor=\"edge \\\"01\\\" "
				    "\\\\ north\"} 123456789\n"));
	assert_non_null(strstr(buf, "vigia_bytes_total{sensor=\"edge \\\"01\\\" "
				    "\\\\ north\"} 98765432100\n"));
	assert_non_null(strstr(buf, "vigia_build_info{sensor=\"edge \\\"01\\\" "
				    "\\\\ north\",version=\"0.1.0\"} 1\n"));
	assert_non_null(strstr(buf, ",reason=\"nic_missed\"} 1\n"));
	assert_non_null(strstr(buf, ",reason=\"ring_full\"} 3\n"));
	assert_non_null(strstr(buf, ",reason=\"sink_dropped\"} 5\n"));
	assert_non_null(strstr(buf, ",detector=\"scan\"} 11\n"));
	assert_non_null(strstr(buf, ",detector=\"we\\\"ird\\\\\"} 1\n"));
	assert_non_null(strstr(buf, ",severity=\"2\"} 13\n"));
	assert_non_null(strstr(buf, ",severity=\"4\"} 0\n"));
	assert_non_null(strstr(buf, ",hash=\"deadbeefcafef00d\"} 1\n"));
	assert_non_null(strstr(buf, ",result=\"failed\"} 1\n"));
	assert_non_null(strstr(buf, "vigia_worker_busy_ratio{"));
	assert_non_null(strstr(buf, ",worker=\"2\"} 0.5\n"));
	assert_non_null(strstr(buf, ",worker=\"2\"} 3000\n"));
	assert_non_null(strstr(buf, "vigia_uptime_seconds{sensor=\"edge \\\"01\\\" "
				    "\\\\ north\"} 12.5\n"));
	assert_null(strstr(buf, "\n\n"));

	/* a newline in the sensor name stays on one line */
	snprintf(m.sensor, sizeof(m.sensor), "%s", "a\nb");
	m.workers[0].busy_ratio = NAN;
	n = status_prometheus(&m, buf, sizeof(buf) - 1);
	buf[n] = 0;
	check_exposition(buf);
	assert_non_null(strstr(buf, "{sensor=\"a\\nb\"}"));
	assert_non_null(strstr(buf, ",worker=\"0\"} NaN\n"));
}

static void test_prometheus_cap(void **state)
{
	struct metrics_snapshot m;
	static char buf[64 << 10];
	size_t full;
	(void)state;

	fill_snapshot(&m);
	full = status_prometheus(&m, buf, sizeof(buf));
	assert_true(full > 0);
	assert_int_equal(status_prometheus(&m, buf, 0), 0);
	assert_int_equal(status_prometheus(&m, buf, 10), 0);
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(status_prometheus(&m, buf, full - 1), 0);
	for (size_t i = full - 1; i < full + 64; i++)
		assert_int_equal(buf[i], 'Z');
	assert_int_equal(status_prometheus(&m, buf, full), full);

	/* the most a snapshot can hold, all of it escaped, fits 64 KiB */
	m.ndetectors = STATUS_MAX_DETECTORS;
	m.nworkers = STATUS_MAX_WORKERS;
	for (int i = 0; i < STATUS_MAX_DETECTORS; i++)
		memset(m.alerts_by_detector[i].id, '"', 15);
	memset(m.sensor, '\\', sizeof(m.sensor) - 1);
	full = status_prometheus(&m, buf, sizeof(buf));
	assert_true(full > 0);
	buf[full] = 0;
	check_exposition(buf);
}

static void test_top_ordering(void **state)
{
	struct status *s = status_create();
	struct event ev;
	const char *j;
	(void)state;

	assert_non_null(s);
	flow_event(&ev, T0, 1, "TLS.Google", 5000, 0);
	status_event(s, &ev);
	flow_event(&ev, T0 + 1, 2, "DNS", 300, 0);
	status_event(s, &ev);
	flow_event(&ev, T0 + 2, 1, "TLS.Google", 5000, 0);
	status_event(s, &ev);
	flow_event(&ev, T0 + 3, 3, "HTTP", 7000, 0);
	status_event(s, &ev);
	flow_event(&ev, T0 + 4, 3, NULL, 100, 0);
	status_event(s, &ev);
	j = json_of(s);

	long g = pos_in(j, "top_apps", "\"app\":\"TLS.Google\",\"bytes\":10000,\"flows\":2");
	long h = pos_in(j, "top_apps", "\"app\":\"HTTP\",\"bytes\":7000,\"flows\":1");
	long d = pos_in(j, "top_apps", "\"app\":\"DNS\",\"bytes\":300");
	long u = pos_in(j, "top_apps", "\"app\":\"unknown\",\"bytes\":100");
	assert_true(g >= 0 && h > g && d > h && u > d);

	long t1 = pos_in(j, "top_talkers", "\"src\":\"10.9.8.1\",\"bytes\":10000,\"flows\":2");
	long t3 = pos_in(j, "top_talkers", "\"src\":\"10.9.8.3\",\"bytes\":7100,\"flows\":2");
	long t2 = pos_in(j, "top_talkers", "\"src\":\"10.9.8.2\",\"bytes\":300");
	assert_true(t1 >= 0 && t3 > t1 && t2 > t3);

	/* at most STATUS_TOP rows */
	for (int i = 0; i < 30; i++) {
		char app[16];
		snprintf(app, sizeof(app), "app%02d", i);
		flow_event(&ev, T0 + 5, (uint8_t)(100 + i), app, 10 + (uint64_t)i, 0);
		status_event(s, &ev);
	}
	j = json_of(s);
	int rows = 0;
	for (const char *p = strstr(j, "\"top_apps\":["); (p = strstr(p + 1, "\"app\":")) &&
	     p < strstr(j, "\"top_talkers\":");)
		rows++;
	assert_int_equal(rows, STATUS_TOP);
	status_destroy(s);
}

static void test_window_eviction(void **state)
{
	struct status *s = status_create();
	struct event ev;
	const char *j;
	(void)state;

	assert_non_null(s);
	flow_event(&ev, T0, 1, "Old.Heavy", 1000000, 0);
	status_event(s, &ev);
	flow_event(&ev, T0 + 100, 2, "Mid", 50, 0);
	status_event(s, &ev);
	j = json_of(s);
	assert_true(pos_in(j, "top_apps", "Old.Heavy") >= 0);
	assert_true(pos_in(j, "top_talkers", "\"10.9.8.1\"") >= 0);

	/* packet time moves past the window: the old flow no longer counts */
	flow_event(&ev, T0 + STATUS_WINDOW_S + 60, 3, "New.Light", 10, 0);
	status_event(s, &ev);
	j = json_of(s);
	assert_int_equal(pos_in(j, "top_apps", "Old.Heavy"), -1);
	assert_int_equal(pos_in(j, "top_talkers", "\"10.9.8.1\""), -1);
	assert_true(pos_in(j, "top_apps", "\"Mid\"") >= 0);
	assert_true(pos_in(j, "top_apps", "New.Light") >= 0);

	/* a flow older than the window is not counted, and is counted as late */
	flow_event(&ev, T0, 4, "Late", 999999, 0);
	status_event(s, &ev);
	j = json_of(s);
	assert_int_equal(pos_in(j, "top_apps", "Late"), -1);
	assert_non_null(strstr(j, "\"late\":1"));

	/* packet time far back (another capture): the window restarts there */
	flow_event(&ev, T0 - 86400, 5, "Earlier.Capture", 77, 0);
	status_event(s, &ev);
	j = json_of(s);
	assert_true(pos_in(j, "top_apps", "\"app\":\"Earlier.Capture\",\"bytes\":77") >= 0);
	assert_int_equal(pos_in(j, "top_apps", "New.Light"), -1);
	assert_non_null(strstr(j, "\"late\":1"));

	/* many distinct sources: the table stays bounded, a heavy hitter stays */
	flow_event(&ev, T0 + STATUS_WINDOW_S + 61, 250, "Heavy", 1u << 30, 0);
	status_event(s, &ev);
	for (unsigned i = 0; i < 20000; i++) {
		flow_event(&ev, T0 + STATUS_WINDOW_S + 62, 0, "Light", 1, 0);
		ev.t.src[1] = (uint8_t)(i >> 8);
		ev.t.src[2] = (uint8_t)i;
		ev.t.src[3] = 1;
		status_event(s, &ev);
	}
	j = json_of(s);
	assert_true(pos_in(j, "top_talkers", "\"src\":\"10.9.8.250\",\"bytes\":1073741824") >= 0);
	assert_null(strstr(j, "\"talkers_evicted\":0,"));
	status_destroy(s);
}

static void test_alert_ring(void **state)
{
	struct status *s = status_create();
	struct event ev;
	char want[64];
	const char *j;
	(void)state;

	assert_non_null(s);
	j = json_of(s);
	assert_non_null(strstr(j, "\"alerts\":[]"));
	for (uint32_t sid = 1; sid <= 60; sid++) {
		alert_event(&ev, T0 + sid, sid, 0);
		status_event(s, &ev);
	}
	j = json_of(s);
	/* the last 50, newest first */
	long prev = -1;
	for (uint32_t sid = 60; sid >= 11; sid--) {
		snprintf(want, sizeof(want), "\"signature_id\":%u,", sid);
		long p = pos_in(j, "alerts", want);
		assert_true(p > prev);
		prev = p;
	}
	for (uint32_t sid = 1; sid <= 10; sid++) {
		snprintf(want, sizeof(want), "\"signature_id\":%u,", sid);
		assert_null(strstr(j, want));
	}
	int n = 0;
	for (const char *p = j; (p = strstr(p, "\"signature_id\":")); p++)
		n++;
	assert_int_equal(n, STATUS_ALERTS);
	assert_non_null(strstr(j, "\"timestamp\":\"2026-11-18T"));
	assert_non_null(strstr(j, "\"severity\":2,\"signature_id\":60,"
				  "\"signature\":\"Telnet brute force #60\","
				  "\"category\":\"credential-access\","
				  "\"detector\":\"brute\",\"segment\":\"\","
				  "\"src\":\"10.9.8.7\",\"dest\":\"198.51.100.23\","
				  "\"src_port\":51234,\"dest_port\":23"));
	assert_non_null(strstr(j, "\"alert\":60"));

	/* an alert about many sources and ports */
	alert_event(&ev, T0 + 100, 61, 0);
	ev.u.alert.partial = EV_ALERT_NO_SRC | EV_ALERT_NO_PORTS;
	status_event(s, &ev);
	j = json_of(s);
	assert_non_null(strstr(j, "\"signature_id\":61,\"signature\":\"Telnet brute force #61\","
				  "\"category\":\"credential-access\",\"detector\":\"brute\","
				  "\"segment\":\"\",\"src\":\"(many)\","
				  "\"dest\":\"198.51.100.23\",\"proto\":6}"));
	status_destroy(s);
}

static void test_pseudonymised(void **state)
{
	struct status *s = status_create();
	struct event ev;
	const char *j;
	(void)state;

	assert_non_null(s);
	alert_event(&ev, T0, 1, 1);            /* src personal */
	status_event(s, &ev);
	alert_event(&ev, T0, 3, 3);            /* both */
	status_event(s, &ev);
	flow_event(&ev, T0, 7, "MQTT", 4000, 1);
	status_event(s, &ev);
	flow_event(&ev, T0, 7, "MQTT", 4000, 3);
	status_event(s, &ev);
	j = json_of(s);
	assert_null(strstr(j, "10.9.8.7"));
	assert_non_null(strstr(j, "\"signature_id\":1,"));
	assert_non_null(strstr(j, "\"src\":\"pseudonymised\",\"dest\":\"198.51.100.23\""));
	assert_non_null(strstr(j, "\"src\":\"pseudonymised\",\"dest\":\"pseudonymised\""));
	/* pseudonymised sources are one row, never an address */
	assert_true(pos_in(j, "top_talkers",
			   "\"src\":\"pseudonymised\",\"bytes\":8000,\"flows\":2") >= 0);
	assert_true(pos_in(j, "top_apps", "\"app\":\"MQTT\",\"bytes\":8000") >= 0);

	/* dst personal only: the alert's src is shown, its dst is not */
	alert_event(&ev, T0, 4, 2);
	ev.t.src[3] = 99;
	memcpy(ev.t.dst, (uint8_t[]){ 10, 1, 1, 1 }, 4);
	status_event(s, &ev);
	j = json_of(s);
	assert_non_null(strstr(j, "\"src\":\"10.9.8.99\",\"dest\":\"pseudonymised\""));
	assert_null(strstr(j, "10.1.1.1"));
	assert_null(strstr(j, "10.9.8.7"));
	status_destroy(s);
}

static void test_series(void **state)
{
	struct status *s = status_create();
	struct metrics_snapshot m;
	const char *j;
	(void)state;

	assert_non_null(s);
	memset(&m, 0, sizeof(m));
	j = json_of(s);                        /* before any snapshot */
	assert_non_null(strstr(j, "\"series\":{\"t\":[],\"pps\":[],\"bytes_ps\":[]}"));
	assert_non_null(strstr(j, "\"rate\":{\"pps\":0,\"bytes_ps\":0}"));

	status_sample(s, &m, 1000.2);
	m.packets = 100;
	m.bytes = 150000;
	status_sample(s, &m, 1001.2);
	m.packets = 150;
	status_sample(s, &m, 1001.7);          /* same second: no sample */
	j = json_of(s);
	assert_non_null(strstr(j, "\"series\":{\"t\":[1001],\"pps\":[100],"
				  "\"bytes_ps\":[150000]}"));
	assert_non_null(strstr(j, "\"packets\":150,"));   /* snapshot kept */

	m.packets = 400;                       /* 300 over 3 s, after a gap */
	m.bytes = 150000;
	status_sample(s, &m, 1004.2);
	j = json_of(s);
	assert_non_null(strstr(j, "\"t\":[1001,1002,1003,1004],"
				  "\"pps\":[100,100,100,100],"
				  "\"bytes_ps\":[150000,0,0,0]}"));

	m.packets = 10;                        /* went backwards: 0, not huge */
	status_sample(s, &m, 1005.3);
	j = json_of(s);
	assert_non_null(strstr(j, "\"pps\":[100,100,100,100,0]"));
	assert_non_null(strstr(j, "\"rate\":{\"pps\":0,"));

	for (int i = 0; i < 300; i++) {        /* the ring keeps 120 */
		m.packets += 7;
		status_sample(s, &m, 1006.3 + i);
	}
	j = json_of(s);
	const char *t = strstr(j, "\"t\":[");
	assert_non_null(t);
	assert_true(!strncmp(t, "\"t\":[1186,1187,", 15));
	assert_non_null(strstr(j, ",1305],\"pps\":[7,"));
	assert_non_null(strstr(j, "\"rate\":{\"pps\":7,"));
	status_destroy(s);
}

static void test_json_valid(void **state)
{
	struct status *s = status_create();
	struct metrics_snapshot m;
	struct event ev;
	const char *j;
	char small[64];
	(void)state;

	assert_non_null(s);
	fill_snapshot(&m);
	status_sample(s, &m, 5000.0);
	m.packets += 1000;
	status_sample(s, &m, 5001.0);
	alert_event(&ev, T0, 9, 0);
	snprintf(ev.u.alert.signature, sizeof(ev.u.alert.signature), "%s",
		 "quote\" backslash\\ ctl\x01\x1f tab\t bad\xff\xfe utf8 caf\xc3\xa9");
	status_event(s, &ev);
	flow_event(&ev, T0, 1, "we\"ird\\app\n", 10, 0);
	status_event(s, &ev);
	ev.type = EV_STATS;
	status_event(s, &ev);
	ev.type = EV_SESSION;
	status_event(s, &ev);
	ev.type = 99;
	status_event(s, &ev);
	j = json_of(s);
	assert_non_null(strstr(j, "\"sensor\":\"edge \\\"01\\\" \\\\ north\""));
	assert_non_null(strstr(j, "quote\\\" backslash\\\\ ctl\\u0001\\u001f tab\\t "
				  "bad\\ufffd\\ufffd utf8 caf\xc3\xa9"));
	assert_non_null(strstr(j, "\"app\":\"we\\\"ird\\\\app\\n\""));
	assert_non_null(strstr(j, "\"health\":{\"sink\":{\"state\":\"down\",\"sent\":500,"
				  "\"pending\":12,\"spooled\":30,\"reconnects\":2,"
				  "\"dropped\":5,\"events_dropped\":4},"
				  "\"policy\":{\"state\":\"loaded\",\"hash\":\"deadbeefcafef00d\","
				  "\"reloads_ok\":4,\"reloads_failed\":1}}"));
	assert_non_null(strstr(j, "\"alerts_by_detector\":[{\"detector\":\"scan\",\"count\":11},"));
	assert_non_null(strstr(j, "{\"id\":2,\"packets\":3000,\"busy_ratio\":0.5}"));
	assert_non_null(strstr(j, "\"events\":{\"other\":1,\"flow\":1,\"anomaly\":0,"
				  "\"stats\":1,\"alert\":1,\"session\":1,"));
	assert_non_null(strstr(j, "\"rate\":{\"pps\":1000,"));
	assert_non_null(strstr(j, "\"window_s\":300"));
	/* the validator itself rejects what it must */
	assert_false(json_valid("{\"a\":1,}"));
	assert_false(json_valid("{\"a\":\"x\ny\"}"));
	assert_false(json_valid("[1 2]"));
	/* cap too small: 0, nothing past cap */
	memset(small, 'Z', sizeof(small));
	assert_int_equal(status_json(s, small, 32), 0);
	for (size_t i = 32; i < sizeof(small); i++)
		assert_int_equal(small[i], 'Z');
	status_destroy(s);
}

/* Every vigia_ name the dashboard queries is a family in the exposition. */
static void test_dashboard_names(void **state)
{
	static char dash[256 << 10], expo[64 << 10];
	struct metrics_snapshot m;
	FILE *f = fopen("deploy/grafana-vigia.json", "r");
	size_t n;
	int checked = 0;
	(void)state;

	if (!f)
		f = fopen("../../deploy/grafana-vigia.json", "r");
	if (!f) {
		skip();
		return;
	}
	n = fread(dash, 1, sizeof(dash) - 1, f);
	fclose(f);
	dash[n] = 0;
	fill_snapshot(&m);
	n = status_prometheus(&m, expo, sizeof(expo) - 1);
	expo[n] = 0;
	for (const char *p = dash; (p = strstr(p, "vigia_")); ) {
		char name[96], want[128];
		size_t l = 0;
		if (p > dash && (name_char(p[-1], 0) || p[-1] == '-')) {
			p++;
			continue;                      /* part of another word */
		}
		while (name_char(p[l], 0) && l + 1 < sizeof(name)) {
			name[l] = p[l];
			l++;
		}
		name[l] = 0;
		p += l;
		snprintf(want, sizeof(want), "# TYPE %s ", name);
		if (!strstr(expo, want))
			fail_msg("dashboard names %s, not in the exposition", name);
		checked++;
	}
	assert_true(checked >= 20);
	assert_non_null(strstr(dash, "${DS_PROMETHEUS}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_prometheus_cap),
		cmocka_unit_test(test_top_ordering),
		cmocka_unit_test(test_window_eviction),
		cmocka_unit_test(test_alert_ring),
		cmocka_unit_test(test_pseudonymised),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_json_valid),
		cmocka_unit_test(test_dashboard_names),
	};
	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
