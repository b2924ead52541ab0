/* auth: login outcomes from the login services' replies (FTP, SMTP, POP3,
 * IMAP, telnet), SSH's authentication shape segment by segment, and
 * HTTP's login forms; every reply cut at every length (exact-size heap
 * copies: ASan sees any read past the end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/auth.h"
#include "../../proto/http.h"

static struct auth_count reply(int service, const char *s)
{
	struct auth_count c = { 0, 0 };
	size_t n = strlen(s);
	uint8_t *b = malloc(n ? n : 1);
	memcpy(b, s, n);
	auth_reply(service, b, (uint32_t)n, &c);
	free(b);
	return c;
}

static void test_clear_text_replies(void **st)
{
	(void)st;
	struct auth_count c;
	c = reply(AUTH_FTP, "331 Please specify the password.\r\n530 Login incorrect.\r\n");
	assert_int_equal(c.failed, 1);
	assert_int_equal(c.ok, 0);
	assert_int_equal(reply(AUTH_FTP, "230 Login successful.\r\n").ok, 1);
	/* a 530 inside a line is no reply code */
	assert_int_equal(reply(AUTH_FTP, "150 file 530 bytes\r\n").failed, 0);
	assert_int_equal(reply(AUTH_SMTP, "535 5.7.8 Authentication credentials invalid\r\n").failed, 1);
	assert_int_equal(reply(AUTH_SMTP, "235 2.7.0 Authentication successful\r\n").ok, 1);
	assert_int_equal(reply(AUTH_POP3, "-ERR [AUTH] Authentication failed.\r\n").failed, 1);
	assert_int_equal(reply(AUTH_POP3, "-ERR no such message\r\n").failed, 0);
	assert_int_equal(reply(AUTH_POP3, "+OK Logged in.\r\n").ok, 1);
	assert_int_equal(reply(AUTH_IMAP, "a1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n")
			 .failed, 1);
	assert_int_equal(reply(AUTH_IMAP, "* NO [ALERT] login disabled\r\n").failed, 0);
	assert_int_equal(reply(AUTH_IMAP, "a2 OK [CAPABILITY IMAP4rev1] Logged in\r\n").ok, 1);
	c = reply(AUTH_TELNET, "\r\nLogin incorrect\r\nvm login: ");
	assert_int_equal(c.failed, 1);
	assert_int_equal(reply(AUTH_TELNET, "Last login: Mon Dec  7 from 10.0.0.1\r\n$ ").ok, 1);
	assert_int_equal(auth_service_of_port(22), AUTH_SSH);
	assert_int_equal(auth_service_of_port(2323), AUTH_TELNET);
	assert_int_equal(auth_service_of_port(80), AUTH_NONE);
}

static void test_replies_truncated(void **st)
{
	(void)st;
	static const char *const r[] = { "530 Login incorrect.\r\n", "a1 NO login failed\r\n",
					 "-ERR auth failed\r\n", "\r\nLogin incorrect\r\n" };
	static const int svc[] = { AUTH_FTP, AUTH_IMAP, AUTH_POP3, AUTH_TELNET };
	for (int k = 0; k < 4; k++) {
		size_t n = strlen(r[k]);
		for (size_t l = 0; l <= n; l++) {
			uint8_t *b = malloc(l ? l : 1);
			memcpy(b, r[k], l);
			struct auth_count c = { 0, 0 };
			auth_reply(svc[k], b, (uint32_t)l, &c);
			assert_true(c.failed <= 1 && c.ok == 0);
			free(b);
		}
	}
}

static void seg(struct auth_ssh *s, unsigned dir, uint32_t len, struct auth_count *c)
{
	uint8_t *b = calloc(1, len ? len : 1);
	if (len >= 16 && dir == 0 && len == 16) {
		b[3] = 12;
		b[5] = 21; /* NEWKEYS */
	}
	auth_ssh_segment(s, dir, b, len, c);
	free(b);
}

/* hydra's shape: NEWKEYS, service request/accept, "none" (52-byte
 * failure), three 84-byte password tries answered 52: three failures; a
 * fourth answered 28: let in, and nothing after it counts */
static void test_ssh_shape(void **st)
{
	(void)st;
	struct auth_ssh s;
	struct auth_count c = { 0, 0 };
	memset(&s, 0, sizeof(s));
	seg(&s, 0, 904, &c);  /* KEXINIT: still clear */
	seg(&s, 1, 1088, &c);
	seg(&s, 0, 16, &c);   /* NEWKEYS */
	seg(&s, 0, 44, &c);   /* service request */
	seg(&s, 1, 44, &c);
	seg(&s, 0, 68, &c);   /* none */
	seg(&s, 1, 52, &c);
	assert_int_equal(c.failed, 0);
	for (int i = 0; i < 3; i++) {
		seg(&s, 0, 84, &c);
		seg(&s, 1, 52, &c);
	}
	assert_int_equal(c.failed, 3);
	seg(&s, 0, 84, &c);
	seg(&s, 1, 28, &c);
	assert_int_equal(c.ok, 1);
	for (int i = 0; i < 10; i++) { /* keystrokes and echoes */
		seg(&s, 0, 52, &c);
		seg(&s, 1, 52, &c);
	}
	auth_ssh_end(&s, &c);
	assert_int_equal(c.failed, 3);
	assert_int_equal(c.ok, 1);

	/* a key login: large requests, never failures */
	memset(&s, 0, sizeof(s));
	memset(&c, 0, sizeof(c));
	seg(&s, 0, 16, &c);
	seg(&s, 0, 44, &c);
	seg(&s, 1, 44, &c);
	seg(&s, 0, 68, &c);
	seg(&s, 1, 52, &c);
	seg(&s, 0, 420, &c);  /* a key the server does not take */
	seg(&s, 1, 52, &c);
	seg(&s, 0, 420, &c);
	seg(&s, 1, 340, &c);  /* PK_OK */
	assert_int_equal(c.failed, 0);
	assert_int_equal(c.ok, 1);
}

static void test_http_login_forms(void **st)
{
	(void)st;
	static const char fail[] = "<p>Login failed</p>", welcome[] = "<p>Welcome</p>";
	assert_int_equal(http_login_outcome("GET", "/admin", 401, "", 0), HTTP_LOGIN_FAILED);
	assert_int_equal(http_login_outcome("POST", "/cgi-bin/login.py", 200, fail, sizeof(fail) - 1),
			 HTTP_LOGIN_FAILED);
	assert_int_equal(http_login_outcome("POST", "/cgi-bin/login.py", 200, welcome,
					    sizeof(welcome) - 1), HTTP_LOGIN_OK);
	assert_int_equal(http_login_outcome("POST", "/api/v1/session", 403, "", 0), HTTP_LOGIN_FAILED);
	assert_int_equal(http_login_outcome("POST", "/Account/SignIn?next=/", 302, "", 0),
			 HTTP_LOGIN_OK);
	/* not a login form: a search whose query says "login" */
	assert_int_equal(http_login_outcome("POST", "/search?q=login", 200, fail, sizeof(fail) - 1),
			 HTTP_LOGIN_NONE);
	assert_int_equal(http_login_outcome("GET", "/login", 200, fail, sizeof(fail) - 1),
			 HTTP_LOGIN_NONE);
	assert_int_equal(http_login_outcome("POST", "/login", 500, "", 0), HTTP_LOGIN_NONE);
	/* the body's words are read only within its length */
	assert_int_equal(http_login_outcome("POST", "/login", 200, fail, 5), HTTP_LOGIN_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clear_text_replies),
		cmocka_unit_test(test_replies_truncated),
		cmocka_unit_test(test_ssh_shape),
		cmocka_unit_test(test_http_login_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
