/* http_status: the routes, methods, status codes and headers over a real
 * loopback socket, a malformed request not stopping the server, and the
 * listen addresses it accepts and refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include "../../telemetry/http_status.h"
#include "../../telemetry/log.h"

static int fills;

static void fill(void *ctx, struct metrics_snapshot *m)
{
	__atomic_fetch_add((int *)ctx, 1, __ATOMIC_RELAXED);
	snprintf(m->sensor, sizeof(m->sensor), "%s", "edge-\"t\"");
	m->packets = 4242;
	m->bytes = 100000;
	m->nworkers = 2;
	m->workers[1].packets = 7;
}

static char warned[512];

static void __attribute__((format(printf, 2, 0)))
quiet(enum log_level lvl, const char *fmt, va_list ap)
{
	if (lvl == LOG_LVL_WARN)
		vsnprintf(warned, sizeof(warned), fmt, ap);
}

struct srv {
	struct status *st;
	struct http_status *h;
	unsigned port;
};

static int setup(void **state)
{
	static struct srv s;
	char err[256];

	log_set_print(quiet);
	s.st = status_create();
	assert_non_null(s.st);
	s.h = http_status_start("127.0.0.1:0", s.st, fill, &fills, err, sizeof(err));
	if (!s.h)
		fail_msg("start: %s", err);
	s.port = http_status_port(s.h);
	assert_true(s.port > 0 && s.port < 65536);
	*state = &s;
	return 0;
}

static int teardown(void **state)
{
	struct srv *s = *state;

	http_status_stop(s->h);
	status_destroy(s->st);
	return 0;
}

static int dial(int family, unsigned port)
{
	struct sockaddr_storage ss;
	struct timeval tv = { 5, 0 };
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	return fd;
}

/* Send raw bytes, read the whole answer (the server closes, or the request
 * asked it to). Returns the status code; *out holds the response. */
static char resp[1 << 20];

static int exchange_fam(int family, unsigned port, const char *req, size_t len)
{
	int fd = dial(family, port), code = -1;
	size_t got = 0;
	ssize_t n;

	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	while (got < sizeof(resp) - 1 &&
	       (n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		got += (size_t)n;
	resp[got] = 0;
	close(fd);
	if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	return code;
}

static int exchange(unsigned port, const char *req)
{
	return exchange_fam(AF_INET, port, req, strlen(req));
}

static int get(unsigned port, const char *path)
{
	char req[256];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		 "Connection: close\r\n\r\n", path);
	return exchange(port, req);
}

static const char *body(void)
{
	const char *b = strstr(resp, "\r\n\r\n");
	assert_non_null(b);
	return b + 4;
}

/* A response header's value (case-insensitive name), or NULL. */
static const char *header(const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *end = strstr(resp, "\r\n\r\n");

	for (const char *p = strstr(resp, "\r\n"); p && p < end;
	     p = strstr(p + 2, "\r\n")) {
		if (!strncasecmp(p + 2, name, nl) && p[2 + nl] == ':') {
			const char *v = p + 3 + nl, *e = strstr(v, "\r\n");
			while (*v == ' ')
				v++;
			snprintf(out, cap, "%.*s", (int)(e - v), v);
			return out;
		}
	}
	return NULL;
}

static void test_metrics(void **state)
{
	struct srv *s = *state;
	char h[256];
	int before = __atomic_load_n(&fills, __ATOMIC_RELAXED);

	assert_int_equal(get(s->port, "/metrics"), 200);
	assert_non_null(header("Content-Type", h, sizeof(h)));
	assert_non_null(strstr(h, "text/plain; version=0.0.4"));
	assert_non_null(strstr(body(), "# TYPE vigia_packets_total counter\n"));
	assert_non_null(strstr(body(), "vigia_packets_total{sensor=\"edge-\\\"t\\\"\"} 4242\n"));
	assert_non_null(strstr(body(), "vigia_worker_packets_total{sensor=\"edge-\\\"t\\\"\","
				       "worker=\"1\"} 7\n"));
	assert_non_null(strstr(body(), "version=\"" VIGIA_VERSION "\"} 1\n"));
	assert_true(__atomic_load_n(&fills, __ATOMIC_RELAXED) > before);
	/* a query string is not part of the route */
	assert_int_equal(get(s->port, "/metrics?x=1"), 200);
}

static void test_api_status(void **state)
{
	struct srv *s = *state;
	char h[256];

	assert_int_equal(get(s->port, "/api/status"), 200);
	assert_non_null(header("Content-Type", h, sizeof(h)));
	assert_string_equal(h, "application/json");
	assert_non_null(header("Cache-Control", h, sizeof(h)));
	assert_string_equal(h, "no-store");
	assert_true(body()[0] == '{');
	assert_non_null(strstr(body(), "\"snapshot\":{\"sensor\":\"edge-\\\"t\\\"\""));
	assert_non_null(strstr(body(), "\"packets\":4242,"));
	assert_non_null(strstr(body(), "\"series\":{"));
	assert_non_null(strstr(body(), "\"alerts\":[]"));
}

static void test_page(void **state)
{
	struct srv *s = *state;
	char h[512];

	assert_int_equal(get(s->port, "/"), 200);
	assert_non_null(header("Content-Type", h, sizeof(h)));
	assert_string_equal(h, "text/html; charset=utf-8");
	assert_non_null(strstr(body(), "<canvas id=\"pps-chart\""));
	assert_string_equal(body(), http_status_page());
	assert_non_null(header("Content-Security-Policy", h, sizeof(h)));
	assert_non_null(strstr(h, "default-src 'none'; script-src 'sha256-"));
	assert_non_null(strstr(h, "connect-src 'self'"));
	assert_int_equal(get(s->port, "/index.html"), 200);
	assert_non_null(strstr(body(), "pps-chart"));

	const char *p = http_status_page();
	for (const char *id = "top-apps\0top-talkers\0alerts\0health\0"; *id;
	     id += strlen(id) + 1) {
		char want[64];
		snprintf(want, sizeof(want), "id=\"%s\"", id);
		assert_non_null(strstr(p, want));
	}
	assert_non_null(strstr(p, "alert-row"));
	/* nothing from elsewhere, nothing written as HTML */
	assert_null(strstr(p, "http://"));
	assert_null(strstr(p, "https://"));
	assert_null(strstr(p, "innerHTML"));
	assert_null(strstr(p, "document.write"));
}

static void test_not_found_and_methods(void **state)
{
	struct srv *s = *state;
	char h[64];

	assert_int_equal(get(s->port, "/nope"), 404);
	assert_int_equal(get(s->port, "/metrics/"), 404);
	assert_int_equal(get(s->port, "/../etc/passwd"), 404);
	assert_int_equal(exchange(s->port, "POST / HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 5\r\nConnection: close\r\n\r\nhello"), 405);
	assert_non_null(header("Allow", h, sizeof(h)));
	assert_string_equal(h, "GET, HEAD");
	assert_int_equal(exchange(s->port, "DELETE /metrics HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n"), 405);
	assert_int_equal(exchange(s->port, "PUT /api/status HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 0\r\nConnection: close\r\n\r\n"), 405);
	/* refused before the body: a huge announced upload is not awaited */
	assert_int_equal(exchange(s->port, "POST /api/status HTTP/1.1\r\nHost: x\r\n"
				  "Content-Length: 1000000000\r\n\r\n"), 405);
	/* a GET with a body is dropped, and the server goes on */
	int code = exchange(s->port, "GET /metrics HTTP/1.1\r\nHost: x\r\n"
			    "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
	assert_true(code == -1 || code >= 400);
	/* HEAD: headers, no body */
	assert_int_equal(exchange(s->port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n"), 200);
	assert_string_equal(body(), "");
	assert_int_equal(get(s->port, "/metrics"), 200);
}

static void test_malformed(void **state)
{
	struct srv *s = *state;
	static const char *const bad[] = {
		"\x01\x02 nonsense\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
		"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
	};

	assert_int_equal(exchange(s->port, bad[0]), 400);
	assert_int_equal(get(s->port, "/metrics"), 200);
	assert_non_null(strstr(body(), "vigia_packets_total"));
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int code = exchange(s->port, bad[i]);
		assert_true(code == -1 || (code >= 400 && code < 600));
		assert_int_equal(get(s->port, "/"), 200);
	}
	/* a header far larger than the connection's memory */
	size_t n = 256 << 10;
	char *big = malloc(n + 64);
	assert_non_null(big);
	int l = snprintf(big, 64, "GET /metrics HTTP/1.1\r\nX-Big: ");
	memset(big + l, 'a', n - (size_t)l - 4);
	memcpy(big + n - 4, "\r\n\r\n", 4);
	int fd = dial(AF_INET, s->port);
	(void)send(fd, big, n, MSG_NOSIGNAL);   /* may be cut short: closed */
	close(fd);
	free(big);
	assert_int_equal(get(s->port, "/api/status"), 200);

	/* an idle connection does not hold the server */
	fd = dial(AF_INET, s->port);
	assert_int_equal(get(s->port, "/metrics"), 200);
	close(fd);
	/* keep-alive: two requests on one connection */
	const char two[] = "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
			   "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	assert_int_equal(exchange(s->port, two), 404);
	assert_non_null(strstr(resp, "HTTP/1.1 200"));
}

static void test_listen_addresses(void **state)
{
	static const char *const bad[] = {
		"", "127.0.0.1", "127.0.0.1:", ":9477", "::1:9477", "[::1]9477",
		"[::1]", "localhost:9477", "127.0.0.1:65536", "127.0.0.1:-1",
		"127.0.0.1:94x7", "[127.0.0.1]:9477", "1.2.3:9477",
		"127.0.0.1:9477 ", "[::1]:123456",
	};
	struct status *st = status_create();
	char err[256];
	(void)state;

	assert_non_null(st);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		err[0] = 0;
		assert_null(http_status_start(bad[i], st, NULL, NULL, err, sizeof(err)));
		assert_int_equal(errno, EINVAL);
		assert_true(err[0] != 0);
	}
	assert_null(http_status_start(NULL, st, NULL, NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_null(http_status_start("127.0.0.1:0", NULL, NULL, NULL, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);

	/* the port is taken: refused with a reason, nothing left running */
	struct http_status *a = http_status_start("127.0.0.1:0", st, NULL, NULL,
						  err, sizeof(err));
	assert_non_null(a);
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", http_status_port(a));
	errno = 0;
	assert_null(http_status_start(addr, st, NULL, NULL, err, sizeof(err)));
	assert_true(errno != 0);
	assert_non_null(strstr(err, addr));
	/* no fill callback: zeros, still a full exposition */
	assert_int_equal(get(http_status_port(a), "/metrics"), 200);
	assert_non_null(strstr(body(), "vigia_packets_total{sensor=\"\"} 0\n"));
	http_status_stop(a);
	http_status_stop(NULL);

	/* a port alone: loopback, no warning */
	warned[0] = 0;
	a = http_status_start("0", st, NULL, NULL, err, sizeof(err));
	assert_non_null(a);
	assert_string_equal(warned, "");
	assert_int_equal(get(http_status_port(a), "/metrics"), 200);
	http_status_stop(a);
	assert_null(http_status_start("123456", st, NULL, NULL, err, sizeof(err)));

	/* any address: the operator's choice, served, and warned about */
	warned[0] = 0;
	a = http_status_start("0.0.0.0:0", st, NULL, NULL, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(strstr(warned, "non-loopback"));
	assert_int_equal(get(http_status_port(a), "/metrics"), 200);
	http_status_stop(a);
	warned[0] = 0;
	a = http_status_start("127.0.0.2:0", st, NULL, NULL, err, sizeof(err));
	assert_non_null(a);
	assert_string_equal(warned, "");        /* 127/8 is loopback */
	http_status_stop(a);

	/* IPv6 loopback, where the host has it */
	struct http_status *b = http_status_start("[::1]:0", st, fill, &fills,
						  err, sizeof(err));
	if (b) {
		char req[] = "GET /metrics HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n";
		assert_int_equal(exchange_fam(AF_INET6, http_status_port(b), req,
					      strlen(req)), 200);
		assert_non_null(strstr(body(), "vigia_packets_total"));
		http_status_stop(b);
	}
	status_destroy(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_api_status),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_not_found_and_methods),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_listen_addresses),
	};
	return cmocka_run_group_tests_name("http_status", tests, setup, teardown);
}
