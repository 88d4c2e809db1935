#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dnsmasq --dhcp-scriptuser=nobody (review of issue 11 point 3): dnsmasq
# runs the lease-init script as root and every event as nobody, so the
# master directory is nobody's. init refused a directory that is not
# root's own ("Operation not permitted", exit 3) and dnsmasq could not
# start. Now root's init reads that user's master read-only, without
# LMDB's lock file and without creating or changing anything in it, and
# exits 0; the events go on as nobody. Real dnsmasq, real DHCP client: the
# client gets back the address the master holds for it, which dnsmasq can
# only know from init.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
for cmd in dnsmasq dhclient ip setpriv; do
	command -v $cmd >/dev/null || skip_all "$cmd not installed"
done
private_mounts "$@"
setup_state
export LEASE_DB_LIBVIRT_DIR=none
NS_ID=scru$$
. "$TOP_SRCDIR/tests/netns.sh"
trap 'ns_down; cleanup_state' EXIT
# nobody runs the helper: a copy it can reach whatever the build tree's mode.
cp "$HELPER" "$T/stage/lease-db-helper" && chmod 755 "$T/stage/lease-db-helper" || bail "staging the helper"
HELPER=$T/stage/lease-db-helper
mkdir -m 700 "$LEASE_DB_DIR" && mkdir -m 755 "$T/run" &&
	chown 65534:65534 "$LEASE_DB_DIR" "$T/run" || bail "making nobody's directories"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

dnsmasq_up() {
	: >"$T/dnsmasq.log"
	ns_dnsmasq --dhcp-scriptuser=nobody 2>"$T/dnsmasq.err"
	sleep 0.5
	if [ -n "${NS_DNSMASQ:-}" ] && kill -0 "$NS_DNSMASQ" 2>/dev/null; then
		ok 0 "$1"
		return 0
	fi
	ok 1 "$1"
	sed 's/^/#   /' "$T/dnsmasq.log" "$T/dnsmasq.err"
	NS_DNSMASQ=
	return 1
}
ask() {
	rm -f "$T/dh4.leases"
	ns_dhclient 4 guest4 && sed -n 's/^ *fixed-address \(.*\);/\1/p' "$T/dh4.leases" | tail -1
}
# not_nobodys: what in the master directory is not nobody's.
not_nobodys() { find "$LEASE_DB_DIR" ! -user 65534 | tr '\n' ' '; }

ns_up || bail "could not create network namespaces"
MAC=$(ip -n "$NS_C" -o link show "${NS_ID}b" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
dnsmasq_up "dnsmasq --dhcp-scriptuser=nobody starts on nobody's empty master directory" ||
	bail "dnsmasq did not start"
addr=$(ask)
ok_if '[[ $addr == 10.77.0.* ]]' "the client obtained a lease: $addr"
sleep 0.5
check "... recorded by nobody's helper" grep -q " $addr guest4 " <<<"$(as_nobody "$HELPER" init 2>/dev/null)"
ns_dnsmasq_stop
is "nothing in the master directory is root's" "$(not_nobodys)" ""

# Move the client's lease (as nobody, dnsmasq stopped): only init can tell
# dnsmasq the new address.
B=10.77.0.140
[ "$addr" = "$B" ] && B=10.77.0.141
as_nobody env DNSMASQ_INTERFACE=${NS_ID}a "$HELPER" del "$MAC" "$addr" &&
	as_nobody env DNSMASQ_INTERFACE=${NS_ID}a DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) \
		"$HELPER" add "$MAC" "$B" guest4 || bail "moving the lease"

out=$(helper init 2>"$T/init.err")
is "root's init on nobody's master exits 0" "$?" 0
is "... prints the client's lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$B guest4"
check "... and says whose master it read: $(cat "$T/init.err")" \
	grep -q 'belongs to uid 65534 .*--dhcp-scriptuser.*read-only' "$T/init.err"
is "... nothing in the master directory became root's" "$(not_nobodys)" ""

dnsmasq_up "dnsmasq --dhcp-scriptuser=nobody starts again, init run by root"
check_not "... no lease-init failure" grep -q 'lease-init script returned exit code' "$T/dnsmasq.log" "$T/dnsmasq.err"
is "the client gets the address the master holds for it" "$(ask)" "$B"
sleep 0.5
DNSMASQ_INTERFACE=${NS_ID}a DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) \
	as_nobody "$HELPER" add 52:54:00:0d:00:01 10.77.0.121 later
ok $? "nobody's events still record"
ns_dnsmasq_stop
is "nothing in the master directory is root's" "$(not_nobodys)" ""

# The other checks still refuse, and say which and how to fix it.
chmod 770 "$LEASE_DB_DIR"
err=$(helper init 2>&1)
is "a group-writable master directory: init exits 3" "$?" 3
check "... naming the check and the fix: $err" grep -q "mode 0770, writable by others: chmod go-w $LEASE_DB_DIR" <<<"$err"
chmod 700 "$LEASE_DB_DIR"
err=$(DNSMASQ_INTERFACE=x DNSMASQ_LEASE_EXPIRES=0 helper add 52:54:00:0d:00:02 10.77.0.122 2>&1)
is "an event as root on nobody's directory exits 3" "$?" 3
check "... naming the owner and the fix: $err" grep -q "belongs to uid 65534, not to uid 0 that runs this: chown 0 $LEASE_DB_DIR" <<<"$err"
done_testing
