#include "devices.h"
#include "app.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "../policies/policy.h"
#include "../telemetry/json.h"
#include "../detectors/devline.h"
#include "../telemetry/state_store.h"

#define MAX_DEVICES 65536
#define LIST 16

/* One profile, as much of its state line (detectors/devline.h) as a
 * listing shows. */
struct dev {
	char key[48];
	uint64_t first_us, last_us, flows, bmin, bmax, pmin, pmax;
	char mac[24];
	unsigned npeers, nsvc, napps;
	char peers[LIST][48];
	struct { unsigned proto, port, n, server; uint64_t period_us; } svc[LIST];
	char apps[LIST][24];
};

struct devs {
	struct dev *d;
	unsigned n;
};

static void parse_profile(struct dev *d, const char *text)
{
	struct devline l;

	devline_parse(text, &l);
	d->first_us = l.first_us;
	d->last_us = l.last_us;
	d->flows = l.flows;
	d->bmin = l.bytes_min;
	d->bmax = l.bytes_max;
	d->pmin = l.pkts_min;
	d->pmax = l.pkts_max;
	if (l.has & DEVLINE_MAC)
		snprintf(d->mac, sizeof(d->mac), "%02x:%02x:%02x:%02x:%02x:%02x", l.mac[0],
			 l.mac[1], l.mac[2], l.mac[3], l.mac[4], l.mac[5]);
	for (unsigned i = 0; i < l.npeers && d->npeers < LIST; i++)
		snprintf(d->peers[d->npeers++], sizeof(d->peers[0]), "%s", l.peers[i]);
	for (unsigned i = 0; i < l.nsvc && d->nsvc < LIST; i++, d->nsvc++) {
		d->svc[d->nsvc].server = l.svc[i].role == DEVLINE_SERVER;
		d->svc[d->nsvc].proto = l.svc[i].proto;
		d->svc[d->nsvc].port = l.svc[i].port;
		d->svc[d->nsvc].n = l.svc[i].n;
		d->svc[d->nsvc].period_us = l.svc[i].period_us;
	}
	for (unsigned i = 0; i < l.napps && d->napps < LIST; i++)
		snprintf(d->apps[d->napps++], sizeof(d->apps[0]), "%s", l.apps[i]);
}

static void take(void *ctx, const char *owner, const char *key, const char *text)
{
	struct devs *ds = ctx;

	if (strcmp(owner, "baseline") || ds->n >= MAX_DEVICES)
		return;
	for (unsigned i = 0; i < ds->n; i++)
		if (!strcmp(ds->d[i].key, key))
			return; /* a file holds each device once; Redis too */
	struct dev *d = &ds->d[ds->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->key, sizeof(d->key), "%.47s", key);
	parse_profile(d, text);
}

static const char *proto_name(unsigned p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 132 ? "sctp" : "ip";
}

static void iso(char *out, size_t cap, uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *mode_of(const struct policy *pol, const char *key)
{
	uint8_t a[16] = { 0 };
	int ver = strchr(key, ':') ? 6 : 4;

	if (!pol || inet_pton(ver == 6 ? AF_INET6 : AF_INET, key, a) != 1)
		return "-";
	switch (policy_segment_mode(pol, policy_segment(pol, ver, a, 0))) {
	case POLICY_MODE_LEARN: return "learn";
	case POLICY_MODE_ENFORCE: return "enforce";
	default: return "-";
	}
}

/* RFC 8520 shape: the device's policy is the peers and services it was
 * seen using, as ACEs (from-device: destination network, and the port it
 * connects to or, for a service it offers, the port it answers from;
 * to-device the mirror), plus vigia's own members for what MUD has no
 * word for. */
static void mud(FILE *out, const struct dev *d)
{
	static char buf[1 << 16];
	struct jw w;
	char ts[32], url[128], acl[2][80];
	int v6 = strchr(d->key, ':') != NULL;

	jw_init(&w, buf, sizeof(buf));
	iso(ts, sizeof(ts), d->last_us);
	snprintf(url, sizeof(url), "https://mud.city.example/vigia/%s.json", d->key);
	snprintf(acl[0], sizeof(acl[0]), "from-%s", d->key);
	snprintf(acl[1], sizeof(acl[1]), "to-%s", d->key);
	jw_obj_open(&w);
	jw_key(&w, "ietf-mud:mud");
	jw_obj_open(&w);
	jw_kv_u64(&w, "mud-version", 1);
	jw_kv_str(&w, "mud-url", url);
	jw_kv_str(&w, "last-update", ts);
	jw_kv_u64(&w, "cache-validity", 48);
	jw_kv_bool(&w, "is-supported", 1);
	char info[160];
	snprintf(info, sizeof(info), "vigia baseline of %s: %" PRIu64 " flows", d->key, d->flows);
	jw_kv_str(&w, "systeminfo", info);
	if (d->mac[0])
		jw_kv_str(&w, "vigia:mac", d->mac);
	for (int dir = 0; dir < 2; dir++) {
		jw_key(&w, dir ? "to-device-policy" : "from-device-policy");
		jw_obj_open(&w);
		jw_key(&w, "access-lists");
		jw_obj_open(&w);
		jw_key(&w, "access-list");
		jw_arr_open(&w);
		jw_obj_open(&w);
		jw_kv_str(&w, "name", acl[dir]);
		jw_obj_close(&w);
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	jw_key(&w, "ietf-access-control-list:acls");
	jw_obj_open(&w);
	jw_key(&w, "acl");
	jw_arr_open(&w);
	for (int dir = 0; dir < 2; dir++) {
		jw_obj_open(&w);
		jw_kv_str(&w, "name", acl[dir]);
		jw_kv_str(&w, "type", v6 ? "ipv6-acl-type" : "ipv4-acl-type");
		jw_key(&w, "aces");
		jw_obj_open(&w);
		jw_key(&w, "ace");
		jw_arr_open(&w);
		unsigned k = 0;
		for (unsigned p = 0; p < d->npeers; p++)
			for (unsigned s = 0; s < d->nsvc; s++) {
				char name[32];
				snprintf(name, sizeof(name), "%s%u", dir ? "to" : "from", k++);
				jw_obj_open(&w);
				jw_kv_str(&w, "name", name);
				jw_key(&w, "matches");
				jw_obj_open(&w);
				jw_key(&w, v6 ? "ipv6" : "ipv4");
				jw_obj_open(&w);
				jw_kv_u64(&w, "protocol", d->svc[s].proto);
				jw_kv_str(&w, dir ? (v6 ? "source-ipv6-network" : "source-ipv4-network")
						  : (v6 ? "destination-ipv6-network"
							: "destination-ipv4-network"),
					  d->peers[p]);
				jw_obj_close(&w);
				if (d->svc[s].proto == 6 || d->svc[s].proto == 17) {
					jw_key(&w, d->svc[s].proto == 6 ? "tcp" : "udp");
					jw_obj_open(&w);
					/* the service's port is the far end's when the
					 * device connects, the device's own when it serves */
					jw_key(&w, (dir != 0) != (d->svc[s].server != 0) ? "source-port"
											 : "destination-port");
					jw_obj_open(&w);
					jw_kv_str(&w, "operator", "eq");
					jw_kv_u64(&w, "port", d->svc[s].port);
					jw_obj_close(&w);
					jw_obj_close(&w);
				}
				jw_obj_close(&w);
				jw_key(&w, "actions");
				jw_obj_open(&w);
				jw_kv_str(&w, "forwarding", "accept");
				jw_obj_close(&w);
				jw_obj_close(&w);
			}
		jw_arr_close(&w);
		jw_obj_close(&w);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_key(&w, "vigia:applications");
	jw_arr_open(&w);
	for (unsigned i = 0; i < d->napps; i++)
		jw_str(&w, d->apps[i]);
	jw_arr_close(&w);
	jw_key(&w, "vigia:bytes-per-flow");
	jw_obj_open(&w);
	jw_kv_u64(&w, "min", d->bmin);
	jw_kv_u64(&w, "max", d->bmax);
	jw_obj_close(&w);
	jw_obj_close(&w);
	fwrite(buf, 1, w.len, out);
	fputc('\n', out);
}

static void row(FILE *out, const struct dev *d, const char *mode)
{
	char f[32], l[32];

	iso(f, sizeof(f), d->first_us);
	iso(l, sizeof(l), d->last_us);
	fprintf(out, "%-18s %-8s %6" PRIu64 "  %s  %s  bytes %" PRIu64 "-%" PRIu64
		"  packets %" PRIu64 "-%" PRIu64 "%s%s\n", d->key, mode, d->flows, f, l, d->bmin,
		d->bmax, d->pmin, d->pmax, d->mac[0] ? "  mac " : "", d->mac);
	fprintf(out, "    peers:");
	for (unsigned i = 0; i < d->npeers; i++)
		fprintf(out, " %s", d->peers[i]);
	fprintf(out, "\n    services:");
	for (unsigned i = 0; i < d->nsvc; i++)
		fprintf(out, " %s/%u%s (every %.0f s)", proto_name(d->svc[i].proto), d->svc[i].port,
			d->svc[i].server ? " served" : "", d->svc[i].period_us / 1e6);
	fprintf(out, "\n    apps:");
	for (unsigned i = 0; i < d->napps; i++)
		fprintf(out, " %s", d->apps[i]);
	fputc('\n', out);
}

int devices_cmd(int argc, char **argv, devices_policy_load_fn load, devices_policy_free_fn unload)
{
	static const struct option lo[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "redis", required_argument, NULL, 'r' },
		{ "redis-prefix", required_argument, NULL, 'x' },
		{ "redis-user", required_argument, NULL, 'u' },
		{ "redis-password-file", required_argument, NULL, 'P' },
		{ "redis-db", required_argument, NULL, 'd' },
		{ "policy", required_argument, NULL, 'p' },
		{ "export", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state_dir = NULL, *redis = NULL, *policy_path = NULL, *export = NULL;
	struct redis_sink_cfg rc;
	static char host[256], pw[256];
	char err[512];
	int opt;

	memset(&rc, 0, sizeof(rc));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 's': state_dir = optarg; break;
		case 'r': redis = optarg; break;
		case 'x': rc.prefix = optarg; break;
		case 'u': rc.user = optarg; break;
		case 'd': rc.db = atoi(optarg); break;
		case 'P':
			if (redis_cfg_password_file(&rc, optarg, pw, sizeof(pw)) != 0) {
				fprintf(stderr, "vigia devices: --redis-password-file %s: %s\n", optarg,
					errno == ENODATA ? "empty" : strerror(errno));
				return 2;
			}
			break;
		case 'p': policy_path = optarg; break;
		case 'e': export = optarg; break;
		default:
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: vigia devices (--state-dir DIR | --redis HOST[:PORT]|unix:PATH "
				"[--redis-prefix P] [--redis-user U] [--redis-password-file F] "
				"[--redis-db N]) [--policy FILE] [--export DEVICE]\n"
				"  (the password may also come from VIGIA_REDIS_PASSWORD)\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!state_dir == !redis) {
		fprintf(stderr, "vigia devices: give --state-dir DIR or --redis HOST[:PORT]\n");
		return 2;
	}
	struct devs ds = { calloc(MAX_DEVICES, sizeof(struct dev)), 0 };
	if (!ds.d)
		return 1;
	if (state_dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/state.tsv", state_dir);
		if (state_file_load(path, take, &ds, err, sizeof(err)) != 0) {
			fprintf(stderr, "vigia devices: %s\n", err);
			free(ds.d);
			return 1;
		}
	} else {
		redis_cfg_address(&rc, redis, host, sizeof(host));
		const char *envpw = getenv("VIGIA_REDIS_PASSWORD");
		if (envpw && !rc.password) {
			snprintf(pw, sizeof(pw), "%s", envpw);
			rc.password = pw;
		}
		if (state_redis_load(&rc, take, &ds, err, sizeof(err)) < 0) {
			fprintf(stderr, "vigia devices: %s\n", err);
			free(ds.d);
			return 1;
		}
	}
	struct policy *pol = NULL;
	if (policy_path && !(pol = load(policy_path, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		free(ds.d);
		return 1;
	}
	int rc_exit = 0;
	if (export) {
		unsigned i = 0;
		while (i < ds.n && strcmp(ds.d[i].key, export))
			i++;
		if (i == ds.n) {
			fprintf(stderr, "vigia devices: no profile of %s\n", export);
			rc_exit = 1;
		} else {
			mud(stdout, &ds.d[i]);
		}
	} else {
		printf("%u device%s\n", ds.n, ds.n == 1 ? "" : "s");
		for (unsigned i = 0; i < ds.n; i++)
			row(stdout, &ds.d[i], mode_of(pol, ds.d[i].key));
	}
	if (pol)
		unload(pol);
	free(ds.d);
	return rc_exit;
}

/* `vigia devices --policy`: a policy loaded for its segments' modes. */
static struct classifier *g_devices_cls;

static struct policy *devices_policy_load(const char *path, char *err, size_t errlen)
{
	static struct policy_names nm;

	if (!g_devices_cls && !(g_devices_cls = names_classifier(&nm, err, errlen)))
		return NULL;
	return policy_load(path, &nm, err, errlen);
}

static void devices_policy_free(struct policy *p)
{
	policy_free(p);
	classifier_destroy(g_devices_cls);
	g_devices_cls = NULL;
}

int cmd_devices(int argc, char **argv)
{
	return devices_cmd(argc, argv, devices_policy_load, devices_policy_free);
}
