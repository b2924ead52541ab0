#include "lpm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct node {
	uint32_t child[2];
	int32_t value;             /* -1: no prefix ends here */
};

struct trie {
	struct node *n;
	uint32_t count, cap;
};

struct lpm {
	struct trie t[2];          /* [0] IPv4, [1] IPv6 */
};

static int trie_init(struct trie *t)
{
	t->cap = 64;
	t->n = malloc(t->cap * sizeof(*t->n));
	if (!t->n)
		return -ENOMEM;
	t->count = 1;
	t->n[0].child[0] = t->n[0].child[1] = NIL;
	t->n[0].value = -1;
	return 0;
}

struct lpm *lpm_create(void)
{
	struct lpm *l = calloc(1, sizeof(*l));

	if (!l || trie_init(&l->t[0]) || trie_init(&l->t[1])) {
		lpm_free(l);
		errno = ENOMEM;
		return NULL;
	}
	return l;
}

void lpm_free(struct lpm *l)
{
	if (!l)
		return;
	free(l->t[0].n);
	free(l->t[1].n);
	free(l);
}

static inline unsigned bit(const uint8_t *a, unsigned i)
{
	return (a[i >> 3] >> (7 - (i & 7))) & 1;
}

int lpm_add(struct lpm *l, int ipver, const uint8_t *addr, unsigned len,
	    int32_t value, int32_t *old)
{
	if ((ipver != 4 && ipver != 6) || len > (ipver == 4 ? 32u : 128u) ||
	    value < 0)
		return -EINVAL;
	struct trie *t = &l->t[ipver == 6];
	uint32_t cur = 0;

	for (unsigned i = 0; i < len; i++) {
		unsigned b = bit(addr, i);
		if (t->n[cur].child[b] == NIL) {
			if (t->count == t->cap) {
				struct node *g = realloc(t->n, 2 * t->cap * sizeof(*g));
				if (!g)
					return -ENOMEM;
				t->n = g;
				t->cap *= 2;
			}
			uint32_t k = t->count++;
			t->n[k].child[0] = t->n[k].child[1] = NIL;
			t->n[k].value = -1;
			t->n[cur].child[b] = k;
		}
		cur = t->n[cur].child[b];
	}
	if (t->n[cur].value >= 0) {
		if (old)
			*old = t->n[cur].value;
		return -EEXIST;
	}
	t->n[cur].value = value;
	return 0;
}

int32_t lpm_lookup(const struct lpm *l, int ipver, const uint8_t *addr)
{
	const struct trie *t = &l->t[ipver == 6];
	unsigned bits = ipver == 6 ? 128 : 32;
	uint32_t cur = 0;
	int32_t best = t->n[0].value;

	for (unsigned i = 0; i < bits; i++) {
		cur = t->n[cur].child[bit(addr, i)];
		if (cur == NIL)
			break;
		if (t->n[cur].value >= 0)
			best = t->n[cur].value;
	}
	return best;
}

int lpm_parse_cidr(const char *s, uint8_t *addr, unsigned *len)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t al = slash ? (size_t)(slash - s) : strlen(s);
	int ver;

	if (al == 0 || al >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, al);
	buf[al] = 0;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		ver = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		ver = 6;
	else
		return -EINVAL;
	unsigned max = ver == 4 ? 32 : 128;
	if (slash) {
		char *end;
		long v = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || v < 0 || v > (long)max)
			return -EINVAL;
		*len = (unsigned)v;
	} else {
		*len = max;
	}
	for (unsigned i = *len; i < max; i++)
		if (bit(addr, i))
			return -EINVAL;
	return ver;
}
