#include "devline.h"

#include <stdio.h>
#include <string.h>

int devline_app_ok(const char *e)
{
	size_t n = strlen(e);

	if (!n || n >= sizeof(((struct devline *)0)->apps[0]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)e[i] <= ' ' || (unsigned char)e[i] >= 0x7f || e[i] == ',' ||
		    e[i] == '=')
			return 0;
	return 1;
}

static void one_svc(struct devline *d, const char *e)
{
	unsigned proto, port, n, role = DEVLINE_ANY;
	unsigned long long per, last;

	if (d->nsvc >= DEVLINE_MAX ||
	    sscanf(e, "%u/%u/%u/%llu/%llu/%u", &proto, &port, &n, &per, &last, &role) < 5 ||
	    proto > 255 || port > 65535 || role > DEVLINE_ANY)
		return;
	struct devline_svc *s = &d->svc[d->nsvc++];
	s->proto = (uint8_t)proto;
	s->port = (uint16_t)port;
	s->role = (uint8_t)role;
	s->n = n;
	s->period_us = per;
	s->last_us = last;
}

void devline_parse(const char *text, struct devline *d)
{
	char buf[4096];
	char *save = NULL;

	memset(d, 0, sizeof(*d));
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *f = strtok_r(buf, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		unsigned long long a, b;
		char *s2 = NULL;
		if (sscanf(f, "first=%llu", &a) == 1) {
			d->first_us = a;
			d->has |= DEVLINE_FIRST;
		} else if (sscanf(f, "last=%llu", &a) == 1) {
			d->last_us = a;
			d->has |= DEVLINE_LAST;
		} else if (sscanf(f, "flows=%llu", &a) == 1) {
			d->flows = a;
			d->has |= DEVLINE_FLOWS;
		} else if (sscanf(f, "bytes=%llu-%llu", &a, &b) == 2) {
			d->bytes_min = a;
			d->bytes_max = b;
			d->has |= DEVLINE_BYTES;
		} else if (sscanf(f, "pkts=%llu-%llu", &a, &b) == 2) {
			d->pkts_min = a;
			d->pkts_max = b;
			d->has |= DEVLINE_PKTS;
		} else if (!strncmp(f, "mac=", 4)) {
			unsigned m[6];
			if (sscanf(f + 4, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
				   &m[5]) == 6) {
				for (int i = 0; i < 6; i++)
					d->mac[i] = (uint8_t)m[i];
				d->has |= DEVLINE_MAC;
			}
		} else if (!strncmp(f, "peers=", 6)) {
			for (char *e = strtok_r(f + 6, ",", &s2); e && d->npeers < DEVLINE_MAX;
			     e = strtok_r(NULL, ",", &s2))
				snprintf(d->peers[d->npeers++], sizeof(d->peers[0]), "%.47s", e);
		} else if (!strncmp(f, "svc=", 4)) {
			for (char *e = strtok_r(f + 4, ",", &s2); e; e = strtok_r(NULL, ",", &s2))
				one_svc(d, e);
		} else if (!strncmp(f, "apps=", 5)) {
			for (char *e = strtok_r(f + 5, ",", &s2); e && d->napps < DEVLINE_MAX;
			     e = strtok_r(NULL, ",", &s2))
				if (devline_app_ok(e))
					snprintf(d->apps[d->napps++], sizeof(d->apps[0]), "%s", e);
		}
	}
}

size_t devline_format(const struct devline *d, char *text, size_t cap)
{
	size_t l;

#define ADD(...)                                                                   \
	do {                                                                       \
		if (l < cap) {                                                     \
			int n_ = snprintf(text + l, cap - l, __VA_ARGS__);         \
			l = n_ < 0 ? l : l + (size_t)n_ < cap ? l + (size_t)n_ : cap - 1; \
		}                                                                  \
	} while (0)
	if (!cap)
		return 0;
	text[0] = 0;
	l = 0;
	ADD("first=%llu last=%llu flows=%llu bytes=%llu-%llu pkts=%llu-%llu ",
	    (unsigned long long)d->first_us, (unsigned long long)d->last_us,
	    (unsigned long long)d->flows, (unsigned long long)d->bytes_min,
	    (unsigned long long)d->bytes_max, (unsigned long long)d->pkts_min,
	    (unsigned long long)d->pkts_max);
	if (d->has & DEVLINE_MAC)
		ADD("mac=%02x:%02x:%02x:%02x:%02x:%02x ", d->mac[0], d->mac[1], d->mac[2],
		    d->mac[3], d->mac[4], d->mac[5]);
	ADD("peers=");
	for (unsigned i = 0; i < d->npeers && cap > 64 && l < cap - 64; i++)
		ADD("%s%s", i ? "," : "", d->peers[i]);
	ADD(" svc=");
	for (unsigned i = 0; i < d->nsvc && cap > 80 && l < cap - 80; i++)
		ADD("%s%u/%u/%u/%llu/%llu/%u", i ? "," : "", d->svc[i].proto, d->svc[i].port,
		    d->svc[i].n, (unsigned long long)d->svc[i].period_us,
		    (unsigned long long)d->svc[i].last_us, d->svc[i].role);
	ADD(" apps=");
	for (unsigned i = 0; i < d->napps && cap > 32 && l < cap - 32; i++)
		ADD("%s%s", i ? "," : "", d->apps[i]);
#undef ADD
	return l;
}
