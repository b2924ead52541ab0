#include "policy_ref.h"

#include <errno.h>
#include <stdlib.h>

#include <rte_rcu_qsbr.h>

struct policy_ref {
	struct policy *cur;         /* atomic */
	uint8_t gen;                /* atomic */
	struct rte_rcu_qsbr *qs;
	uint64_t reload_ok, reload_failed;   /* atomics */
};

struct policy_ref *policy_ref_create(struct policy *initial, unsigned nthreads)
{
	struct policy_ref *r = calloc(1, sizeof(*r));
	size_t sz;

	if (!r || !nthreads)
		goto fail;
	sz = rte_rcu_qsbr_get_memsize(nthreads);
	r->qs = aligned_alloc(RTE_CACHE_LINE_SIZE,
			      (sz + RTE_CACHE_LINE_SIZE - 1) & ~(size_t)(RTE_CACHE_LINE_SIZE - 1));
	if (!r->qs || rte_rcu_qsbr_init(r->qs, nthreads) != 0)
		goto fail;
	for (unsigned t = 0; t < nthreads; t++)
		rte_rcu_qsbr_thread_register(r->qs, t);
	r->cur = initial;
	r->gen = 1;
	return r;
fail:
	if (r)
		free(r->qs);
	free(r);
	errno = ENOMEM;
	return NULL;
}

void policy_ref_destroy(struct policy_ref *r)
{
	if (!r)
		return;
	policy_free(r->cur);
	free(r->qs);
	free(r);
}

void policy_ref_online(struct policy_ref *r, unsigned tid)
{
	rte_rcu_qsbr_thread_online(r->qs, tid);
}

void policy_ref_offline(struct policy_ref *r, unsigned tid)
{
	rte_rcu_qsbr_thread_offline(r->qs, tid);
}

const struct policy *policy_ref_get(const struct policy_ref *r)
{
	return __atomic_load_n(&r->cur, __ATOMIC_ACQUIRE);
}

void policy_ref_quiescent(struct policy_ref *r, unsigned tid)
{
	rte_rcu_qsbr_quiescent(r->qs, tid);
}

uint8_t policy_ref_gen(const struct policy_ref *r)
{
	return __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
}

void policy_ref_count_reload(struct policy_ref *r, int ok)
{
	__atomic_fetch_add(ok ? &r->reload_ok : &r->reload_failed, 1, __ATOMIC_RELAXED);
}

void policy_ref_reloads(const struct policy_ref *r, uint64_t *ok, uint64_t *failed)
{
	*ok = __atomic_load_n(&r->reload_ok, __ATOMIC_RELAXED);
	*failed = __atomic_load_n(&r->reload_failed, __ATOMIC_RELAXED);
}

void policy_ref_swap(struct policy_ref *r, struct policy *np)
{
	struct policy *old = __atomic_exchange_n(&r->cur, np, __ATOMIC_ACQ_REL);
	uint8_t g = (uint8_t)(r->gen + 1);

	__atomic_store_n(&r->gen, g ? g : 1, __ATOMIC_RELEASE);
	uint64_t token = rte_rcu_qsbr_start(r->qs);
	rte_rcu_qsbr_check(r->qs, token, true);
	policy_free(old);
}
