#include "classify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ndpi_api.h>

struct classifier {
	struct ndpi_detection_module_struct *mod;
	struct classify_cfg cfg;
	size_t flow_size;
	uint8_t *slots;            /* max_slots * flow_size, lazily touched */
	uint32_t *free_stack;
	uint32_t free_top;
	struct classify_stats st;
};

void classify_default_cfg(struct classify_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_slots = 1u << 18;
	cfg->max_tcp_pkts = 80;
	cfg->max_udp_pkts = 24;
}

static int load_list(struct classifier *c, const char *path,
		     int (*load)(struct ndpi_detection_module_struct *,
				 const char *),
		     const char *what, char *err, unsigned errlen)
{
	FILE *fp;

	if (!path)
		return 0;
	/* nDPI's loaders do not say why they failed: check readability. */
	fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errlen, "%s: cannot read %s list: %s", path, what,
			 strerror(errno));
		return -1;
	}
	fclose(fp);
	if (load(c->mod, path) < 0) {
		snprintf(err, errlen, "%s: not a valid %s list", path, what);
		return -1;
	}
	return 0;
}

/* ndpi_load_protocols_file takes a non-const path in 4.2. */
static int load_protos(struct ndpi_detection_module_struct *m, const char *p)
{
	return ndpi_load_protocols_file(m, p);
}

static int load_cats(struct ndpi_detection_module_struct *m, const char *p)
{
	return ndpi_load_categories_file(m, p);
}

static int load_risky(struct ndpi_detection_module_struct *m, const char *p)
{
	return ndpi_load_risk_domain_file(m, p);
}

static int load_ja3(struct ndpi_detection_module_struct *m, const char *p)
{
	return ndpi_load_malicious_ja3_file(m, p);
}

static int load_sha1(struct ndpi_detection_module_struct *m, const char *p)
{
	return ndpi_load_malicious_sha1_file(m, p);
}

struct classifier *classifier_create(const struct classify_cfg *cfg,
				     char *err, unsigned errlen)
{
	struct classifier *c;
	NDPI_PROTOCOL_BITMASK all;

	if (!cfg->max_slots) {
		snprintf(err, errlen, "classifier needs at least one slot");
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto nomem;
	c->cfg = *cfg;
	c->mod = ndpi_init_detection_module(ndpi_no_prefs);
	if (!c->mod) {
		snprintf(err, errlen, "nDPI initialisation failed");
		goto nomem;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(c->mod, &all);
	if (load_list(c, cfg->protos_file, load_protos, "protocols", err, errlen) ||
	    load_list(c, cfg->categories_file, load_cats, "categories", err, errlen) ||
	    load_list(c, cfg->risky_domains_file, load_risky, "risky domains", err, errlen) ||
	    load_list(c, cfg->ja3_file, load_ja3, "JA3", err, errlen) ||
	    load_list(c, cfg->sha1_file, load_sha1, "SHA1", err, errlen)) {
		classifier_destroy(c);
		errno = EINVAL;
		return NULL;
	}
	ndpi_finalize_initialization(c->mod);

	c->flow_size = (ndpi_detection_get_sizeof_ndpi_flow_struct() + 63) & ~(size_t)63;
	c->slots = calloc(cfg->max_slots, c->flow_size);
	c->free_stack = malloc(cfg->max_slots * sizeof(uint32_t));
	if (!c->slots || !c->free_stack) {
		snprintf(err, errlen, "no memory for %u classifier slots",
			 cfg->max_slots);
		goto nomem;
	}
	/* Low indexes on top: the pages used stay few when load is light. */
	for (uint32_t i = 0; i < cfg->max_slots; i++)
		c->free_stack[i] = cfg->max_slots - 1 - i;
	c->free_top = cfg->max_slots;
	return c;
nomem:
	classifier_destroy(c);
	errno = ENOMEM;
	return NULL;
}

void classifier_destroy(struct classifier *c)
{
	if (!c)
		return;
	if (c->slots && c->free_stack) {
		/* free nDPI's own allocations of slots still in use */
		uint8_t *used = calloc(c->cfg.max_slots, 1);
		if (used) {
			for (uint32_t i = 0; i < c->free_top; i++)
				used[c->free_stack[i]] = 1;
			for (uint32_t i = 0; i < c->cfg.max_slots; i++)
				if (!used[i])
					ndpi_free_flow_data((struct ndpi_flow_struct *)(c->slots + (size_t)i * c->flow_size));
			free(used);
		}
	}
	if (c->mod)
		ndpi_exit_detection_module(c->mod);
	free(c->slots);
	free(c->free_stack);
	free(c);
}

static inline struct ndpi_flow_struct *slot_flow(struct classifier *c,
						 uint32_t slot)
{
	return (struct ndpi_flow_struct *)(c->slots + (size_t)slot * c->flow_size);
}

uint32_t classifier_begin(struct classifier *c)
{
	if (!c->free_top) {
		c->st.slots_exhausted++;
		return CLASSIFY_NO_SLOT;
	}
	uint32_t s = c->free_stack[--c->free_top];
	memset(slot_flow(c, s), 0, c->flow_size);
	return s;
}

static void release(struct classifier *c, uint32_t slot)
{
	ndpi_free_flow_data(slot_flow(c, slot));
	c->free_stack[c->free_top++] = slot;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	if (!src) {
		dst[0] = 0;
		return;
	}
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = 0;
}

static int is_proto(ndpi_protocol p, uint16_t id)
{
	return p.master_protocol == id || p.app_protocol == id;
}

static int hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* "32 hex digits" -> 16 bytes; 0 if s is not an MD5 in hex. */
static int md5_from_hex(uint8_t *out, const char *s)
{
	for (int i = 0; i < 16; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hi < 0 ? -1 : hex_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return 0;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[32] == 0;
}

static void md5_to_hex(char *out, const uint8_t *in)
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[32] = 0;
}

static void extract(struct classifier *c, struct ndpi_flow_struct *f,
		    ndpi_protocol p, int guessed, struct cls_result *out)
{
	memset(out, 0, sizeof(*out));
	out->master_id = p.master_protocol;
	out->app_id = p.app_protocol;
	out->category_id = (uint16_t)p.category;
	out->guessed = (uint8_t)guessed;
	out->risk = f->risk;
	out->confidence = (uint8_t)f->confidence;
	copy_str(out->host, sizeof(out->host), f->host_server_name);

	if (is_proto(p, NDPI_PROTOCOL_DNS)) {
		out->host_kind = EV_HOST_DNS;
		out->has_dns = 1;
		out->dns_qtype = f->protos.dns.query_type;
		out->dns_rcode = f->protos.dns.reply_code;
	} else if (is_proto(p, NDPI_PROTOCOL_TLS) ||
		   is_proto(p, NDPI_PROTOCOL_QUIC) ||
		   is_proto(p, NDPI_PROTOCOL_DTLS)) {
		out->host_kind = EV_HOST_TLS;
		out->has_ja3c = (uint8_t)md5_from_hex(out->ja3c, f->protos.tls_quic.ja3_client);
		out->has_ja3s = (uint8_t)md5_from_hex(out->ja3s, f->protos.tls_quic.ja3_server);
		out->tls_version = f->protos.tls_quic.ssl_version;
	} else if (is_proto(p, NDPI_PROTOCOL_HTTP)) {
		out->host_kind = EV_HOST_HTTP;
	} else if (out->host[0]) {
		out->host_kind = EV_HOST_OTHER;
	}
	/* HTTP fields are outside the protocol union: valid for any flow. */
	copy_str(out->url, sizeof(out->url), f->http.url);
	copy_str(out->user_agent, sizeof(out->user_agent), f->http.user_agent);
	out->http_method = (uint8_t)f->http.method;
	out->http_status = f->http.response_status_code;

	if (p.app_protocol || p.master_protocol) {
		if (guessed)
			c->st.guessed++;
		else
			c->st.detected++;
	} else {
		c->st.unknown++;
	}
}

int classifier_packet(struct classifier *c, uint32_t slot, const uint8_t *l3,
		      uint32_t l3_len, uint64_t ts_us, uint8_t l4proto,
		      uint64_t flow_pkts, struct cls_result *out)
{
	struct ndpi_flow_struct *f = slot_flow(c, slot);
	c->st.dpi_pkts++;
	int enough = (l4proto == 6 && flow_pkts > c->cfg.max_tcp_pkts) ||
		     (l4proto == 17 && flow_pkts > c->cfg.max_udp_pkts);
	ndpi_protocol p = ndpi_detection_process_packet(
		c->mod, f, l3, (unsigned short)(l3_len > 65535 ? 65535 : l3_len),
		ts_us / 1000);

	if (!enough && !p.app_protocol)
		return 0;
	/* more packets for nDPI's extra dissection (TLS certificate, DNS
	 * answer, ...) - but not BitTorrent's: fuzz_pipeline crashed libndpi
	 * 4.2 in it (a wild read in bittorrent.c's extra-packet path, from
	 * ndpi_process_extra_packet), and vigia uses nothing it adds */
	if (!enough && ndpi_extra_dissection_possible(c->mod, f) &&
	    p.app_protocol != NDPI_PROTOCOL_BITTORRENT && p.master_protocol != NDPI_PROTOCOL_BITTORRENT)
		return 0;
	int guessed = 0;
	if (!p.app_protocol) {
		uint8_t was_guessed = 0;
		p = ndpi_detection_giveup(c->mod, f, 1, &was_guessed);
		guessed = 1;
	}
	extract(c, f, p, guessed, out);
	release(c, slot);
	return 1;
}

void classifier_finish(struct classifier *c, uint32_t slot,
		       struct cls_result *out)
{
	struct ndpi_flow_struct *f = slot_flow(c, slot);
	ndpi_protocol p = { f->detected_protocol_stack[1],
			    f->detected_protocol_stack[0], f->category };
	int guessed = 0;

	if (!p.app_protocol) {
		uint8_t was_guessed = 0;
		p = ndpi_detection_giveup(c->mod, f, 1, &was_guessed);
		guessed = 1;
	}
	extract(c, f, p, guessed, out);
	release(c, slot);
}

void classifier_describe(struct classifier *c, const struct cls_result *r,
			 struct ev_app *out)
{
	ndpi_protocol p = { r->master_id, r->app_id,
			    (ndpi_protocol_category_t)r->category_id };

	memset(out, 0, sizeof(*out));
	out->master_id = r->master_id;
	out->app_id = r->app_id;
	out->category_id = r->category_id;
	out->guessed = r->guessed;
	out->host_kind = r->host_kind;
	out->risk = r->risk;
	ndpi_protocol2name(c->mod, p, out->proto, sizeof(out->proto));
	if (r->master_id)
		copy_str(out->master, sizeof(out->master),
			 ndpi_get_proto_name(c->mod, r->master_id));
	if (r->app_id)
		copy_str(out->app, sizeof(out->app),
			 ndpi_get_proto_name(c->mod, r->app_id));
	copy_str(out->category, sizeof(out->category),
		 ndpi_category_get_name(c->mod, p.category));
	copy_str(out->confidence, sizeof(out->confidence),
		 ndpi_confidence_get_name((ndpi_confidence_t)r->confidence));
	memcpy(out->host, r->host, sizeof(r->host));
	memcpy(out->user_agent, r->user_agent, sizeof(r->user_agent));
	out->user_agent[sizeof(out->user_agent) - 1] = 0;
	memcpy(out->url, r->url, sizeof(r->url));
	out->url[sizeof(out->url) - 1] = 0;
	if (r->has_ja3c)
		md5_to_hex(out->ja3c, r->ja3c);
	if (r->has_ja3s)
		md5_to_hex(out->ja3s, r->ja3s);
	if (r->http_method != NDPI_HTTP_METHOD_UNKNOWN)
		copy_str(out->method, sizeof(out->method),
			 ndpi_http_method2str((ndpi_http_method)r->http_method));
	out->http_status = r->http_status;
	out->dns_qtype = r->dns_qtype;
	out->dns_rcode = r->dns_rcode;
	out->has_dns = r->has_dns;
	out->tls_version = r->tls_version;
}

const char *classify_risk_name(unsigned bit)
{
	if (bit >= NDPI_MAX_RISK)
		return NULL;
	return ndpi_risk2str((ndpi_risk_enum)bit);
}

void classifier_get_stats(const struct classifier *c, struct classify_stats *s)
{
	*s = c->st;
	s->slots_in_use = c->cfg.max_slots - c->free_top;
}

const char *classifier_proto_name(struct classifier *c, uint16_t id)
{
	return ndpi_get_proto_name(c->mod, id);
}

int classifier_app_id(struct classifier *c, const char *name)
{
	uint16_t id = ndpi_get_proto_by_name(c->mod, name);

	if (id == NDPI_PROTOCOL_UNKNOWN && strcasecmp(name, "Unknown"))
		return -1;
	return id;
}

int classifier_category_id(struct classifier *c, const char *name)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", name);
	return ndpi_get_category_id(c->mod, buf);
}

const char *classify_lib_version(void)
{
	return ndpi_revision();
}
