#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dnsmasq must always be able to start (issue 11, point 3). With
# leasefile-ro dnsmasq asks the helper for every lease at start (init) and
# refuses to start when it exits non-zero ("lease-init script returned exit
# code 3"): no DHCP on the network. init must print every lease the master
# holds and exit 0 whenever the master can be read, with a warning when it
# cannot publish (the snapshot directory full) or record (libvirt's
# .status), and read a master on a read-only filesystem read-only. Events
# still fail there, with exit 3 and a message saying why.
# Real dnsmasq, real DHCP client: the client gets back the address the
# master holds for it, which dnsmasq can only know from init.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
for cmd in dnsmasq dhclient ip; do
	command -v $cmd >/dev/null || skip_all "$cmd not installed"
done
private_mounts "$@"
setup_state
export LEASE_DB_LIBVIRT_DIR=none
NS_ID=initf$$
. "$TOP_SRCDIR/tests/netns.sh"
trap 'ns_down; umount -l "$LEASE_DB_DIR" "$T/run" 2>/dev/null; cleanup_state' EXIT
mkdir -p "$T/run"
mount -t tmpfs -o size=128k,mode=0755 tmpfs "$T/run" || bail "mount tmpfs"

# dnsmasq_up LABEL: start dnsmasq (stderr, where the helper's init warnings
# go, into $T/dnsmasq.err) and tell whether it is running after init.
dnsmasq_up() {
	: >"$T/dnsmasq.log"
	ns_dnsmasq 2>"$T/dnsmasq.err"
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

# ask: a DHCPv4 exchange from scratch (DISCOVER, no remembered lease);
# prints the address obtained.
ask() {
	rm -f "$T/dh4.leases"
	ns_dhclient 4 guest4 && sed -n 's/^ *fixed-address \(.*\);/\1/p' "$T/dh4.leases" | tail -1
}

# move ADDRESS: the client's lease, in the master, moved to ADDRESS (dnsmasq
# stopped): only init can tell dnsmasq.
move() {
	local old
	old=$(helper init | awk -v m="$MAC" '$2 == m { print $3 }')
	DNSMASQ_INTERFACE=${NS_ID}a helper del "$MAC" "$old" &&
		DNSMASQ_INTERFACE=${NS_ID}a DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) helper add "$MAC" "$1" guest4
}

ns_up || bail "could not create network namespaces"
MAC=$(ip -n "$NS_C" -o link show "${NS_ID}b" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
dnsmasq_up "dnsmasq starts" || bail "dnsmasq did not start"
addr=$(ask)
ok_if '[[ $addr == 10.77.0.* ]]' "the client obtained a lease: $addr"
is "... guest4 resolves" "$(lookup nobody -4 guest4)" "$addr"
ns_dnsmasq_stop
# An address dnsmasq would not pick by itself for this client.
B=10.77.0.140
[ "$addr" = "$B" ] && B=10.77.0.141
C=10.77.0.130
[ "$addr" = "$C" ] && C=10.77.0.131

# --- the snapshot directory full (a full /run at boot) ----------------------
move "$B" || bail "moving the lease"
rm -f "$T"/run/leases.mdb*
i=0
while dd if=/dev/zero of="$T/run/filler$i" bs=4k 2>/dev/null; do i=$((i + 1)); done
is "the snapshot directory is full and holds no snapshot" \
	"$(df --output=avail "$T/run" | tail -1 | tr -d ' ') $(ls "$T/run" | grep -c leases)" "0 0"
out=$(helper init 2>"$T/init.err")
is "init exits 0 with the snapshot directory full" "$?" 0
is "... prints the client's lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$B guest4"
check "... warns that it could not publish: $(cat "$T/init.err")" \
	grep -q 'warning: publishing .*No space left on device' "$T/init.err"
dnsmasq_up "dnsmasq (leasefile-ro) starts with the snapshot directory full"
check_not "... no lease-init failure" grep -q 'lease-init script returned exit code' "$T/dnsmasq.log" "$T/dnsmasq.err"
check "... the helper's warning reached dnsmasq's stderr" grep -q 'warning: publishing' "$T/dnsmasq.err"
is "the client gets the address the master holds for it" "$(ask)" "$B"
ns_dnsmasq_stop
rm -f "$T"/run/filler*

# --- the master on a read-only filesystem ----------------------------------
move "$C" || bail "moving the lease"
mount --bind "$LEASE_DB_DIR" "$LEASE_DB_DIR" && mount -o remount,bind,ro "$LEASE_DB_DIR" ||
	bail "read-only bind mount of the master"
check "the master directory is read-only" sh -c "! touch '$LEASE_DB_DIR/x' 2>/dev/null"
rm -f "$T"/run/leases.mdb*
out=$(helper init 2>"$T/init.err")
is "init exits 0 with the master read-only" "$?" 0
is "... prints the client's lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$C guest4"
check "... warns that it read the master read-only: $(cat "$T/init.err")" \
	grep -q 'warning: master database .*cannot be written (Read-only file system)' "$T/init.err"
err=$(DNSMASQ_INTERFACE=${NS_ID}a DNSMASQ_LEASE_EXPIRES=0 helper add 52:54:00:0f:00:01 10.77.0.120 other 2>&1)
is "an event with the master read-only exits 3" "$?" 3
check "... saying why: $err" grep -q "master database $LEASE_DB_DIR: Read-only file system: the lease is not recorded" <<<"$err"
dnsmasq_up "dnsmasq (leasefile-ro) starts with the master read-only"
check_not "... no lease-init failure" grep -q 'lease-init script returned exit code' "$T/dnsmasq.log" "$T/dnsmasq.err"
is "the client gets the address the master holds for it" "$(ask)" "$C"
ns_dnsmasq_stop
umount "$LEASE_DB_DIR"

# --- a lock file the helper may not open: read without it (MDB_NOLOCK) ------
# As nobody, with the master (but not its lock file) nobody's own.
U=$T/nolock
mkdir -p "$U" && cp "$LEASE_DB_DIR/data.mdb" "$LEASE_DB_DIR/lock.mdb" "$U/" && chmod 700 "$U" &&
	chown 65534 "$U" "$U/data.mdb" && chmod 600 "$U/lock.mdb" || bail "copying the master"
out=$(LEASE_DB_DIR=$U setpriv --reuid=65534 --regid=65534 --clear-groups "$HELPER" init 2>"$T/init.err")
is "init exits 0 when the lock file cannot be opened (EACCES)" "$?" 0
is "... prints the client's lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$C guest4"
check "... warns: $(cat "$T/init.err")" grep -q 'cannot be written (Permission denied)' "$T/init.err"

# --- nothing recorded: libvirt's .status unreadable -------------------------
# (invalid, and it cannot be moved aside: a directory holds that name)
mkdir -p "$T/libvirt/${NS_ID}a.status.invalid/x" && echo 'not json' >"$T/libvirt/${NS_ID}a.status"
out=$(LEASE_DB_LIBVIRT_DIR=$T/libvirt VIR_BRIDGE_NAME=${NS_ID}a helper init 2>"$T/init.err")
is "init exits 0 when it cannot import libvirt's .status" "$?" 0
is "... prints the lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$C guest4"
check "... warns: $(tr '\n' ' ' <"$T/init.err")" grep -q 'warning: init could not record' "$T/init.err"

# --- no master, and none can be made (a read-only filesystem) ---------------
mkdir -p "$T/rofs" && mount -t tmpfs -o ro,mode=0755 tmpfs "$T/rofs" || bail "read-only tmpfs"
out=$(LEASE_DB_DIR=$T/rofs/master helper init 2>"$T/init.err")
is "no master on a read-only filesystem: init exits 0" "$?" 0
# The published snapshot came from a master (/var/lib not mounted, say):
# its leases rather than none.
is "... printing the published snapshot's lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$C guest4"
check "... and says why: $(cat "$T/init.err")" grep -q 'warning: no master database' "$T/init.err"
out=$(LEASE_DB_DIR=$T/rofs/master LEASE_DB_SNAPSHOT=$T/nosnap/leases.mdb helper init 2>"$T/init.err")
is "... and with no snapshot either: init exits 0" "$?" 0
is "... printing no lease" "$out" ""
check "... and says why: $(cat "$T/init.err")" grep -q 'warning: no master database' "$T/init.err"
umount "$T/rofs"

# --- a master that cannot be read: the published snapshot's leases ---------
# (as for a damaged one, tests/master-damaged.sh)
chmod 000 "$U/data.mdb"
out=$(LEASE_DB_DIR=$U setpriv --reuid=65534 --regid=65534 --clear-groups "$HELPER" init 2>"$T/init.err")
is "init exits 0 when the master cannot be read" "$?" 0
is "... and prints the published snapshot's lease" "$(awk -v m="$MAC" '$2 == m { print $3, $4 }' <<<"$out")" "$C guest4"
check "... naming the file and the recovery: $(head -1 "$T/init.err")" \
	grep -q "$U/data.mdb cannot be read: Permission denied.*lease-db-admin rebuild" "$T/init.err"
done_testing
