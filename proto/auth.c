/* auth: login outcomes from login services' replies (auth.h). */
#include "auth.h"

#include <string.h>

#include "wire.h"

int auth_service_of_port(uint16_t port)
{
	switch (port) {
	case 22: return AUTH_SSH;
	case 23: case 2323: return AUTH_TELNET;
	case 21: return AUTH_FTP;
	case 110: return AUTH_POP3;
	case 143: return AUTH_IMAP;
	case 25: case 587: return AUTH_SMTP;
	default: return AUTH_NONE;
	}
}

/* Case-insensitive substring of a bounded buffer (w lower case). */
static int has(const uint8_t *b, uint32_t n, const char *w)
{
	uint32_t wl = (uint32_t)strlen(w);
	for (uint32_t i = 0; i + wl <= n; i++) {
		uint32_t j = 0;
		while (j < wl && (b[i + j] | 0x20) == (uint8_t)w[j])
			j++;
		if (j == wl)
			return 1;
	}
	return 0;
}

static int starts(const uint8_t *b, uint32_t n, const char *w)
{
	uint32_t wl = (uint32_t)strlen(w);
	return n >= wl && !memcmp(b, w, wl);
}

/* One reply line (without its end of line). */
static void line(int service, const uint8_t *l, uint32_t n, struct auth_count *c)
{
	switch (service) {
	case AUTH_FTP:
		if (starts(l, n, "530 ") || starts(l, n, "530-"))
			c->failed++;
		else if (starts(l, n, "230 "))
			c->ok++;
		break;
	case AUTH_SMTP:
		if (starts(l, n, "535"))
			c->failed++;
		else if (starts(l, n, "235"))
			c->ok++;
		break;
	case AUTH_POP3:
		if (starts(l, n, "-ERR") && (has(l, n, "auth") || has(l, n, "pass") ||
					     has(l, n, "login") || has(l, n, "invalid") ||
					     has(l, n, "denied")))
			c->failed++;
		else if (starts(l, n, "+OK") && (has(l, n, "logged in") || has(l, n, "maildrop")))
			c->ok++;
		break;
	case AUTH_IMAP: {
		/* "<tag> NO ..." / "<tag> OK ... logged in" (untagged "*" lines are not) */
		uint32_t i = 0;
		while (i < n && l[i] != ' ')
			i++;
		if (i == 0 || i >= n || (i == 1 && l[0] == '*'))
			break;
		const uint8_t *r = l + i + 1;
		uint32_t rn = n - i - 1;
		if (starts(r, rn, "NO ") && (has(r, rn, "auth") || has(r, rn, "login") ||
					     has(r, rn, "password") || has(r, rn, "invalid")))
			c->failed++;
		else if (starts(r, rn, "OK ") && (has(r, rn, "logged in") ||
						  has(r, rn, "authenticated") ||
						  has(r, rn, "login completed")))
			c->ok++;
		break;
	}
	case AUTH_TELNET:
		if (has(l, n, "login incorrect") || has(l, n, "login failed") ||
		    has(l, n, "authentication failure") || has(l, n, "incorrect password"))
			c->failed++;
		else if (has(l, n, "last login"))
			c->ok++;
		break;
	}
}

void auth_reply(int service, const uint8_t *p, uint32_t len, struct auth_count *c)
{
	uint32_t i = 0;
	while (i < len) {
		uint32_t e = i;
		while (e < len && p[e] != '\n')
			e++;
		uint32_t n = e - i;
		if (n && p[i + n - 1] == '\r')
			n--;
		line(service, p + i, n, c);
		i = e + 1;
	}
}

void auth_ssh_segment(struct auth_ssh *s, unsigned dir, const uint8_t *p, uint32_t len,
		      struct auth_count *c)
{
	if (!len || s->phase == 3)
		return;
	if (s->phase == 0) {
		/* the client's NEWKEYS (packet length 12, message 21) ends the
		 * clear part; what follows it in the segment is the service
		 * request */
		if (dir == 0 && len >= 16 && rd32(p) == 12 && p[5] == 21)
			s->phase = len > 16 ? 2 : 1;
		return;
	}
	if (s->phase == 1) {
		if (dir == 1)
			s->phase = 2; /* the service accept */
		return;
	}
	if (dir == 0) {
		s->pending = 1;
		s->req_small = len <= AUTH_SSH_SMALL;
		if (++s->rounds >= 64)
			s->phase = 3;
		return;
	}
	if (!s->pending)
		return;
	s->pending = 0;
	if (s->rounds == 1) {
		s->fail_len = len > 0xffff ? 0xffff : (uint16_t)len; /* "none": a failure */
	} else if (len == s->fail_len) {
		if (s->req_small)
			c->failed++;
	} else {
		c->ok++; /* another answer than a failure: let in */
		s->phase = 3;
	}
}

void auth_ssh_end(struct auth_ssh *s, struct auth_count *c)
{
	(void)c;
	s->phase = 3;
}
