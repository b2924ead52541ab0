#!/bin/sh
# Reserve hugepages for vigia's DPDK path and mount hugetlbfs.
#   deploy/hugepages.sh [MEGABYTES]   reserve (default 1024 MB of 2 MB pages)
#   deploy/hugepages.sh --status      show what is reserved and mounted
#   deploy/hugepages.sh --clear       give them back
# Persist across reboots with the kernel command line instead, e.g.
#   default_hugepagesz=2M hugepagesz=2M hugepages=512   (or 1G pages on servers)
# On NUMA servers reserve on the NIC's node: dpdk-hugepages.py -p 2M --setup 1G -n NODE
set -eu

MNT=/dev/hugepages
status() {
	grep -E '^(HugePages_Total|HugePages_Free|Hugepagesize)' /proc/meminfo
	for n in /sys/devices/system/node/node*/hugepages/hugepages-2048kB/nr_hugepages; do
		[ -e "$n" ] && echo "$(echo "$n" | cut -d/ -f6): $(cat "$n") x 2 MB"
	done
	mount | grep -E 'type hugetlbfs' || echo "hugetlbfs: not mounted"
}

case "${1:-1024}" in
--status) status; exit 0 ;;
--clear)
	echo 0 > /proc/sys/vm/nr_hugepages
	status
	exit 0 ;;
-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
esac

MB=${1:-1024}
case "$MB" in *[!0-9]*|'') echo "hugepages.sh: MEGABYTES must be a number" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "hugepages.sh: run as root" >&2; exit 1; }
PAGES=$((MB / 2))
echo "$PAGES" > /proc/sys/vm/nr_hugepages
GOT=$(cat /proc/sys/vm/nr_hugepages)
if [ "$GOT" -lt "$PAGES" ]; then
	echo "hugepages.sh: asked for $PAGES pages, the kernel gave $GOT (memory fragmented: reserve at boot)" >&2
fi
mkdir -p "$MNT"
mount | grep -q " $MNT type hugetlbfs" || mount -t hugetlbfs nodev "$MNT"
status
