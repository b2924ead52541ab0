/* devices: `vigia devices` - the device profiles the baseline detector
 * learnt, read from the state directory or from Redis (where sensors
 * share them): a table, JSON, or one device as a MUD-like JSON document
 * (RFC 8520 inspired: the peers, services and applications it was seen
 * using) that an operator reviews and commits as policy.
 */
#ifndef VIGIA_DEVICES_H
#define VIGIA_DEVICES_H

#include <stddef.h>

struct policy;
/* How the caller loads a policy (for the devices' modes): NULL and err on
 * failure; and frees it. */
typedef struct policy *(*devices_policy_load_fn)(const char *path, char *err, size_t errlen);
typedef void (*devices_policy_free_fn)(struct policy *p);

/* argv[0] is "devices". Returns the process exit status. */
int devices_cmd(int argc, char **argv, devices_policy_load_fn load, devices_policy_free_fn unload);

#endif
