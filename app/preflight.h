/* preflight: before capturing on an edge server, report what the DPDK path
 * needs - hugepages, NICs bound to a DPDK driver (with their NUMA node),
 * IOMMU, isolated CPUs, and with EAL arguments each port's RX queues, RSS
 * capability and NUMA placement against the lcores. */
#ifndef VIGIA_PREFLIGHT_H
#define VIGIA_PREFLIGHT_H

#include <stdio.h>

/* Print the report to out. eal_argc == 0: host checks only. Returns the
 * number of blocking problems found (0: ready to capture). */
int preflight_run(int eal_argc, char **eal_argv, FILE *out);

#endif
