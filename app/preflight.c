#include "preflight.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long v = -1;
	size_t kl = strlen(key);

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static int hugetlbfs_mounted(char *where, size_t cap)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[256], mnt[256], type[64];
	int found = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, mnt, type) == 3)
		if (!strcmp(type, "hugetlbfs")) {
			snprintf(where, cap, "%s", mnt);
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

static void read_small(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "r");

	out[0] = 0;
	if (!f)
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static int bound_nics(FILE *out)
{
	static const char *const dpdk_drivers[] = { "vfio-pci", "uio_pci_generic",
						    "igb_uio" };
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[512], link[512], cls[32], numa[16];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/class", e->d_name);
		read_small(path, cls, sizeof(cls));
		if (strncmp(cls, "0x02", 4) != 0) /* network controllers only */
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", e->d_name);
		ssize_t l = readlink(path, link, sizeof(link) - 1);
		const char *drv = "none";
		if (l > 0) {
			link[l] = 0;
			drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", e->d_name);
		read_small(path, numa, sizeof(numa));
		int dpdk = 0;
		for (size_t i = 0; i < sizeof(dpdk_drivers) / sizeof(dpdk_drivers[0]); i++)
			dpdk |= !strcmp(drv, dpdk_drivers[i]);
		fprintf(out, "  %-14s driver %-16s NUMA node %-3s %s\n", e->d_name, drv,
			numa[0] ? numa : "?", dpdk ? "ready for DPDK" : "kernel");
		n += dpdk;
	}
	closedir(d);
	return n;
}

static void port_report(FILE *out, uint16_t pid, int *problems)
{
	struct rte_eth_dev_info info;
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_eth_link link;

	if (rte_eth_dev_info_get(pid, &info) != 0)
		return;
	rte_eth_dev_get_name_by_port(pid, name);
	int sock = rte_eth_dev_socket_id(pid);
	unsigned lc, far = 0, nlc = rte_lcore_count();
	RTE_LCORE_FOREACH(lc)
		if (sock >= 0 && (int)rte_lcore_to_socket_id(lc) != sock)
			far++;
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
	uint64_t have = info.flow_type_rss_offloads & want;
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(pid, &link);
	fprintf(out, "  port %u %s (driver %s): %u RX queues max, %u lcores -> %u queues\n",
		pid, name, info.driver_name, info.max_rx_queues, nlc, nlc);
	fprintf(out, "    RSS: %s (hash key %u bytes; IPv4/IPv6 %s, TCP %s, UDP %s)\n",
		have ? "yes" : "no", info.hash_key_size,
		(have & RTE_ETH_RSS_IP) ? "yes" : "no",
		(have & RTE_ETH_RSS_TCP) ? "yes" : "no",
		(have & RTE_ETH_RSS_UDP) ? "yes" : "no");
	fprintf(out, "    NUMA: port on socket %d, %u of %u lcores on another socket%s\n",
		sock, far, nlc, far ? " (pin workers to the NIC's node)" : "");
	fprintf(out, "    link: %s, %u Mbit/s\n", link.link_status ? "up" : "down",
		link.link_speed);
	if (nlc > info.max_rx_queues) {
		fprintf(out, "    PROBLEM: more lcores than RX queues\n");
		(*problems)++;
	}
	if (nlc > 1 && !have)
		fprintf(out, "    note: no RSS: with several lcores only queue 0 "
			     "would receive\n");
}

int preflight_run(int eal_argc, char **eal_argv, FILE *out)
{
	int problems = 0;
	char mnt[256];
	long total = meminfo("HugePages_Total"), fre = meminfo("HugePages_Free");
	long size = meminfo("Hugepagesize");
	int no_huge = 0;

	for (int i = 0; i < eal_argc; i++)
		no_huge |= !strcmp(eal_argv[i], "--no-huge");
	fprintf(out, "vigia preflight\n");
	fprintf(out, "hugepages: %ld total, %ld free, %ld kB each", total, fre, size);
	if (hugetlbfs_mounted(mnt, sizeof(mnt)))
		fprintf(out, "; hugetlbfs on %s\n", mnt);
	else
		fprintf(out, "; hugetlbfs not mounted\n");
	if (total <= 0 && !no_huge) {
		fprintf(out, "  PROBLEM: no hugepages (deploy/hugepages.sh 1024, or "
			     "--no-huge -m 256 for tests)\n");
		problems++;
	}
	char iso[256];
	read_small("/sys/devices/system/cpu/isolated", iso, sizeof(iso));
	fprintf(out, "CPUs: %ld online, isolated: %s\n", sysconf(_SC_NPROCESSORS_ONLN),
		iso[0] ? iso : "none (isolcpus= keeps the kernel off worker cores)");
	DIR *g = opendir("/sys/kernel/iommu_groups");
	int groups = 0;
	if (g) {
		struct dirent *e;
		while ((e = readdir(g)))
			groups += e->d_name[0] != '.';
		closedir(g);
	}
	fprintf(out, "IOMMU: %s\n", groups ? "on" :
		"off (vfio-pci needs intel_iommu=on/amd_iommu=on, or noiommu mode)");
	fprintf(out, "network PCI devices:\n");
	int bound = bound_nics(out);
	if (!bound)
		fprintf(out, "  none bound to a DPDK driver (deploy/bind-nic.sh PCI)\n");
	if (!eal_argc) {
		fprintf(out, "ports: give EAL arguments after -- to check queues, RSS "
			     "and NUMA (e.g. vigia preflight -- -l 0-3 -a 0000:03:00.0)\n");
		return problems;
	}
	char **argv = calloc((size_t)eal_argc + 2, sizeof(char *));
	if (!argv)
		return problems + 1;
	argv[0] = (char *)"vigia";
	memcpy(argv + 1, eal_argv, (size_t)eal_argc * sizeof(char *));
	if (rte_eal_init(eal_argc + 1, argv) < 0) {
		fprintf(out, "EAL: PROBLEM: initialisation failed: %s\n",
			rte_strerror(rte_errno));
		free(argv);
		return problems + 1;
	}
	uint16_t pid;
	int nports = 0;
	fprintf(out, "ports:\n");
	RTE_ETH_FOREACH_DEV(pid) {
		port_report(out, pid, &problems);
		nports++;
	}
	if (!nports) {
		fprintf(out, "  PROBLEM: the EAL found no port\n");
		problems++;
	}
	RTE_ETH_FOREACH_DEV(pid)
		rte_eth_dev_close(pid);
	rte_eal_cleanup();
	free(argv);
	fprintf(out, "%s\n", problems ? "NOT READY" : "ready");
	return problems;
}
