/* app_dns: DNS over UDP (port 53, either side), for the DNS detectors. */
#include "worker_impl.h"
#include "../proto/dns.h"

#include <string.h>

/* Every DNS query, and every error answer: one flow may carry thousands
 * of queries (tunnels reuse their socket). The packet's own ports decide:
 * the flow's cold metadata stays cold. */
static void dns_packet(struct worker *w, void *st, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, unsigned dir)
{
	struct dns_msg msg;

	(void)st;
	(void)dir;
	if (dns_parse(d->payload, d->payload_len, &msg) || (msg.qr && !msg.rcode))
		return;
	struct det_rec *r = wk_flow_rec(w, f, m, DR_DNS, 0);
	if (!r)
		return;
	r->u.dns.qtype = msg.qtype;
	r->u.dns.qr = msg.qr;
	r->u.dns.rcode = msg.rcode;
	memcpy(r->u.dns.name, msg.name, (size_t)msg.name_len + 1);
	det_feed_commit(w->feed, r);
}

const struct app_layer al_dns = {
	.name = "dns",
	.l4 = 17,
	.flags = AL_FEED,
	.ports = { 53 },
	.packet = dns_packet,
};
