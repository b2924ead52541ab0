#!/bin/sh
# Install the Debian packages vigia needs to build, run and test.
# Idempotent: does nothing (no apt-get call) when every package is present.
set -eu

PKGS="build-essential pkg-config make gcc
dpdk dpdk-dev libdpdk-dev libpcap-dev
libndpi-dev libndpi-bin libhtp-dev libhiredis-dev redis-server redis-tools
libyaml-dev libcmocka-dev
python3 python3-scapy python3-pytest python3-redis python3-yaml
tshark tcpreplay iproute2 jq gnuplot-nox linux-perf
clang libclang-rt-14-dev
libmicrohttpd-dev libsystemd-dev libcap-ng-dev libgcrypt20-dev chromium systemd valgrind groff-base"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
