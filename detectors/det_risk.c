/* nDPI flow risks as alerts: one per flow, for the most severe mapped risk,
 * naming every mapped risk the flow carries. */
#include "det_impl.h"

#include <string.h>

#include <ndpi/ndpi_api.h>

#define SID_BASE 300000

struct risk_map {
	uint8_t bit;
	uint8_t severity;
	const char *category, *mitre;
};

/* Risks that say something about an attack or exposure; informational
 * ones (ALPN, certificate validity length, entropy, "unsafe protocol",
 * remote desktop: the policy's matter) stay in flow events. */
static const struct risk_map map[] = {
	{ NDPI_URL_POSSIBLE_XSS, 1, "web-attack", "T1190" },
	{ NDPI_URL_POSSIBLE_SQL_INJECTION, 1, "web-attack", "T1190" },
	{ NDPI_URL_POSSIBLE_RCE_INJECTION, 1, "web-attack", "T1190" },
	{ NDPI_POSSIBLE_EXPLOIT, 1, "web-attack", "T1190" },
	{ NDPI_MALICIOUS_JA3, 1, "threat-intel", "T1071.001" },
	{ NDPI_MALICIOUS_SHA1_CERTIFICATE, 1, "threat-intel", "T1573" },
	{ NDPI_CLEAR_TEXT_CREDENTIALS, 1, "credential-access", "T1552" },
	{ NDPI_BINARY_APPLICATION_TRANSFER, 2, "ingress-tool-transfer", "T1105" },
	{ NDPI_SUSPICIOUS_DGA_DOMAIN, 2, "command-and-control", "T1568.002" },
	{ NDPI_DNS_SUSPICIOUS_TRAFFIC, 2, "command-and-control", "T1071.004" },
	{ NDPI_RISKY_DOMAIN, 2, "threat-intel", "T1071" },
	{ NDPI_RISKY_ASN, 2, "threat-intel", "T1071" },
	{ NDPI_SMB_INSECURE_VERSION, 2, "exposure", "T1210" },
	{ NDPI_TLS_CERTIFICATE_MISMATCH, 2, "exposure", "T1557" },
	{ NDPI_HTTP_SUSPICIOUS_USER_AGENT, 2, "command-and-control", "T1071.001" },
	{ NDPI_HTTP_SUSPICIOUS_URL, 2, "web-attack", "T1190" },
	{ NDPI_HTTP_SUSPICIOUS_HEADER, 2, "web-attack", "T1190" },
	{ NDPI_HTTP_SUSPICIOUS_CONTENT, 2, "web-attack", "T1190" },
	{ NDPI_INVALID_CHARACTERS, 2, "protocol-anomaly", "T1190" },
	{ NDPI_KNOWN_PROTOCOL_ON_NON_STANDARD_PORT, 3, "protocol-anomaly", "T1571" },
	{ NDPI_TLS_NOT_CARRYING_HTTPS, 3, "protocol-anomaly", "T1571" },
	{ NDPI_TLS_SELFSIGNED_CERTIFICATE, 3, "exposure", "T1573" },
	{ NDPI_TLS_CERTIFICATE_EXPIRED, 3, "exposure", "T1573" },
	{ NDPI_TLS_OBSOLETE_VERSION, 3, "exposure", "T1573" },
	{ NDPI_TLS_WEAK_CIPHER, 3, "exposure", "T1573" },
	{ NDPI_SSH_OBSOLETE_CLIENT_VERSION_OR_CIPHER, 3, "exposure", "T1021.004" },
	{ NDPI_SSH_OBSOLETE_SERVER_VERSION_OR_CIPHER, 3, "exposure", "T1021.004" },
	{ NDPI_MALFORMED_PACKET, 3, "protocol-anomaly", "" },
};

#define NMAP (sizeof(map) / sizeof(map[0]))

/* Signatures, built from nDPI's own risk names at first use. */
static struct det_sig sigs[NMAP + 1];
static char sig_names[NMAP][96];

extern const struct detector det_risk;

static void build_sigs(void)
{
	if (sigs[0].sid)
		return;
	for (unsigned i = 0; i < NMAP; i++) {
		snprintf(sig_names[i], sizeof(sig_names[i]), "nDPI risk: %s",
			 ndpi_risk2str((ndpi_risk_enum)map[i].bit));
		sigs[i].sid = SID_BASE + map[i].bit;
		sigs[i].signature = sig_names[i];
		sigs[i].category = map[i].category;
		sigs[i].severity = map[i].severity;
		sigs[i].mitre = map[i].mitre;
	}
}

static uint64_t mapped_mask; /* set once, before main */

__attribute__((constructor)) static void risk_init(void)
{
	build_sigs();
	for (unsigned i = 0; i < NMAP; i++)
		mapped_mask |= 1ULL << map[i].bit;
}

uint64_t det_risk_mapped(uint64_t risk)
{
	return risk & mapped_mask;
}

static void risk_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	const struct risk_map *best = NULL;
	char names[160];
	size_t l = 0;

	(void)st;
	if (r->kind != DR_APP || !r->u.app.risk)
		return;
	names[0] = 0;
	for (unsigned i = 0; i < NMAP; i++) {
		if (!(r->u.app.risk & (1ULL << map[i].bit)))
			continue;
		if (!best || map[i].severity < best->severity)
			best = &map[i];
		int n = snprintf(names + l, sizeof(names) - l, "%s%s", l ? ", " : "",
				 ndpi_risk2str((ndpi_risk_enum)map[i].bit));
		if (n > 0 && (size_t)n < sizeof(names) - l)
			l += (size_t)n;
	}
	if (!best)
		return;
	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_risk, &sigs[best - map]);
	long sev = det_param(c, &det_risk, r->seg, "risk_severity");
	if (sev > 0)
		a.severity = (uint8_t)sev;
	det_alert_rule(&a, "nDPI flow risks: %s", names);
	snprintf(a.app, sizeof(a.app), "%s", r->u.app.label);
	det_rec_tuple(r, &t);
	det_raise(c, &a, &t, r->seg,
		  (uint64_t)det_param(c, &det_risk, r->seg, "risk_window_s") * 1000000);
}

static const struct det_param params[] = {
	{ "risk_window_s", 300, "s",
	  "one alert per risk, client and server per window (repeats counted)" },
	{ "risk_severity", 0, "1-3", "override every risk alert's severity (0: per risk)" },
	{ NULL, 0, NULL, NULL },
};

const struct detector det_risk = {
	.id = "risk",
	.name = "nDPI flow risks",
	.version = "1.0",
	.description = "The risks nDPI finds in a flow (web attacks in URLs, clear-text "
		       "credentials, binary transfers, DGA names, certificate and protocol "
		       "weaknesses, known protocols on non-standard ports...) as alerts, "
		       "signature and severity from the flow's most severe risk; one per "
		       "(risk, client, server) per risk_window_s, repeats counted. Flows "
		       "nDPI only guessed by port are left out.",
	.inputs = "nDPI risk bits and label at the end of classification",
	.mitre = "T1190,T1552,T1105,T1568.002,T1571,T1573,T1071",
	.false_positives = "self-signed certificates on internal services; software "
			   "updates over HTTP (binary transfer); services deliberately "
			   "on non-standard ports",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.on_record = risk_record,
};
