#include "capture_pcap.h"
#include "pcapng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "decode.h"

struct cap_pcap {
	pcap_t *p;
	struct pcapng *ng;         /* a multi-link pcapng libpcap refuses */
	char ng_err[256];
	uint64_t delivered;        /* packets libpcap gave so far */
	int link;
	int is_file;
	uint64_t size;
	cap_pcap_fn fn;
	void *ctx;
	char path[256];
};

static int map_link(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: return DEC_LINK_ETH;
	case DLT_RAW: return DEC_LINK_RAW;
#ifdef DLT_IPV4
	case DLT_IPV4: return DEC_LINK_IPV4;
#endif
#ifdef DLT_IPV6
	case DLT_IPV6: return DEC_LINK_IPV6;
#endif
	case DLT_LINUX_SLL: return DEC_LINK_SLL;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2: return DEC_LINK_SLL2;
#endif
	case DLT_NULL: return DEC_LINK_NULL;
	case DLT_LOOP: return DEC_LINK_LOOP;
	case DLT_PPP: return DEC_LINK_PPP;
#ifdef DLT_PPP_SERIAL
	case DLT_PPP_SERIAL: return DEC_LINK_PPP_HDLC;
#endif
#ifdef DLT_C_HDLC
	case DLT_C_HDLC: return DEC_LINK_C_HDLC;
#endif
#ifdef DLT_IPNET
	case DLT_IPNET: return DEC_LINK_IPNET;
#endif
#ifdef DLT_NFLOG
	case DLT_NFLOG: return DEC_LINK_NFLOG;
#endif
	default: return -1;
	}
}

static struct cap_pcap *finish_open(pcap_t *p, const char *name, int is_file,
				    char *err, size_t errlen)
{
	struct cap_pcap *c;
	int dlt = pcap_datalink(p);
	int link = map_link(dlt);

	if (link < 0) {
		const char *n = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s: unsupported link type %d (%s)", name,
			 dlt, n ? n : "unknown");
		pcap_close(p);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "%s: out of memory", name);
		pcap_close(p);
		return NULL;
	}
	c->p = p;
	c->link = link;
	c->is_file = is_file;
	snprintf(c->path, sizeof(c->path), "%s", name);
	return c;
}

struct cap_pcap *cap_pcap_open_file(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct stat sb;
	pcap_t *p;

	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory", path);
		return NULL;
	}
	p = pcap_open_offline_with_tstamp_precision(path,
						    PCAP_TSTAMP_PRECISION_MICRO,
						    perr);
	if (!p && strstr(perr, "different from the type of the first interface")) {
		/* libpcap reads one link type per file: read the blocks here,
		 * each packet with its own interface's link type */
		struct pcapng *ng = pcapng_open(path, err, errlen);
		struct cap_pcap *c = ng ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			pcapng_close(ng);
			if (ng)
				snprintf(err, errlen, "%s: out of memory", path);
			return NULL;
		}
		c->ng = ng;
		c->is_file = 1;
		c->size = (uint64_t)sb.st_size;
		snprintf(c->path, sizeof(c->path), "%s", path);
		return c;
	}
	if (!p) {
		snprintf(err, errlen, "%s: %s", path,
			 perr[0] ? perr : "cannot open capture");
		return NULL;
	}
	struct cap_pcap *c = finish_open(p, path, 1, err, errlen);
	if (c)
		c->size = (uint64_t)sb.st_size;
	return c;
}

struct cap_pcap *cap_pcap_open_live(const char *iface, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, perr);

	if (!p) {
		snprintf(err, errlen, "%s: %s", iface, perr);
		return NULL;
	}
	pcap_set_snaplen(p, 65535);
	pcap_set_promisc(p, 1);
	pcap_set_timeout(p, 100);
	/* deliver packets as they come, not when a ring block fills: alerts
	 * should not wait up to the timeout (DPDK is the high-rate path) */
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 64 << 20);
	int rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	return finish_open(p, iface, 0, err, errlen);
}

void cap_pcap_close(struct cap_pcap *c)
{
	if (!c)
		return;
	if (c->p)
		pcap_close(c->p);
	pcapng_close(c->ng);
	free(c);
}

/* A pcap record's seconds are unsigned 32 bits, which libpcap hands over
 * as a signed int: after 2038 they come negative. */
static inline uint64_t cap_ts_us(long sec, long usec)
{
	uint64_t s = sec < 0 ? (uint64_t)(uint32_t)sec : (uint64_t)sec;
	return s * 1000000 + (uint64_t)usec;
}

static void on_pkt(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct cap_pcap *c = (struct cap_pcap *)user;
	struct pkt p = {
		.data = data,
		.caplen = h->caplen,
		.wirelen = h->len,
		.ts_us = cap_ts_us(h->ts.tv_sec, h->ts.tv_usec),
		.link = c->link,
	};

	c->delivered++;
	c->fn(c->ctx, &p);
}

/* The pcapng fallback: a link type decode does not know goes on as -1,
 * which the decoder counts as malformed. */
static int ng_dispatch(struct cap_pcap *c, int max, cap_pcap_fn fn, void *ctx)
{
	int n = 0;

	while (n < max) {
		struct pcapng_pkt pk;
		int rc = pcapng_next(c->ng, &pk, c->ng_err, sizeof(c->ng_err));
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		struct pkt p = { .data = pk.data, .caplen = pk.caplen, .wirelen = pk.wirelen,
				 .ts_us = pk.ts_us,
				 .link = decode_link_supported(pk.linktype) ? pk.linktype : -1 };
		fn(ctx, &p);
		n++;
	}
	return n;
}

int cap_pcap_dispatch(struct cap_pcap *c, int max, cap_pcap_fn fn, void *ctx)
{
	if (c->ng)
		return ng_dispatch(c, max, fn, ctx);
	c->fn = fn;
	c->ctx = ctx;
	int n = pcap_dispatch(c->p, max, on_pkt, (u_char *)c);
	if (n == PCAP_ERROR_BREAK)
		return -2;
	if (n < 0 && c->is_file &&
	    strstr(pcap_geterr(c->p), "different from the type of the first interface")) {
		/* libpcap reads one link type per file: from here the blocks are
		 * read by pcapng.c, each packet with its interface's link type */
		struct pcapng *ng = pcapng_open(c->path, c->ng_err, sizeof(c->ng_err));
		struct pcapng_pkt pk;
		for (uint64_t k = 0; ng && k < c->delivered; k++)
			if (pcapng_next(ng, &pk, c->ng_err, sizeof(c->ng_err)) != 1) {
				pcapng_close(ng);
				ng = NULL;
			}
		if (!ng)
			return -1;
		pcap_close(c->p);
		c->p = NULL;
		c->ng = ng;
		return ng_dispatch(c, max, fn, ctx);
	}
	if (n < 0)
		return -1;
	return n;
}

void cap_pcap_break(struct cap_pcap *c)
{
	if (!c->p)
		return; /* a pcapng fallback returns after at most max packets */
	pcap_breakloop(c->p);
}

const char *cap_pcap_error(struct cap_pcap *c)
{
	if (c->ng)
		return c->ng_err;
	return pcap_geterr(c->p);
}

uint64_t cap_pcap_file_pos(struct cap_pcap *c)
{
	if (!c->is_file)
		return 0;
	if (c->ng)
		return pcapng_pos(c->ng);
	FILE *f = pcap_file(c->p);
	long pos = f ? ftell(f) : -1;
	return pos > 0 ? (uint64_t)pos : 0;
}

uint64_t cap_pcap_file_size(const struct cap_pcap *c)
{
	return c->size;
}

int cap_pcap_live_stats(struct cap_pcap *c, uint64_t *recv, uint64_t *drop)
{
	struct pcap_stat ps;

	*recv = *drop = 0;
	if (c->is_file || pcap_stats(c->p, &ps) != 0)
		return -1;
	*recv = ps.ps_recv;
	*drop = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
	return 0;
}

const char *cap_pcap_lib_version(void)
{
	return pcap_lib_version();
}
