#!/bin/bash
# The real thing, end to end, on a fresh Debian 12 machine as root:
# a real dnsmasq in a throwaway network namespace runs lease-db-helper as its
# --dhcp-script, a real DHCP client sends the hostname "demo-guest", and
# `getent ahosts demo-guest` resolves it through libnss_leasedb as the
# unprivileged user nobody. Nothing in /etc is touched; the namespaces,
# dnsmasq and the temporary state are removed at the end.
set -eu
cd "$(dirname "$0")"
top=$PWD
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root" >&2; exit 1; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Installing build and demo packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq $(cat tests/packages) >/dev/null

step "Building lease-db"
autoreconf -fi >/dev/null 2>&1
mkdir -p build
(cd build && { [ -f Makefile ] || ../configure --prefix=/usr --localstatedir=/var --runstatedir=/run >/dev/null; } &&
	make -j"$(nproc)" >/dev/null)
HELPER=$top/build/helper/lease-db-helper
DUMP=$top/build/helper/lease-db-dump

T=$(mktemp -d /tmp/lease-db-demo.XXXXXX)
chmod 755 "$T"
# Not the compiled-in paths: this machine's own, maybe in use.
export LEASE_DB_DIR=$T/master LEASE_DB_SNAPSHOT=$T/run/leases.mdb LEASE_DB_LIBVIRT_DIR=none
NS_ID=ldbdemo
. tests/netns.sh
trap 'ns_down; rm -rf "$T"' EXIT

step "Starting dnsmasq in network namespace $NS_S with --dhcp-script=$HELPER"
ns_up
ns_dnsmasq

step "DHCP client in namespace $NS_C asks for a lease as 'demo-guest'"
ns_dhclient 4 demo-guest
ns_dhclient 6 demo-guest
sleep 0.5
grep -E 'DHCPACK|DHCPREPLY' "$T/dnsmasq.log" | sed 's/^/  dnsmasq: /'

step "getent ahosts demo-guest, as user nobody, through libnss_leasedb"
printf 'hosts: files leasedb\n' >"$T/nsswitch.conf"
echo "  (nsswitch.conf: $(cat "$T/nsswitch.conf"), bind-mounted in a private mount namespace)"
unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc/nsswitch.conf &&
	exec setpriv --reuid=65534 --regid=65534 --clear-groups env LD_LIBRARY_PATH="$1" LEASE_DB_SNAPSHOT="$2" \
	sh -c "id; getent ahosts demo-guest; getent hosts demo-guest.lan.test"' \
	"$T/nsswitch.conf" "$top/build/nss/.libs" "$LEASE_DB_SNAPSHOT" | sed 's/^/  /'

step "lease-db-dump"
"$DUMP" | sed 's/^/  /'

step "The client releases its lease; the name is gone"
ns_dhclient 4 demo-guest -r
ns_dhclient 6 demo-guest -r
sleep 0.5
"$DUMP" | sed 's/^/  /'
if unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc/nsswitch.conf &&
	exec env LD_LIBRARY_PATH="$1" LEASE_DB_SNAPSHOT="$2" getent ahosts demo-guest' \
	"$T/nsswitch.conf" "$top/build/nss/.libs" "$LEASE_DB_SNAPSHOT" >/dev/null; then
	echo "  demo-guest still resolves (unexpected)"
	exit 1
fi
echo "  getent ahosts demo-guest: not found"
step "Done; namespaces, dnsmasq and state removed"
