#!/bin/bash
# A damaged master (issue 11, point 5): truncated at several sizes (empty,
# one page, mid-file) it is refused before liblmdb maps it, by add (exit
# 3, a message naming the file and the recovery command, never a signal)
# and by lease-db-dump --master; init hands dnsmasq the published
# snapshot's leases and exits 0. `lease-db-admin rebuild` then restores
# every lease from the snapshot (base and delta) and from libvirt's
# .status files, keeps the damaged file, and events work again. Helpers
# racing to create a fresh master are never refused.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
ADMIN=$B/helper/lease-db-admin
admin() { $VG "$ADMIN" "$@"; }
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
# Deltas from the second publication on: rebuild reads base and delta.
export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=1000 LEASE_DB_DELTA_DIV=1
command -v jq >/dev/null || skip_all "jq not installed (compares lease-db-dump --json)"
E=$(($(now) + 3600))

# dnsmasq's events: plain leases on eth0 (no .status), libvirt's on virbr0.
plain() { LEASE_DB_LIBVIRT_DIR=none DNSMASQ_INTERFACE=eth0 DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_DOMAIN=lan.test helper add "$@"; }
virt() { VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=$E helper add "$@"; }
for i in 1 2 3; do plain "52:54:00:00:01:0$i" "10.0.1.$i" "plain$i" || bail "helper add"; done
for i in 1 2; do virt "52:54:00:00:02:0$i" "192.168.122.$i" "virt$i" || bail "helper add"; done
DNSMASQ_IAID=7 DNSMASQ_MAC=52:54:00:00:02:01 DNSMASQ_SERVER_DUID=00:01:00:01:aa:bb \
	VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=$E helper add 00:02:00:00:ab:11 fd00::21 virt1 ||
	bail "helper add (IPv6)"
plain 52:54:00:00:01:04 10.0.1.4 plain4 || bail "helper add"
check "a delta is published over the base" test -s "$LEASE_DB_SNAPSHOT.delta"

# norm ARGS...: lease-db-dump --json ARGS, in one order whatever the walk's.
norm() { dump --json "$@" | jq -S 'sort_by(.interface, .["ip-address"])'; }
before=$(norm)
before_master=$(norm --master)
is "snapshot and master agree before the damage" "$before" "$before_master"
init_before=$(helper init) || bail "helper init"
cp -a "$LEASE_DB_DIR" "$T/good" || bail "cp"
full=$(stat -c %s "$LEASE_DB_DIR/data.mdb")

restore() { rm -rf "$LEASE_DB_DIR" && cp -a "$T/good" "$LEASE_DB_DIR"; }
signalled() { (($1 >= 128)); }

for size in 0 4096 $((full / 2)); do
	restore || bail "restore"
	truncate -s "$size" "$LEASE_DB_DIR/data.mdb" || bail "truncate"
	err=$(plain 52:54:00:00:01:09 10.0.1.9 late 2>&1)
	rc=$?
	ok_if '! signalled $rc' "master cut to $size bytes: add is not killed by a signal (exit $rc)"
	is "master cut to $size bytes: add exits 3" "$rc" 3
	check "... and names the file: $err" grep -qF "$LEASE_DB_DIR/data.mdb" <<<"$err"
	check "... and the recovery command" grep -qF 'lease-db-admin rebuild' <<<"$err"
	is "... the file is left as it was" "$(stat -c %s "$LEASE_DB_DIR/data.mdb")" "$size"
	out=$(helper init 2>"$T/init.err")
	rc=$?
	is "master cut to $size bytes: init exits 0 (dnsmasq starts)" "$rc" 0
	is "... and prints the snapshot's leases" "$(sort <<<"$out")" "$(sort <<<"$init_before")"
	check "... with a warning naming the recovery command" grep -qF 'lease-db-admin rebuild' "$T/init.err"
	dump --master >/dev/null 2>&1
	rc=$?
	ok_if '! signalled $rc && ((rc != 0))' "master cut to $size bytes: lease-db-dump --master refuses it (exit $rc)"
	is "... and the snapshot still answers" "$(norm)" "$before"
done

# Neither master nor a readable snapshot: dnsmasq still starts, without
# leases rather than not at all.
cp -a "$LEASE_DB_SNAPSHOT" "$T/snapshot.good"
printf 'not a database, long enough to be looked at by the checks....%.0s' $(seq 64) >"$LEASE_DB_SNAPSHOT.new" &&
	chmod 644 "$LEASE_DB_SNAPSHOT.new" && mv "$LEASE_DB_SNAPSHOT.new" "$LEASE_DB_SNAPSHOT"
out=$(helper init 2>"$T/init.err")
is "damaged master and snapshot: init exits 0, prints nothing" "$? $out" "0 "
check "... and says why: $(cat "$T/init.err" | tr '\n' '|')" grep -q 'no lease given' "$T/init.err"
cp -a "$T/snapshot.good" "$LEASE_DB_SNAPSHOT"

# Rebuild from the snapshot (base and delta): the last damaged master is
# cut mid-file. A dry run changes nothing.
out=$(admin rebuild --dry-run)
is "rebuild --dry-run: exit 0" "$?" 0
check "... says where the leases would come from: $(tr '\n' '|' <<<"$out")" grep -q 'published snapshot' <<<"$out"
is "... changes nothing" "$(stat -c %s "$LEASE_DB_DIR/data.mdb") $(ls "$LEASE_DB_DIR" | grep -c damaged)" "$((full / 2)) 0"
out=$(admin rebuild)
is "rebuild: exit 0" "$?" 0
is "rebuild: the master holds every lease again" "$(norm --master)" "$before_master"
is "... and the snapshot too" "$(norm)" "$before"
aside=$(ls "$LEASE_DB_DIR"/data.mdb.damaged-* 2>/dev/null)
is "the damaged master is kept beside it" "$(stat -c %s "$aside" 2>&1)" "$((full / 2))"
admin rebuild >/dev/null 2>&1
is "rebuild of a sound master: refused (exit 2)" "$?" 2
check "after the rebuild, add works" plain 52:54:00:00:01:05 10.0.1.5 plain5
is "... and the new lease resolves" "$(lookup nobody -4 plain5)" 10.0.1.5
is "... and so does an old one" "$(lookup nobody -4 plain2)" 10.0.1.2
check "... and del" helper del 52:54:00:00:01:05 10.0.1.5
is "... the deleted lease is gone" "$(lookup nobody -4 plain5)" "not found"

# The snapshot falls behind (its publications fail: here they go to
# another file) while libvirt's .status, rewritten in the event's
# transaction, keeps up. Rebuilt, virbr0's leases come from the newer
# .status file; eth0 (no .status) from the snapshot.
LEASE_DB_SNAPSHOT=$T/elsewhere/leases.mdb virt 52:54:00:00:02:03 192.168.122.3 virt3 || bail "helper add"
LEASE_DB_SNAPSHOT=$T/elsewhere/leases.mdb VIR_BRIDGE_NAME=virbr0 helper del 52:54:00:00:02:02 192.168.122.2 ||
	bail "helper del"
# Names come only from the snapshot (from the master), never from .status
# (it also holds names dnsmasq refused): virt3 comes back without its name
# until its next renewal.
want=$(norm --master | jq -S 'map(if .["ip-address"] == "192.168.122.3" then del(.hostname) else . end)')
is "the snapshot lacks virbr0's last events" "$(lookup nobody -4 virt3)" "not found"
truncate -s $((full / 3)) "$LEASE_DB_DIR/data.mdb"
out=$(admin rebuild)
is "rebuild with a newer .status: exit 0" "$?" 0
check "... which it says it used: $(tr '\n' '|' <<<"$out")" grep -q 'virbr0.status: 3 leases imported' <<<"$out"
is "... every lease is back, virbr0's as .status has them" "$(norm --master)" "$want"
is "... the lease taken while publishing failed is back, without the name only .status has" \
	"$(dump --json -a | jq -r '.[] | select(.["ip-address"] == "192.168.122.3") | .hostname // "-"')" "-"
is "... which does not resolve until dnsmasq passes it again" "$(lookup nobody -4 virt3)" "not found"
VIR_BRIDGE_NAME=virbr0 DNSMASQ_INTERFACE=virbr0 helper old 52:54:00:00:02:03 192.168.122.3 virt3
is "... and then does" "$(lookup nobody -4 virt3)" 192.168.122.3
is "... the one released meanwhile does not" "$(lookup nobody -4 virt2)" "not found"
is "... eth0's from the snapshot, with their domain" "$(lookup nobody -4 plain1.lan.test)" 10.0.1.1

# No snapshot at all: libvirt's .status files alone.
want=$(norm --master --interface virbr0 | jq -S 'map(del(.hostname))')
rm -f "$LEASE_DB_SNAPSHOT" "$LEASE_DB_SNAPSHOT.delta"
truncate -s 0 "$LEASE_DB_DIR/data.mdb"
out=$(admin rebuild 2>&1)
is "rebuild without a snapshot: exit 0" "$?" 0
is "... virbr0's leases from its .status file, without names" "$(norm --master --interface virbr0)" "$want"
is "... which do not resolve by name" "$(lookup nobody -4 virt1)" "not found"

# A fresh master: helpers racing to create it all succeed (the check waits
# for liblmdb's creator instead of taking its empty file for damage).
fails=0
for round in 1 2 3 4 5; do
	rm -rf "$LEASE_DB_DIR"
	pids=()
	for i in $(seq 12); do
		plain "52:54:00:00:03:$(printf %02x "$i")" "10.0.3.$i" "race$i" 2>>"$T/race.err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
done
is "60 helpers creating a fresh master in rounds of 12: none refused" "$fails" 0
is "... (nothing on stderr)" "$(cat "$T/race.err")" ""
done_testing
