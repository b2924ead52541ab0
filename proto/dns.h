/* dns: the question of a DNS message (RFC 1035 §4.1), for the detectors.
 *
 * Only the header and the first question: name (lower case, dotted),
 * type, and the answer code. Reads only within [p, p + len); a name that
 * loops, jumps outside the message or is longer than 253 is refused.
 */
#ifndef VIGIA_DNS_H
#define VIGIA_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 253

struct dns_msg {
	uint16_t id;
	uint8_t qr;                 /* 1: response */
	uint8_t opcode, rcode;
	uint16_t qdcount, ancount;
	uint16_t qtype, qclass;
	uint16_t name_len;
	char name[DNS_NAME_MAX + 1];
};

/* 0 ok (a question was read), -1 not a DNS message we can read. */
int dns_parse(const uint8_t *p, size_t len, struct dns_msg *m);

#endif
