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

# The attack range's servers, attack tools and benign clients (tests/range/,
# `make range`): test dependencies, not run time ones. Their services must
# not start on install: the range starts each one inside a namespace.
RANGE_PKGS="nmap masscan hping3 hydra sqlmap slowhttptest iodine ptunnel-ng dsniff thc-ipv6
yersinia openssh-server openssh-client telnetd openbsd-inetd telnet vsftpd ftp lighttpd
dnsmasq-base mosquitto mosquitto-clients memcached libcoap3-bin python3-pymodbus tcpdump curl
sqlite3 python3-serial python3-serial-asyncio bind9-dnsutils isc-dhcp-client iputils-ping
lighttpd-mod-openssl openssl chrony"

missing=""
for p in $PKGS $RANGE_PKGS; do
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
# Services of the range's packages stay stopped (policy-rc.d 101: "action
# forbidden"), unless the machine already has its own policy.
own_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	own_policy=1
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing || rc=$?
if [ -n "$own_policy" ]; then
	$SUDO rm -f /usr/sbin/policy-rc.d
fi
if [ -d /run/systemd/system ]; then
	for u in ssh vsftpd lighttpd mosquitto memcached openbsd-inetd inetd iodined chrony; do
		$SUDO systemctl disable --now "$u" >/dev/null 2>&1 || true
	done
fi
exit "${rc:-0}"
