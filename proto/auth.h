/* auth: what login services say of a login, for the brute-force detector.
 *
 * Clear-text services tell it in their replies: FTP 530 / 230, SMTP AUTH
 * 535 / 235, POP3 -ERR / +OK, IMAP tagged NO / OK, telnet's login(1)
 * messages ("Login incorrect", "Last login"). SSH hides it: the shape of
 * the authentication after the key exchange tells it (auth_ssh_*). Clients
 * first ask with "none" for the methods; the answer is a USERAUTH_FAILURE,
 * and every later failure is an answer of that same size (the same method
 * list). A try answered so is a failed try when it was small (a password;
 * key requests are larger); the first answer of another size is the login
 * let in.
 *
 * The readers see one TCP segment, read only within [p, p + len) and keep
 * no state but the caller's struct auth_ssh.
 */
#ifndef VIGIA_AUTH_H
#define VIGIA_AUTH_H

#include <stdint.h>

enum auth_service {
	AUTH_NONE = 0, AUTH_SSH, AUTH_TELNET, AUTH_FTP, AUTH_HTTP, AUTH_POP3, AUTH_IMAP, AUTH_SMTP
};

/* The service a server port usually runs (AUTH_NONE: not a login service
 * read here; HTTP is read by libhtp, see http.h). */
int auth_service_of_port(uint16_t port);

/* Failures and successes one server segment reports. */
struct auth_count {
	unsigned failed, ok;
};
void auth_reply(int service, const uint8_t *p, uint32_t len, struct auth_count *c);

/* SSH: one connection's login, segment by segment. */
#define AUTH_SSH_SMALL 128           /* a password try, cipher and MAC included;
					  * an ed25519 key query is 148 */
struct auth_ssh {
	uint8_t phase;                   /* 0 key exchange, 1 service request,
					  * 2 authentication, 3 over */
	uint8_t req_small;               /* the last request was small */
	uint8_t pending;                 /* ... and waits for its answer */
	uint8_t rounds;                  /* requests in authentication */
	uint16_t fail_len;               /* the answer to "none" */
};
/* One segment (dir 0 client to server). */
void auth_ssh_segment(struct auth_ssh *s, unsigned dir, const uint8_t *p, uint32_t len,
		      struct auth_count *c);
/* The connection closed (nothing more to count: the answers tell). */
void auth_ssh_end(struct auth_ssh *s, struct auth_count *c);

#endif
