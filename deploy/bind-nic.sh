#!/bin/sh
# Bind a NIC to vfio-pci for vigia's DPDK path (around Debian's dpdk-devbind.py).
#   deploy/bind-nic.sh --status              list NICs and the driver of each
#   deploy/bind-nic.sh PCI [DRIVER]          bind PCI (e.g. 0000:03:00.0) to DRIVER (vfio-pci)
#   deploy/bind-nic.sh --unbind PCI KDRIVER  give it back to the kernel driver (e.g. ice, ixgbe)
# Before binding: the interface must be down and carry no route you need
# (the script refuses an interface with an IP address unless --force).
# vfio-pci needs the IOMMU on (intel_iommu=on / amd_iommu=on on the kernel
# command line); without one, `modprobe vfio enable_unsafe_noiommu_mode=1`.
set -eu
DEVBIND=$(command -v dpdk-devbind.py || true)
[ -n "$DEVBIND" ] || { echo "bind-nic.sh: dpdk-devbind.py not found (apt-get install dpdk)" >&2; exit 1; }

case "${1:---status}" in
--status|-s) exec "$DEVBIND" --status-dev net ;;
-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
--unbind)
	[ $# -eq 3 ] || { echo "usage: bind-nic.sh --unbind PCI KERNEL_DRIVER" >&2; exit 2; }
	exec "$DEVBIND" -b "$3" "$2" ;;
esac

PCI=$1
DRV=${2:-vfio-pci}
FORCE=${3:-}
[ "$(id -u)" -eq 0 ] || { echo "bind-nic.sh: run as root" >&2; exit 1; }
IF=$(ls "/sys/bus/pci/devices/$PCI/net" 2>/dev/null | head -1 || true)
if [ -n "$IF" ] && [ "$FORCE" != "--force" ] && ip -o addr show dev "$IF" | grep -q inet; then
	echo "bind-nic.sh: $PCI is $IF and has an address; refusing (add --force)" >&2
	exit 1
fi
[ -n "$IF" ] && ip link set "$IF" down
modprobe "$DRV" 2>/dev/null || true
"$DEVBIND" -b "$DRV" "$PCI"
"$DEVBIND" --status-dev net
