/* devline: a learnt device profile as a state line, the one place its
 * format is written and read. The baseline detector saves and merges
 * them (state dir, Redis, other sensors'); `vigia devices` lists them.
 *
 *   first=US last=US flows=N bytes=MIN-MAX pkts=MIN-MAX [mac=XX:XX:..]
 *   peers=ADDR/LEN,... svc=PROTO/PORT/N/PERIOD_US/LAST_US[/ROLE],... apps=A,...
 *
 * ROLE 0: the device connects to PORT, 1: it listens on PORT; absent (in
 * lines saved before roles were kept): either. Lines may come from anyone
 * on a shared Redis: what does not read as the format says is left out.
 */
#ifndef VIGIA_DEVLINE_H
#define VIGIA_DEVLINE_H

#include <stddef.h>
#include <stdint.h>

#define DEVLINE_MAX 64   /* entries of a list read from one line */

enum { DEVLINE_CLIENT, DEVLINE_SERVER, DEVLINE_ANY };

/* which scalar fields the line had */
enum {
	DEVLINE_FIRST = 1 << 0, DEVLINE_LAST = 1 << 1, DEVLINE_FLOWS = 1 << 2,
	DEVLINE_BYTES = 1 << 3, DEVLINE_PKTS = 1 << 4, DEVLINE_MAC = 1 << 5,
};

struct devline_svc {
	uint8_t proto, role;
	uint16_t port;
	uint32_t n;                  /* flows learnt */
	uint64_t period_us, last_us;
};

struct devline {
	unsigned has;                /* DEVLINE_FIRST... */
	uint64_t first_us, last_us, flows, bytes_min, bytes_max, pkts_min, pkts_max;
	uint8_t mac[6];
	unsigned npeers, nsvc, napps;
	char peers[DEVLINE_MAX][48]; /* as written: ADDR or ADDR/LEN */
	struct devline_svc svc[DEVLINE_MAX];
	char apps[DEVLINE_MAX][24];  /* nDPI names, none with a separator */
};

void devline_parse(const char *text, struct devline *d);

/* d as a line into buf (cap bytes, NUL-terminated): lists end early
 * rather than overflow. Its length. */
size_t devline_format(const struct devline *d, char *buf, size_t cap);

/* Could name appear in apps= (nDPI's "TLS.Google", "Sina(Weibo)": no
 * separator, no control character, shorter than 24)? */
int devline_app_ok(const char *name);

#endif
