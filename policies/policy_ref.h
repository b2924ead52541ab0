/* policy_ref: the live policy, swapped whole on reload without a lock on
 * the packet path (RCU: DPDK's rte_rcu_qsbr).
 *
 * Workers read the current policy at the start of a burst and report a
 * quiescent state at its end; a reload publishes the new policy, waits
 * until every online worker has passed a quiescent state, then frees the
 * old one. A worker that stops goes offline so a reload never waits on it.
 */
#ifndef VIGIA_POLICY_REF_H
#define VIGIA_POLICY_REF_H

#include <stdint.h>

#include "policy.h"

struct policy_ref;

/* Takes ownership of `initial` (may be NULL: no policy). NULL with errno. */
struct policy_ref *policy_ref_create(struct policy *initial, unsigned nthreads);
/* Frees the current policy too. Workers must be offline. */
void policy_ref_destroy(struct policy_ref *r);

/* Worker side. */
void policy_ref_online(struct policy_ref *r, unsigned tid);
void policy_ref_offline(struct policy_ref *r, unsigned tid);
const struct policy *policy_ref_get(const struct policy_ref *r);
void policy_ref_quiescent(struct policy_ref *r, unsigned tid);

/* Generation of the current policy (changes at every swap, wraps). */
uint8_t policy_ref_gen(const struct policy_ref *r);

/* Reload bookkeeping, for stats. */
void policy_ref_count_reload(struct policy_ref *r, int ok);
void policy_ref_reloads(const struct policy_ref *r, uint64_t *ok, uint64_t *failed);

/* Control side: publish np (ownership taken), wait for the workers, free
 * the old policy. */
void policy_ref_swap(struct policy_ref *r, struct policy *np);

#endif
