/* DNS tunnelling / exfiltration and DGA, from the queries classification
 * extracts: per (client, registered domain) the unique, long, high-entropy
 * subdomains and TXT/NULL volume; per client the NXDOMAIN answers to
 * random-looking names. */
#include "det_impl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define DOMAINS 16384
#define CLIENTS 16384

enum { SID_TUNNEL = 100301, SID_TXT, SID_DGA };

static const struct det_param params[] = {
	{ "dns_tunnel_names", 30, "names",
	  "unique long or high-entropy subdomains of one domain from one client" },
	{ "dns_txt_queries", 50, "queries", "TXT/NULL queries for one domain from one client" },
	{ "dga_nxdomain", 10, "answers", "NXDOMAIN answers to random-looking names, one client" },
	{ "dns_window_s", 60, "s", "window the names are counted over" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_TUNNEL, "DNS tunnelling: many unique encoded subdomains of one domain", "exfiltration",
	  1, "T1071.004,T1048" },
	{ SID_TXT, "DNS tunnelling: TXT/NULL query volume to one domain", "exfiltration", 2,
	  "T1071.004,T1048" },
	{ SID_DGA, "DGA: NXDOMAIN answers to algorithmically generated names", "command-and-control",
	  2, "T1568.002" },
	{ 0, NULL, NULL, 0, NULL },
};

struct dom_key {
	uint8_t src[16];
	uint64_t dom;                    /* hash of the registered domain */
	uint8_t ipver, pad[7];
};

struct dom_state {
	uint64_t win_start;
	struct lc256 names, odd;
	uint32_t txt, queries;
	uint8_t raised_tunnel, raised_txt;
	char domain[48];
	char sample[2][48];
	double max_entropy;
	uint32_t max_label;
};

struct cli_key {
	uint8_t src[16];
	uint8_t ipver, pad[7];
};

struct cli_state {
	uint64_t win_start;
	uint32_t nx, nx_random;
	struct lc256 names;
	uint8_t raised;
	char sample[3][40];
};

struct dns_det {
	struct dtab *doms, *clis;
};

extern const struct detector det_dns;

static void *dns_create(void)
{
	struct dns_det *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->doms = dtab_create(DOMAINS, sizeof(struct dom_key), sizeof(struct dom_state));
	d->clis = dtab_create(CLIENTS, sizeof(struct cli_key), sizeof(struct cli_state));
	if (!d->doms || !d->clis) {
		dtab_destroy(d->doms);
		dtab_destroy(d->clis);
		free(d);
		return NULL;
	}
	return d;
}

static uint64_t dns_evictions(const void *st)
{
	const struct dns_det *d = st;

	return dtab_evictions(d->doms) + dtab_evictions(d->clis);
}

static void dns_destroy(void *st)
{
	struct dns_det *d = st;

	dtab_destroy(d->doms);
	dtab_destroy(d->clis);
	free(d);
}

/* The registered domain: the last two labels (three when the second-level
 * label is short, as in co.uk / com.es). */
static size_t reg_domain_off(const char *q, size_t n)
{
	size_t dots[3] = { 0, 0, 0 };
	unsigned nd = 0;

	for (size_t i = n; i-- > 0;)
		if (q[i] == '.') {
			dots[nd++] = i;
			if (nd == 3)
				break;
		}
	if (nd < 2)
		return 0;
	size_t off = dots[1] + 1;
	if (dots[0] - off <= 3 && nd == 3)
		off = dots[2] + 1;
	return off;
}

/* Looks algorithmically generated: a long first label, high entropy, few
 * vowels or many digits. */
static int random_looking(const char *q)
{
	size_t l = strcspn(q, ".");
	unsigned vow = 0, dig = 0;

	if (l < 8)
		return 0;
	for (size_t i = 0; i < l; i++) {
		int ch = tolower((unsigned char)q[i]);
		vow += ch == 'a' || ch == 'e' || ch == 'i' || ch == 'o' || ch == 'u';
		dig += ch >= '0' && ch <= '9';
	}
	double e = det_entropy(q, l);
	return e >= 3.0 && ((double)vow / (double)l < 0.3 || (double)dig / (double)l > 0.2);
}

static void copy_trunc(char *dst, size_t cap, const char *s)
{
	size_t l = strnlen(s, cap - 1);

	memcpy(dst, s, l);
	dst[l] = 0;
}

/* A plausible top-level label: letters only, 2..15 of them. */
static int tld_like(const char *l, size_t n)
{
	if (n < 2 || n > 15)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)l[i]))
			return 0;
	return 1;
}

static void tunnel(struct dns_det *d, struct det_ctx *c, const struct det_rec *r)
{
	const char *q = r->u.dns.name;
	size_t n = strnlen(q, sizeof(r->u.dns.name));
	char dom[48];
	size_t off = reg_domain_off(q, n);
	const char *dot = memrchr(q, '.', n);
	size_t last = dot ? n - (size_t)(dot - q + 1) : n;

	if (!tld_like(q + n - last, last)) {
		/* no real domain ("dnscat.<hex>.<hex>"): the tool's prefix */
		size_t fl = strcspn(q, ".");
		if (fl >= n)
			return;
		snprintf(dom, sizeof(dom), "%.*s.*", (int)(fl > 40 ? 40 : fl), q);
		off = fl + 1;
	} else if (off >= 2) {
		snprintf(dom, sizeof(dom), "%.*s", (int)(n - off > 47 ? 47 : n - off), q + off);
	} else {
		return; /* no subdomain */
	}
	/* the subdomain: before the domain, or after the tool's prefix */
	int prefix = dom[strlen(dom) - 1] == '*';
	const char *sp = prefix ? q + off : q;
	size_t sub = prefix ? n - off : off - 1;
	if (!sub)
		return;
	struct dom_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, r->src, 16);
	k.ipver = r->ipver;
	k.dom = det_hash(dom, strlen(dom));
	uint64_t now = det_now(c);
	uint64_t win = (uint64_t)det_param(c, &det_dns, r->seg, "dns_window_s") * 1000000;
	int created;
	struct dom_state *s = dtab_get(d->doms, &k, now, &created);
	if (created || now - s->win_start > win) {
		memset(s, 0, sizeof(*s));
		s->win_start = now;
		snprintf(s->domain, sizeof(s->domain), "%s", dom);
	}
	s->queries++;
	uint64_t h = det_hash(sp, sub);
	lc_add(&s->names, h);
	/* the longest label, and the subdomain's entropy */
	size_t maxl = 0, cur = 0;
	for (size_t i = 0; i < sub; i++) {
		cur = sp[i] == '.' ? 0 : cur + 1;
		if (cur > maxl)
			maxl = cur;
	}
	double e = det_entropy(sp, sub);
	if (maxl > s->max_label)
		s->max_label = (uint32_t)maxl;
	if (e > s->max_entropy)
		s->max_entropy = e;
	if (maxl >= 30 || (sub >= 20 && e >= 3.5)) {
		unsigned before = lc_count(&s->odd);
		lc_add(&s->odd, h);
		if (lc_count(&s->odd) > before)
			for (int i = 0; i < 2; i++)
				if (!s->sample[i][0]) {
					copy_trunc(s->sample[i], sizeof(s->sample[i]), q);
					break;
				}
	}
	if (r->u.dns.qtype == 16 || r->u.dns.qtype == 10)
		s->txt++;
	long names = det_param(c, &det_dns, r->seg, "dns_tunnel_names");
	long txt = det_param(c, &det_dns, r->seg, "dns_txt_queries");
	uint32_t sid = 0;
	if (!s->raised_tunnel && lc_count(&s->odd) >= (unsigned)names) {
		s->raised_tunnel = 1;
		sid = SID_TUNNEL;
	} else if (!s->raised_txt && s->txt >= (uint32_t)txt && lc_count(&s->names) >= 10) {
		s->raised_txt = 1;
		sid = SID_TXT;
	}
	if (!sid)
		return;
	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_dns, detector_sig(&det_dns, sid));
	det_rec_tuple(r, &t);
	t.sport = 0;
	/* linear counting estimates: never more than the queries seen */
	unsigned uniq = lc_count(&s->names), odd = lc_count(&s->odd);
	uniq = uniq > s->queries ? s->queries : uniq;
	odd = odd > uniq ? uniq : odd;
	det_alert_rule(&a, "%s: %u queries, %u unique subdomains "
		 "(%u long or high-entropy), %u TXT/NULL",
		 s->domain, s->queries, uniq, odd, s->txt);
	det_alert_num(&a, "queries", s->queries);
	det_alert_num(&a, "unique_subdomains", uniq);
	det_alert_num(&a, "encoded_subdomains", odd);
	det_alert_num(&a, "txt_null_queries", s->txt);
	det_alert_num(&a, "max_label_len", s->max_label);
	det_alert_num(&a, "max_entropy", s->max_entropy);
	for (int i = 0; i < 2; i++)
		if (s->sample[i][0])
			det_alert_sample(&a, "sample_qnames", s->sample[i]);
	a.window_ms = (uint32_t)(win / 1000);
	det_raise(c, &a, &t, r->seg, win);
}

static void dga(struct dns_det *d, struct det_ctx *c, const struct det_rec *r)
{
	const char *q = r->u.dns.name;

	if (!r->u.dns.qr || r->u.dns.rcode != 3)
		return;
	struct cli_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, r->src, 16);
	k.ipver = r->ipver;
	uint64_t now = det_now(c);
	uint64_t win = (uint64_t)det_param(c, &det_dns, r->seg, "dns_window_s") * 1000000;
	int created;
	struct cli_state *s = dtab_get(d->clis, &k, now, &created);
	if (created || now - s->win_start > win) {
		memset(s, 0, sizeof(*s));
		s->win_start = now;
	}
	s->nx++;
	unsigned before = lc_count(&s->names);
	lc_add(&s->names, det_hash(q, strnlen(q, sizeof(r->u.dns.name))));
	if (lc_count(&s->names) == before || !random_looking(q))
		return;
	if (s->nx_random < 3)
		copy_trunc(s->sample[s->nx_random], sizeof(s->sample[0]), q);
	s->nx_random++;
	long thr = det_param(c, &det_dns, r->seg, "dga_nxdomain");
	if (s->raised || s->nx_random < (uint32_t)thr)
		return;
	s->raised = 1;
	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_dns, detector_sig(&det_dns, SID_DGA));
	det_rec_tuple(r, &t);
	t.sport = 0;
	det_alert_rule(&a, "%u NXDOMAIN answers, %u of them to "
		 "random-looking names, in %.1f s", s->nx, s->nx_random,
		 (double)(now - s->win_start) / 1e6);
	det_alert_num(&a, "nxdomain", s->nx);
	det_alert_num(&a, "random_names", s->nx_random);
	det_alert_num(&a, "threshold", (double)thr);
	for (int i = 0; i < 3; i++)
		if (s->sample[i][0])
			det_alert_sample(&a, "sample_qnames", s->sample[i]);
	a.window_ms = (uint32_t)(win / 1000);
	det_raise(c, &a, &t, r->seg, win);
}

static void dns_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	if (r->kind != DR_DNS || !r->u.dns.name[0])
		return;
	if (r->u.dns.qr)
		dga(st, c, r);
	else
		tunnel(st, c, r);
}

const struct detector det_dns = {
	.id = "dns",
	.name = "DNS tunnelling, exfiltration and DGA",
	.version = "1.0",
	.description = "Per client and registered domain: unique subdomains with a label of 30+ "
		       "characters or 20+ characters at 3.5+ bits/char entropy, and TXT/NULL "
		       "volume. Per client: NXDOMAIN answers to random-looking names (long "
		       "first label, high entropy, few vowels or many digits).",
	.inputs = "every DNS query (name, type) and error answer (code), parsed on the workers",
	.mitre = "T1071.004,T1048,T1568.002",
	.false_positives = "CDNs and anti-virus lookups with hashed subdomains (e.g. "
			   "*.avts.mcafee.com); DNSSEC/SPF-heavy mail servers (TXT); "
			   "typo-squatting checks by security tools (NXDOMAIN)",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = dns_create,
	.destroy = dns_destroy,
	.state_evictions = dns_evictions,
	.on_record = dns_record,
};
