#include "pktclock.h"

enum pktclock_verdict pktclock_offer(struct pktclock *c, uint64_t *ts)
{
	uint64_t t = *ts;

	if (c->cand) {
		if (t + PKTCLOCK_JUMP_US > c->cand) {
			/* near the new time, or further on: agrees */
			if (++c->held < PKTCLOCK_CONFIRM)
				return PC_HOLD;
			c->followed++;
			c->now = c->cand;
			c->cand = 0;
			c->held = 0;
			return PC_FOLLOWED;
		}
		/* back to the old time (or further): the jump was not the time */
		pktclock_drop(c);
		return PC_OUTLIER;
	}
	if (t > c->now) {
		if (c->now >= PKTCLOCK_SANE_US && t > c->now + PKTCLOCK_JUMP_US) {
			if (!c->fresh) {
				c->cand = t;
				c->held = 1;
				return PC_HOLD;
			}
			c->followed++;
		}
		c->now = t;
	} else if (t < c->now) {
		c->backwards++;
	}
	c->fresh = 0;
	*ts = c->now;
	return PC_STAMP;
}

uint64_t pktclock_next(struct pktclock *c, uint64_t ts)
{
	if (ts > c->now)
		c->now = ts;
	else if (ts < c->now)
		c->backwards++;
	return c->now;
}

void pktclock_drop(struct pktclock *c)
{
	c->outliers += c->held;
	c->cand = 0;
	c->held = 0;
}

void pktclock_file(struct pktclock *c)
{
	c->fresh = 1;
}

uint64_t pktclock_live(struct pktclock *c, uint64_t ts)
{
	uint64_t t = ts;

	for (;;) {
		switch (pktclock_offer(c, &t)) {
		case PC_STAMP:
			return t;
		case PC_HOLD:
			return c->now;
		case PC_FOLLOWED:
			/* those that confirmed it went at the old time */
			c->outliers += PKTCLOCK_CONFIRM - 1;
			return pktclock_next(c, ts);
		case PC_OUTLIER:
			t = ts;
			continue;
		}
	}
}
