/* HTTP anomalies from libhtp: request smuggling signs, invalid request or
 * status lines, malformed headers, path evasions. Once per flow and kind. */
#include "det_impl.h"

#include <string.h>

#include <htp/htp.h>

enum { SID_SMUGGLING = 100501, SID_LINE, SID_HEADERS, SID_EVASION };

static const struct det_sig sigs[] = {
	{ SID_SMUGGLING, "HTTP: request smuggling signs (ambiguous length or chunking)",
	  "web-attack", 1, "T1190" },
	{ SID_LINE, "HTTP: invalid request or status line", "protocol-anomaly", 2, "T1190" },
	{ SID_HEADERS, "HTTP: malformed headers (folding, NUL, unparseable, ambiguous host)",
	  "protocol-anomaly", 3, "T1190" },
	{ SID_EVASION, "HTTP: path evasion (encoded NUL or separator, overlong UTF-8)",
	  "web-attack", 2, "T1190,T1027" },
	{ 0, NULL, NULL, 0, NULL },
};

#define F_SMUGGLING (HTP_REQUEST_SMUGGLING | HTP_REQUEST_INVALID_T_E | HTP_REQUEST_INVALID_C_L)
#define F_HEADERS (HTP_FIELD_UNPARSEABLE | HTP_FIELD_INVALID | HTP_INVALID_FOLDING | \
		   HTP_FIELD_RAW_NUL | HTP_HEADERS_TOO_MANY | HTP_HOST_AMBIGUOUS | \
		   HTP_HOSTH_INVALID)
#define F_EVASION (HTP_PATH_ENCODED_NUL | HTP_PATH_RAW_NUL | HTP_PATH_OVERLONG_U | \
		   HTP_PATH_ENCODED_SEPARATOR | HTP_PATH_INVALID_ENCODING | \
		   HTP_URLEN_ENCODED_NUL | HTP_URLEN_OVERLONG_U)

extern const struct detector det_http;

static const char *flag_names(uint64_t f, char *buf, size_t cap)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ HTP_REQUEST_SMUGGLING, "smuggling" }, { HTP_REQUEST_INVALID_T_E, "invalid T-E" },
		{ HTP_REQUEST_INVALID_C_L, "invalid C-L" }, { HTP_REQUEST_INVALID, "invalid request" },
		{ HTP_STATUS_LINE_INVALID, "invalid status line" },
		{ HTP_FIELD_UNPARSEABLE, "unparseable header" },
		{ HTP_FIELD_INVALID, "invalid header" }, { HTP_INVALID_FOLDING, "invalid folding" },
		{ HTP_FIELD_RAW_NUL, "NUL in header" }, { HTP_HEADERS_TOO_MANY, "too many headers" },
		{ HTP_HOST_AMBIGUOUS, "ambiguous host" }, { HTP_HOSTH_INVALID, "invalid Host" },
		{ HTP_PATH_ENCODED_NUL, "encoded NUL in path" }, { HTP_PATH_RAW_NUL, "NUL in path" },
		{ HTP_PATH_OVERLONG_U, "overlong UTF-8" },
		{ HTP_PATH_ENCODED_SEPARATOR, "encoded separator" },
		{ HTP_PATH_INVALID_ENCODING, "invalid encoding" },
		{ HTP_URLEN_ENCODED_NUL, "encoded NUL in URL" },
		{ HTP_URLEN_OVERLONG_U, "overlong UTF-8 in URL" },
	};
	size_t l = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit) {
			int n = snprintf(buf + l, cap - l, "%s%s", l ? ", " : "", names[i].name);
			if (n < 0 || (size_t)n >= cap - l)
				break;
			l += (size_t)n;
		}
	return buf;
}

static void raise_http(const struct det_flow *f, const struct det_http *h, unsigned kind,
		       uint64_t flags)
{
	char names[120];

	if (*f->alerted_http & (1u << kind))
		return;
	*f->alerted_http |= (uint8_t)(1u << kind);
	struct ev_alert a;
	det_alert_init(&a, &det_http, &sigs[kind]);
	if (f->pol && f->seg >= 0)
		a.severity = (uint8_t)policy_severity(f->pol, f->seg, "http", a.severity);
	det_alert_rule(&a, "libhtp: %s; %s %.60s", flags ? flag_names(flags, names, sizeof(names))
							: (h->response ? "status line" : "request line"),
		       h->method && h->method[0] ? h->method : "-",
		       h->uri && h->uri[0] ? h->uri : "-");
	det_alert_num(&a, "libhtp_flags", (double)flags);
	if (h->status)
		det_alert_num(&a, "status", h->status);
	f->emit(f->ctx, &a);
}

static void http_tx(const struct det_flow *f, const struct det_http *h)
{
	if (h->flags & F_SMUGGLING)
		raise_http(f, h, 0, h->flags & F_SMUGGLING);
	if (h->invalid_line)
		raise_http(f, h, 1, h->flags & (HTP_REQUEST_INVALID | HTP_STATUS_LINE_INVALID));
	if (h->flags & F_HEADERS)
		raise_http(f, h, 2, h->flags & F_HEADERS);
	if (h->flags & F_EVASION)
		raise_http(f, h, 3, h->flags & F_EVASION);
}

const struct detector det_http = {
	.id = "http",
	.name = "HTTP protocol anomalies (libhtp)",
	.version = "1.0",
	.description = "HTTP/1.x on the usual ports (80, 8000, 8008, 8080, 8081, 8888) parsed "
		       "by libhtp while its segments arrive in order: request smuggling signs "
		       "(Content-Length with chunking, invalid Transfer-Encoding or "
		       "Content-Length), invalid request or status lines, malformed headers, "
		       "path evasions. One alert per flow and kind. Answer codes feed the "
		       "brute-force detector (401).",
	.inputs = "TCP payload of HTTP flows, in order, up to a byte limit per flow",
	.mitre = "T1190,T1027",
	.false_positives = "old or embedded HTTP stacks (cameras, PLC web servers) with "
			   "sloppy headers; proxies that fold headers",
	.where = DET_WORKER,
	.sigs = sigs,
	.on_http = http_tx,
};
