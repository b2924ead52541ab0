/* libFuzzer: the policy loader (YAML through libyaml, then our checks),
 * from memory; names are accepted as nDPI would not be consulted. */
#include <stdint.h>
#include <stdlib.h>

#include "../../policies/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct policy *p = policy_load_buffer("fuzz.yaml", (const char *)data, size,
					      NULL, err, sizeof(err));
	if (p) {
		uint8_t a[16] = { 10, 20, 0, 1 };
		struct intel_hit h;
		policy_segment(p, 4, a, 20);
		policy_intel_domain(p, "a.b.example", &h);
		policy_free(p);
	}
	return 0;
}
