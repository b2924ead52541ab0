#include "policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yaml.h>

#include "lpm.h"

#define MAX_SEGS 256
#define MAX_LIST 64
#define MAX_KV 32
#define MAX_INTEL 32

struct kv {
	char key[32];
	long value;
};

struct seg {
	char name[32];
	int has_allow;
	int apps[MAX_LIST], napps;
	int cats[MAX_LIST], ncats;
	int ports[MAX_LIST], nports;
	struct lpm *dst;           /* allowed destinations, NULL: any */
	char allow_text[160];      /* the rule, for alerts */
	uint16_t vlans[MAX_LIST];
	int nvlans;
	char dnn[8][48];
	int ndnn;
	uint32_t teid_lo[8], teid_hi[8];
	int nteid;
	int enforce;               /* mode: learn (0) / enforce (1) */
	int has_mode;              /* a mode was given: device baselines on */
	int pseudonymise;
	int clear_subscribers;
	struct lpm *ics_masters;   /* who may write/operate ICS devices; NULL: not policed */
	struct lpm *routers;       /* who may route the LAN (ARP gateway, IPv6 RAs) */
	struct lpm *dhcp_servers;  /* who may answer DHCP */
	struct kv thr[MAX_KV];
	int nthr;
	struct kv sev[MAX_KV];
	int nsev;
};

/* open-addressing set of strings (domains, JA3 hashes) */
struct strset {
	char **slot;
	size_t cap, n;
};

struct intel {
	char name[32];
	int severity;
	struct lpm *ips;
	int nips;
	struct strset domains, ja3;
};

struct policy {
	char file[256];
	char dir[256];
	uint64_t hash;
	struct seg segs[MAX_SEGS];
	int nsegs;
	struct lpm *seg_lpm;       /* address -> segment */
	struct lpm *core;
	int ncore;
	struct intel intel[MAX_INTEL];
	int nintel;
	const struct policy_names *names;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
};

/* ---- small helpers ------------------------------------------------------- */

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int set_add(struct strset *s, const char *v)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		char **ns = calloc(nc, sizeof(char *));
		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t j = fnv(s->slot[i], strlen(s->slot[i])) & (nc - 1);
				while (ns[j])
					j = (j + 1) & (nc - 1);
				ns[j] = s->slot[i];
			}
		free(s->slot);
		s->slot = ns;
		s->cap = nc;
	}
	size_t j = fnv(v, strlen(v)) & (s->cap - 1);
	while (s->slot[j]) {
		if (!strcmp(s->slot[j], v))
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = strdup(v);
	if (!s->slot[j])
		return -ENOMEM;
	s->n++;
	return 0;
}

static int set_has(const struct strset *s, const char *v, size_t n)
{
	if (!s->cap)
		return 0;
	size_t j = fnv(v, n) & (s->cap - 1);
	while (s->slot[j]) {
		if (strlen(s->slot[j]) == n && !memcmp(s->slot[j], v, n))
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

static void set_free(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slot[i]);
	free(s->slot);
}

__attribute__((format(printf, 3, 4)))
static int fail(struct policy *p, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n)
		snprintf(p->err, p->errlen, "%s:%zu:%zu: %s", p->file,
			 n->start_mark.line + 1, n->start_mark.column + 1, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->file, msg);
	return -1;
}

static yaml_node_t *node(struct policy *p, int idx)
{
	return yaml_document_get_node(p->doc, idx);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int want(struct policy *p, yaml_node_t *n, yaml_node_type_t t,
		const char *what)
{
	static const char *const tn[] = { "nothing", "a value", "a list", "a mapping" };
	if (!n || n->type != t)
		return fail(p, n, "%s must be %s", what, tn[t]);
	return 0;
}

static int to_long(struct policy *p, yaml_node_t *n, const char *what,
		   long lo, long hi, long *out)
{
	const char *s = scalar(n);
	char *end;

	if (!s)
		return fail(p, n, "%s must be a number", what);
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < lo || v > hi)
		return fail(p, n, "%s: '%s' is not a number in [%ld, %ld]", what,
			    s, lo, hi);
	*out = v;
	return 0;
}

static int to_bool(struct policy *p, yaml_node_t *n, const char *what, int *out)
{
	const char *s = scalar(n);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		*out = 1;
	else if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		*out = 0;
	else
		return fail(p, n, "%s must be true or false", what);
	return 0;
}

/* For each item of a sequence node. */
#define FOREACH_ITEM(p, seqn, it)                                              \
	for (yaml_node_item_t *it = (seqn)->data.sequence.items.start;         \
	     it < (seqn)->data.sequence.items.top; it++)
#define FOREACH_PAIR(p, mapn, pr)                                              \
	for (yaml_node_pair_t *pr = (mapn)->data.mapping.pairs.start;          \
	     pr < (mapn)->data.mapping.pairs.top; pr++)

/* ---- segments ------------------------------------------------------------- */

static int load_cidrs(struct policy *p, yaml_node_t *list, struct lpm *l,
		      int32_t value, const char *what, int seg_check)
{
	if (want(p, list, YAML_SEQUENCE_NODE, what))
		return -1;
	FOREACH_ITEM(p, list, it) {
		yaml_node_t *n = node(p, *it);
		const char *s = scalar(n);
		uint8_t a[16];
		unsigned len;
		int32_t old;
		int ver = s ? lpm_parse_cidr(s, a, &len) : -EINVAL;
		if (ver < 0)
			return fail(p, n, "%s: '%s' is not a CIDR (a.b.c.d/len or "
				    "x::y/len, host bits zero)", what, s ? s : "?");
		int rc = lpm_add(l, ver, a, len, value, &old);
		if (rc == -EEXIST && seg_check)
			return fail(p, n, "%s: %s is already in segment '%s' "
				    "(same prefix in two segments)", what, s,
				    p->segs[old].name);
		if (rc && rc != -EEXIST)
			return fail(p, n, "%s: cannot add %s", what, s);
	}
	return 0;
}

static int load_kvs(struct policy *p, yaml_node_t *map, struct kv *kv, int *n,
		    const char *what, long lo, long hi)
{
	if (want(p, map, YAML_MAPPING_NODE, what))
		return -1;
	FOREACH_PAIR(p, map, pr) {
		yaml_node_t *k = node(p, pr->key);
		const char *ks = scalar(k);
		if (!ks || strlen(ks) >= sizeof(kv[0].key))
			return fail(p, k, "%s: bad key", what);
		if (*n >= MAX_KV)
			return fail(p, k, "%s: more than %d entries", what, MAX_KV);
		if (!strcmp(what, "thresholds") && p->names && p->names->threshold_known &&
		    !p->names->threshold_known(ks))
			return fail(p, k, "thresholds: unknown key '%s' (the detectors' "
				    "thresholds: vigia detectors)", ks);
		snprintf(kv[*n].key, sizeof(kv[*n].key), "%s", ks);
		if (to_long(p, node(p, pr->value), ks, lo, hi, &kv[*n].value))
			return -1;
		(*n)++;
	}
	return 0;
}

static int load_allow(struct policy *p, struct seg *s, yaml_node_t *map)
{
	size_t o = 0;

	if (want(p, map, YAML_MAPPING_NODE, "allow"))
		return -1;
	s->has_allow = 1;
	FOREACH_PAIR(p, map, pr) {
		yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		const char *ks = scalar(k);
		if (!ks)
			return fail(p, k, "allow: bad key");
		if (!strcmp(ks, "apps") || !strcmp(ks, "categories")) {
			int is_app = ks[0] == 'a';
			if (want(p, v, YAML_SEQUENCE_NODE, ks))
				return -1;
			FOREACH_ITEM(p, v, it) {
				yaml_node_t *n = node(p, *it);
				const char *name = scalar(n);
				int id = -1;
				if (name && p->names)
					id = is_app ? p->names->app_id(p->names->ctx, name)
						    : p->names->category_id(p->names->ctx, name);
				else if (name)
					id = (int)fnv(name, strlen(name)) & 0x7fff;
				if (id < 0)
					return fail(p, n, "unknown %s '%s' (nDPI's names, "
						    "e.g. %s)", is_app ? "application" :
						    "category", name ? name : "?",
						    is_app ? "TLS, MQTT, DNS" : "Web, Network, IoT-Scada");
				if ((is_app ? s->napps : s->ncats) >= MAX_LIST)
					return fail(p, n, "too many %s", ks);
				if (is_app)
					s->apps[s->napps++] = id;
				else
					s->cats[s->ncats++] = id;
				o += (size_t)snprintf(s->allow_text + o,
					o < sizeof(s->allow_text) ? sizeof(s->allow_text) - o : 0,
					"%s%s", o ? "," : "", name);
				if (o >= sizeof(s->allow_text))
					o = sizeof(s->allow_text) - 1;
			}
		} else if (!strcmp(ks, "destinations")) {
			if (s->dst)
				return fail(p, k, "destinations given twice");
			s->dst = lpm_create();
			if (!s->dst || load_cidrs(p, v, s->dst, 0, "destinations", 0))
				return -1;
		} else if (!strcmp(ks, "ports")) {
			if (want(p, v, YAML_SEQUENCE_NODE, "ports"))
				return -1;
			FOREACH_ITEM(p, v, it) {
				long port;
				if (s->nports >= MAX_LIST)
					return fail(p, node(p, *it), "too many ports");
				if (to_long(p, node(p, *it), "port", 0, 65535, &port))
					return -1;
				s->ports[s->nports++] = (int)port;
			}
		} else {
			return fail(p, k, "unknown key '%s' in allow (apps, categories, "
				    "destinations, ports)", ks);
		}
	}
	return 0;
}

static int load_segment(struct policy *p, yaml_node_t *map)
{
	struct seg *s;
	yaml_node_t *cidrs = NULL;

	if (want(p, map, YAML_MAPPING_NODE, "a segment"))
		return -1;
	if (p->nsegs >= MAX_SEGS)
		return fail(p, map, "more than %d segments", MAX_SEGS);
	s = &p->segs[p->nsegs];
	FOREACH_PAIR(p, map, pr) {
		yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		const char *ks = scalar(k);
		if (!ks)
			return fail(p, k, "segment: bad key");
		if (!strcmp(ks, "name")) {
			const char *nm = scalar(v);
			if (!nm || !nm[0] || strlen(nm) >= sizeof(s->name))
				return fail(p, v, "name must be 1 to %zu characters",
					    sizeof(s->name) - 1);
			for (int i = 0; i < p->nsegs; i++)
				if (!strcmp(p->segs[i].name, nm))
					return fail(p, v, "segment '%s' defined twice", nm);
			snprintf(s->name, sizeof(s->name), "%s", nm);
		} else if (!strcmp(ks, "cidrs")) {
			cidrs = v;
		} else if (!strcmp(ks, "vlans")) {
			if (want(p, v, YAML_SEQUENCE_NODE, "vlans"))
				return -1;
			FOREACH_ITEM(p, v, it) {
				long vl;
				if (s->nvlans >= MAX_LIST)
					return fail(p, node(p, *it), "too many vlans");
				if (to_long(p, node(p, *it), "vlan", 1, 4094, &vl))
					return -1;
				s->vlans[s->nvlans++] = (uint16_t)vl;
			}
		} else if (!strcmp(ks, "dnn") || !strcmp(ks, "apn")) {
			if (want(p, v, YAML_SEQUENCE_NODE, ks))
				return -1;
			FOREACH_ITEM(p, v, it) {
				const char *d = scalar(node(p, *it));
				if (!d || s->ndnn >= 8 || strlen(d) >= sizeof(s->dnn[0]))
					return fail(p, node(p, *it), "bad %s", ks);
				snprintf(s->dnn[s->ndnn++], sizeof(s->dnn[0]), "%s", d);
			}
		} else if (!strcmp(ks, "teid_ranges")) {
			if (want(p, v, YAML_SEQUENCE_NODE, "teid_ranges"))
				return -1;
			FOREACH_ITEM(p, v, it) {
				yaml_node_t *n = node(p, *it);
				const char *r = scalar(n);
				char *end;
				unsigned long lo, hi;
				if (!r || s->nteid >= 8)
					return fail(p, n, "teid_ranges: 'FIRST-LAST' expected");
				lo = strtoul(r, &end, 0);
				if (*end != '-')
					return fail(p, n, "teid_ranges: '%s' is not FIRST-LAST", r);
				hi = strtoul(end + 1, &end, 0);
				if (*end || lo > hi || hi > 0xffffffffUL)
					return fail(p, n, "teid_ranges: '%s' is not FIRST-LAST", r);
				s->teid_lo[s->nteid] = (uint32_t)lo;
				s->teid_hi[s->nteid++] = (uint32_t)hi;
			}
		} else if (!strcmp(ks, "mode")) {
			const char *m = scalar(v);
			s->has_mode = 1;
			if (m && !strcmp(m, "learn"))
				s->enforce = 0;
			else if (m && !strcmp(m, "enforce"))
				s->enforce = 1;
			else
				return fail(p, v, "mode must be learn or enforce");
		} else if (!strcmp(ks, "ics_masters")) {
			if (!s->ics_masters && !(s->ics_masters = lpm_create()))
				return fail(p, v, "ics_masters: out of memory");
			if (load_cidrs(p, v, s->ics_masters, 1, "ics_masters", 0))
				return -1;
		} else if (!strcmp(ks, "routers") || !strcmp(ks, "dhcp_servers")) {
			struct lpm **l = ks[0] == 'r' ? &s->routers : &s->dhcp_servers;
			if (!*l && !(*l = lpm_create()))
				return fail(p, v, "%s: out of memory", ks);
			if (load_cidrs(p, v, *l, 1, ks, 0))
				return -1;
		} else if (!strcmp(ks, "clear_subscribers")) {
			if (to_bool(p, v, "clear_subscribers", &s->clear_subscribers))
				return -1;
		} else if (!strcmp(ks, "pseudonymise")) {
			if (to_bool(p, v, "pseudonymise", &s->pseudonymise))
				return -1;
		} else if (!strcmp(ks, "allow")) {
			if (load_allow(p, s, v))
				return -1;
		} else if (!strcmp(ks, "thresholds")) {
			if (load_kvs(p, v, s->thr, &s->nthr, "thresholds", 0, 1L << 40))
				return -1;
		} else if (!strcmp(ks, "severity")) {
			if (load_kvs(p, v, s->sev, &s->nsev, "severity", 1, 4))
				return -1;
		} else {
			return fail(p, k, "unknown key '%s' in segment (name, cidrs, vlans, "
				    "dnn, teid_ranges, mode, pseudonymise, clear_subscribers, ics_masters, "
				    "routers, dhcp_servers, allow, thresholds, severity)", ks);
		}
	}
	if (!s->name[0])
		return fail(p, map, "segment without a name");
	p->nsegs++;
	if (cidrs && load_cidrs(p, cidrs, p->seg_lpm, p->nsegs - 1, "cidrs", 1))
		return -1;
	return 0;
}

/* ---- intel ------------------------------------------------------------------- */

static int read_list(struct policy *p, yaml_node_t *n, const char *file,
		     struct intel *in, int kind)
{
	char path[600], line[512];
	FILE *f;
	int ln = 0;

	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", p->dir, file);
	f = fopen(path, "r");
	if (!f)
		return fail(p, n, "cannot read %s: %s", path, strerror(errno));
	struct stat sb;
	if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode) || sb.st_size > (64 << 20)) {
		fclose(f);
		return fail(p, n, "%s: not a regular file of at most 64 MiB", path);
	}
	while (fgets(line, sizeof(line), f)) {
		ln++;
		line[strcspn(line, "#\r\n")] = 0;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t l = strlen(s);
		while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
			s[--l] = 0;
		if (!l)
			continue;
		int rc = 0;
		if (kind == 0) {
			uint8_t a[16];
			unsigned len;
			int ver = lpm_parse_cidr(s, a, &len);
			if (ver < 0) {
				fclose(f);
				snprintf(p->err, p->errlen, "%s:%d:1: '%s' is not an IP or CIDR",
					 path, ln, s);
				return -1;
			}
			rc = lpm_add(in->ips, ver, a, len, 0, NULL);
			if (rc == -EEXIST)
				rc = 0;
			in->nips++;
		} else if (kind == 1) {
			for (char *c = s; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c - 'A' + 'a');
			if (s[0] == '*' && s[1] == '.')
				s += 2;
			if (s[0] == '.')
				s++;
			rc = set_add(&in->domains, s);
		} else {
			if (l != 32 || strspn(s, "0123456789abcdefABCDEF") != 32) {
				fclose(f);
				snprintf(p->err, p->errlen, "%s:%d:1: '%s' is not a JA3 (MD5 hex)",
					 path, ln, s);
				return -1;
			}
			for (char *c = s; *c; c++)
				if (*c >= 'A' && *c <= 'F')
					*c = (char)(*c - 'A' + 'a');
			rc = set_add(&in->ja3, s);
		}
		if (rc) {
			fclose(f);
			return fail(p, n, "%s: out of memory", path);
		}
	}
	fclose(f);
	return 0;
}

static int load_intel(struct policy *p, yaml_node_t *list)
{
	if (want(p, list, YAML_SEQUENCE_NODE, "intel"))
		return -1;
	FOREACH_ITEM(p, list, it) {
		yaml_node_t *map = node(p, *it);
		if (want(p, map, YAML_MAPPING_NODE, "an intel list"))
			return -1;
		if (p->nintel >= MAX_INTEL)
			return fail(p, map, "more than %d intel lists", MAX_INTEL);
		struct intel *in = &p->intel[p->nintel++];
		in->severity = 2;
		in->ips = lpm_create();
		if (!in->ips)
			return fail(p, map, "out of memory");
		FOREACH_PAIR(p, map, pr) {
			yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
			const char *ks = scalar(k), *vs = scalar(v);
			long sev;
			if (!ks)
				return fail(p, k, "intel: bad key");
			if (!strcmp(ks, "name")) {
				if (!vs || !vs[0] || strlen(vs) >= sizeof(in->name))
					return fail(p, v, "intel name must be 1 to 31 characters");
				snprintf(in->name, sizeof(in->name), "%s", vs);
			} else if (!strcmp(ks, "severity")) {
				if (to_long(p, v, "severity", 1, 4, &sev))
					return -1;
				in->severity = (int)sev;
			} else if (!strcmp(ks, "ips") || !strcmp(ks, "domains") ||
				   !strcmp(ks, "ja3")) {
				if (!vs)
					return fail(p, v, "%s must be a file name", ks);
				if (read_list(p, v, vs, in, ks[0] == 'i' ? 0 : ks[0] == 'd' ? 1 : 2))
					return -1;
			} else {
				return fail(p, k, "unknown key '%s' in intel (name, severity, "
					    "ips, domains, ja3)", ks);
			}
		}
		if (!in->name[0])
			return fail(p, map, "intel list without a name");
	}
	return 0;
}

/* ---- document ------------------------------------------------------------------ */

static int load_doc(struct policy *p)
{
	yaml_node_t *root = yaml_document_get_root_node(p->doc);

	if (!root)
		return fail(p, NULL, "empty policy");
	if (want(p, root, YAML_MAPPING_NODE, "the policy"))
		return -1;
	FOREACH_PAIR(p, root, pr) {
		yaml_node_t *k = node(p, pr->key), *v = node(p, pr->value);
		const char *ks = scalar(k);
		if (!ks)
			return fail(p, k, "bad key");
		if (!strcmp(ks, "version")) {
			long ver;
			if (to_long(p, v, "version", 1, 1, &ver))
				return -1;
		} else if (!strcmp(ks, "segments")) {
			if (want(p, v, YAML_SEQUENCE_NODE, "segments"))
				return -1;
			FOREACH_ITEM(p, v, it)
				if (load_segment(p, node(p, *it)))
					return -1;
		} else if (!strcmp(ks, "core_networks")) {
			if (load_cidrs(p, v, p->core, 0, "core_networks", 0))
				return -1;
			p->ncore = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
		} else if (!strcmp(ks, "intel")) {
			if (load_intel(p, v))
				return -1;
		} else {
			return fail(p, k, "unknown key '%s' (version, segments, "
				    "core_networks, intel)", ks);
		}
	}
	return 0;
}

struct policy *policy_load_buffer(const char *name, const char *buf,
				  size_t len, const struct policy_names *names,
				  char *err, size_t errlen)
{
	struct policy *p = calloc(1, sizeof(*p));
	yaml_parser_t parser;
	yaml_document_t doc;
	int ok = -1;

	if (!p) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(p->file, sizeof(p->file), "%s", name);
	snprintf(p->dir, sizeof(p->dir), "%s", name);
	char *slash = strrchr(p->dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(p->dir, sizeof(p->dir), ".");
	p->err = err;
	p->errlen = errlen;
	p->names = names;
	p->hash = fnv(buf, len);
	p->seg_lpm = lpm_create();
	p->core = lpm_create();
	if (!p->seg_lpm || !p->core || !yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", name);
		policy_free(p);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name,
			 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "YAML error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		policy_free(p);
		return NULL;
	}
	p->doc = &doc;
	ok = load_doc(p);
	p->doc = NULL;
	p->names = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ok) {
		policy_free(p);
		return NULL;
	}
	p->err = NULL;
	return p;
}

struct policy *policy_load(const char *path, const struct policy_names *names,
			   char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (16 << 20) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		snprintf(err, errlen, "%s: unreadable or larger than 16 MiB", path);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		snprintf(err, errlen, "%s: read error", path);
		return NULL;
	}
	fclose(f);
	struct policy *p = policy_load_buffer(path, buf, (size_t)n, names, err, errlen);
	free(buf);
	return p;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (int i = 0; i < MAX_SEGS; i++) {
		lpm_free(p->segs[i].dst);
		lpm_free(p->segs[i].ics_masters);
		lpm_free(p->segs[i].routers);
		lpm_free(p->segs[i].dhcp_servers);
	}
	for (int i = 0; i < p->nintel; i++) {
		lpm_free(p->intel[i].ips);
		set_free(&p->intel[i].domains);
		set_free(&p->intel[i].ja3);
	}
	lpm_free(p->seg_lpm);
	lpm_free(p->core);
	free(p);
}

/* ---- queries -------------------------------------------------------------------- */

uint64_t policy_hash(const struct policy *p)
{
	return p->hash;
}

int policy_segment(const struct policy *p, int ipver, const uint8_t *addr,
		   uint16_t vlan)
{
	int32_t s = lpm_lookup(p->seg_lpm, ipver, addr);

	if (s >= 0)
		return s;
	if (vlan)
		for (int i = 0; i < p->nsegs; i++)
			for (int k = 0; k < p->segs[i].nvlans; k++)
				if (p->segs[i].vlans[k] == vlan)
					return i;
	return -1;
}

int policy_segment_by_teid(const struct policy *p, uint32_t teid)
{
	for (int i = 0; i < p->nsegs; i++)
		for (int k = 0; k < p->segs[i].nteid; k++)
			if (teid >= p->segs[i].teid_lo[k] && teid <= p->segs[i].teid_hi[k])
				return i;
	return -1;
}

int policy_segment_by_dnn(const struct policy *p, const char *dnn)
{
	if (!dnn || !dnn[0])
		return -1;
	for (int i = 0; i < p->nsegs; i++)
		for (int k = 0; k < p->segs[i].ndnn; k++)
			if (!strcasecmp(p->segs[i].dnn[k], dnn))
				return i;
	return -1;
}

const char *policy_segment_name(const struct policy *p, int seg)
{
	return seg >= 0 && seg < p->nsegs ? p->segs[seg].name : NULL;
}

static int named(const struct lpm *l, int ipver, const uint8_t *addr)
{
	return l ? lpm_lookup(l, ipver, addr) >= 0 : -1;
}

int policy_ics_master(const struct policy *p, int seg, int ipver, const uint8_t *addr)
{
	return seg < 0 || seg >= p->nsegs ? -1 : named(p->segs[seg].ics_masters, ipver, addr);
}

/* seg -1: any segment's list (a rogue's own prefix is in no segment) */
static int named_in(const struct policy *p, int seg, size_t off, int ipver, const uint8_t *addr)
{
	if (seg >= p->nsegs)
		return -1;
	if (seg >= 0)
		return named(*(struct lpm *const *)((const char *)&p->segs[seg] + off), ipver, addr);
	int r = -1;
	for (int i = 0; i < p->nsegs && r != 1; i++) {
		int x = named(*(struct lpm *const *)((const char *)&p->segs[i] + off), ipver, addr);
		if (x >= 0)
			r = x;
	}
	return r;
}

int policy_router(const struct policy *p, int seg, int ipver, const uint8_t *addr)
{
	return named_in(p, seg, offsetof(struct seg, routers), ipver, addr);
}

int policy_dhcp_server(const struct policy *p, int seg, int ipver, const uint8_t *addr)
{
	return named_in(p, seg, offsetof(struct seg, dhcp_servers), ipver, addr);
}

int policy_segment_mode(const struct policy *p, int seg)
{
	if (seg < 0 || seg >= p->nsegs || !p->segs[seg].has_mode)
		return POLICY_MODE_NONE;
	return p->segs[seg].enforce ? POLICY_MODE_ENFORCE : POLICY_MODE_LEARN;
}

int policy_segment_clear_subscribers(const struct policy *p, int seg)
{
	return seg >= 0 && seg < p->nsegs && p->segs[seg].clear_subscribers;
}

int policy_segment_pseudonymise(const struct policy *p, int seg)
{
	return seg >= 0 && seg < p->nsegs && p->segs[seg].pseudonymise;
}

unsigned policy_segment_count(const struct policy *p)
{
	return (unsigned)p->nsegs;
}

int policy_app_allowed(const struct policy *p, int seg, int master_id,
		       int app_id, int category_id, char *why, size_t whylen)
{
	if (seg < 0 || seg >= p->nsegs)
		return 1;
	const struct seg *s = &p->segs[seg];
	if (!s->napps && !s->ncats)
		return 1;
	for (int i = 0; i < s->napps; i++)
		if ((app_id && s->apps[i] == app_id) ||
		    (master_id && s->apps[i] == master_id))
			return 1;
	for (int i = 0; i < s->ncats; i++)
		if (s->cats[i] == category_id)
			return 1;
	snprintf(why, whylen, "segment %s allows only %s", s->name, s->allow_text);
	return 0;
}

int policy_dest_allowed(const struct policy *p, int seg, int ipver,
			const uint8_t *dst, int proto, uint16_t dport,
			char *why, size_t whylen)
{
	if (seg < 0 || seg >= p->nsegs)
		return 1;
	const struct seg *s = &p->segs[seg];
	if (s->dst && lpm_lookup(s->dst, ipver, dst) < 0) {
		snprintf(why, whylen, "segment %s: destination not in allow.destinations",
			 s->name);
		return 0;
	}
	if (s->nports && (proto == 6 || proto == 17 || proto == 132)) {
		for (int i = 0; i < s->nports; i++)
			if (s->ports[i] == dport)
				return 1;
		snprintf(why, whylen, "segment %s: port %u not in allow.ports",
			 s->name, dport);
		return 0;
	}
	return 1;
}

long policy_threshold(const struct policy *p, int seg, const char *key,
		      long fallback)
{
	if (seg < 0 || seg >= p->nsegs)
		return fallback;
	for (int i = 0; i < p->segs[seg].nthr; i++)
		if (!strcmp(p->segs[seg].thr[i].key, key))
			return p->segs[seg].thr[i].value;
	return fallback;
}

int policy_severity(const struct policy *p, int seg, const char *kind,
		    int fallback)
{
	if (seg < 0 || seg >= p->nsegs)
		return fallback;
	for (int i = 0; i < p->segs[seg].nsev; i++)
		if (!strcmp(p->segs[seg].sev[i].key, kind))
			return (int)p->segs[seg].sev[i].value;
	return fallback;
}

int policy_is_core(const struct policy *p, int ipver, const uint8_t *addr)
{
	return p->ncore && lpm_lookup(p->core, ipver, addr) >= 0;
}

int policy_intel_ip(const struct policy *p, int ipver, const uint8_t *addr,
		    struct intel_hit *hit)
{
	for (int i = 0; i < p->nintel; i++)
		if (p->intel[i].nips && lpm_lookup(p->intel[i].ips, ipver, addr) >= 0) {
			hit->list = p->intel[i].name;
			hit->severity = p->intel[i].severity;
			hit->matched[0] = 0;
			return 1;
		}
	return 0;
}

int policy_intel_domain(const struct policy *p, const char *name,
			struct intel_hit *hit)
{
	char low[256];
	size_t n = strnlen(name, sizeof(low) - 1);

	for (size_t i = 0; i < n; i++)
		low[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a')
							    : name[i];
	low[n] = 0;
	while (n && low[n - 1] == '.')
		low[--n] = 0;
	for (int i = 0; i < p->nintel; i++) {
		const struct strset *d = &p->intel[i].domains;
		if (!d->n)
			continue;
		/* the name, then each parent domain: label boundaries only */
		for (const char *s = low; s; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL) {
			if (set_has(d, s, strlen(s))) {
				hit->list = p->intel[i].name;
				hit->severity = p->intel[i].severity;
				snprintf(hit->matched, sizeof(hit->matched), "%.95s", s);
				return 1;
			}
		}
	}
	return 0;
}

int policy_intel_ja3(const struct policy *p, const char *md5hex,
		     struct intel_hit *hit)
{
	for (int i = 0; i < p->nintel; i++)
		if (set_has(&p->intel[i].ja3, md5hex, strlen(md5hex))) {
			hit->list = p->intel[i].name;
			hit->severity = p->intel[i].severity;
			snprintf(hit->matched, sizeof(hit->matched), "%s", md5hex);
			return 1;
		}
	return 0;
}

void policy_print_summary(const struct policy *p, FILE *out)
{
	fprintf(out, "policy %s (hash %016llx): %d segments, %d core networks, "
		"%d intel lists\n", p->file, (unsigned long long)p->hash, p->nsegs,
		p->ncore, p->nintel);
	for (int i = 0; i < p->nsegs; i++) {
		const struct seg *s = &p->segs[i];
		fprintf(out, "  segment %-20s %s, %d vlans, %d DNNs, %d TEID ranges; allows: %s\n",
			s->name, !s->has_mode ? "no baseline" : s->enforce ? "baseline enforce" : "baseline learn", s->nvlans, s->ndnn,
			s->nteid, s->has_allow && s->allow_text[0] ? s->allow_text : "any application");
	}
	for (int i = 0; i < p->nintel; i++)
		fprintf(out, "  intel %-22s severity %d: %d IPs/CIDRs, %zu domains, %zu JA3\n",
			p->intel[i].name, p->intel[i].severity, p->intel[i].nips,
			p->intel[i].domains.n, p->intel[i].ja3.n);
}
