#!/bin/bash
# A damaged master (issue 11, point 5): truncated at several sizes (empty,
# one page, mid-file) it is refused before liblmdb maps it, by add (exit
# 3, a message naming the file and the recovery command, never a signal)
# and by lease-db-dump --master; init hands dnsmasq the published
# snapshot's leases and exits 0. `lease-db-admin rebuild` then restores
# every lease from the snapshot (base and delta) and from libvirt's
# .status files (never their hostnames: a .status holds the names dnsmasq
# refused too), keeps the damaged file, and events work again. Sound meta
# pages over a broken tree (a root page number of 0 or 1, garbled tree
# pages: liblmdb asserts, SIGSEGV, SIGBUS) kill nothing: init walks the
# master whole and gives the snapshot's leases, events and lease-db-dump
# exit 3 naming the recovery, rebuild finds the damage and restores.
# Helpers racing to create a fresh master are never refused; a rebuild
# killed half way leaves a directory the next one removes; a rebuild on a
# full filesystem fails with "No space left on device", leaving nothing.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_mounts "$@"
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
RUN=${LEASE_DB_SNAPSHOT%/*}
cp -a "$RUN" "$T/good-run" || bail "cp"
# The snapshot as it was before the damage (an event that succeeded
# published).
restore_snapshot() { rm -rf "$RUN" && cp -a "$T/good-run" "$RUN"; }
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

# --- sound meta pages, a broken tree ---------------------------------------
# patch FILE WHAT VALUE: in the meta page liblmdb uses (the higher
# transaction id), set the main or free tree's root page number; or
# garble the node offsets of tree page VALUE (WHAT=page).
command -v python3 >/dev/null || skip_all "python3 not installed (patches the master)"
patch() {
	python3 - "$@" <<'PY'
import struct, sys
path, what, value = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, 'r+b') as f:
    if what == 'page':
        f.seek(value * 4096); p = bytearray(f.read(4096))
        lower = struct.unpack_from('<H', p, 12)[0]
        for i in range(16, lower, 2):
            struct.pack_into('<H', p, i, 0xfff0)
        f.seek(value * 4096); f.write(p)
        sys.exit(0)
    m = []
    for i in (0, 1):
        f.seek(i * 4096); m.append(bytearray(f.read(4096)))
    t = [struct.unpack_from('<Q', m[i], 16 + 128)[0] for i in (0, 1)]
    cur = 1 if t[1] > t[0] else 0
    # MDB_meta after the 16-byte page header: free tree at 24, main at 72;
    # an MDB_db's root page number at 40.
    struct.pack_into('<Q', m[cur], 16 + (72 if what == 'main' else 24) + 40, value)
    f.seek(cur * 4096); f.write(m[cur])
PY
}
# damaged_case LABEL: the master is damaged as LABEL says; nothing dies,
# init gives the snapshot's leases, rebuild restores every lease.
damaged_case() {
	local label=$1 rc out err
	# Events check the meta pages only: one may not meet the damage (and
	# succeed); one that does exits 3 naming the recovery.
	err=$(plain 52:54:00:00:01:09 10.0.1.9 late 2>&1)
	rc=$?
	ok_if '! signalled $rc && ((rc == 3 || rc == 0))' "$label: add is not killed (exit $rc)"
	ok_if '((rc == 0)) || grep -qF "lease-db-admin rebuild" <<<"$err"' "... a refusal names the recovery: $err"
	helper del 52:54:00:00:01:01 10.0.1.1 >/dev/null 2>&1
	rc=$?
	ok_if '! signalled $rc && ((rc == 3 || rc == 0))' "$label: del is not killed (exit $rc)"
	restore_snapshot
	dump --master >/dev/null 2>&1
	rc=$?
	ok_if '! signalled $rc && ((rc != 0))' "$label: lease-db-dump --master refuses it (exit $rc)"
	out=$(helper init 2>"$T/init.err")
	rc=$?
	is "$label: init exits 0 (dnsmasq starts)" "$rc" 0
	is "... and prints the snapshot's leases" "$(sort <<<"$out")" "$(sort <<<"$init_before")"
	check "... naming the file and the recovery: $(head -1 "$T/init.err")" \
		grep -q "$LEASE_DB_DIR/data.mdb .*lease-db-admin rebuild" "$T/init.err"
	out=$(admin rebuild 2>&1)
	rc=$?
	is "$label: rebuild finds it damaged and rebuilds (exit $rc: $(tr '\n' '|' <<<"$out"))" "$rc" 0
	is "... every lease is back" "$(norm --master)" "$before_master"
}
for what in main free; do
	for root in 0 1 99999; do
		restore || bail "restore"
		patch "$LEASE_DB_DIR/data.mdb" "$what" "$root" || bail "patch"
		damaged_case "$what tree's root page number $root"
	done
done
# Garble each tree page in turn; a page no tree uses (free) is harmless.
pages=$(($(stat -c %s "$T/good/data.mdb") / 4096))
garbled=0
for pg in $(seq 2 $((pages - 1))); do
	restore || bail "restore"
	patch "$LEASE_DB_DIR/data.mdb" page "$pg" || bail "patch"
	# A page in use: the full walk (rebuild --dry-run is refused on a
	# sound master) says so.
	admin rebuild --dry-run >/dev/null 2>&1 || continue
	garbled=$((garbled + 1))
	damaged_case "tree page $pg garbled"
done
ok_if '((garbled >= 3))' "$garbled tree pages garbled in turn"
restore || bail "restore"
is "a sound master: rebuild refuses (exit 2)" "$(admin rebuild >/dev/null 2>&1; echo $?)" 2
out=$(admin rebuild --force)
is "... --force rebuilds it anyway: exit 0" "$?" 0
is "... every lease is there" "$(norm --master)" "$before_master"
check "... the old one is kept: $(ls "$LEASE_DB_DIR" | tr '\n' ' ')" ls "$LEASE_DB_DIR"/data.mdb.damaged-*

# --- a process stuck holding liblmdb's creator lock --------------------------
# The check waits for a creator (byte 0 of lock.mdb) a bounded time, then
# judges the file as it is.
restore || bail "restore"
truncate -s 8192 "$LEASE_DB_DIR/data.mdb"
python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, 0)
print("locked", flush=True)
time.sleep(60)' "$LEASE_DB_DIR/lock.mdb" >"$T/locker.out" &
locker=$!
for i in $(seq 50); do grep -q locked "$T/locker.out" && break; sleep 0.1; done
start=$(date +%s)
out=$(timeout 20 "$HELPER" init 2>/dev/null)
rc=$?
took=$(($(date +%s) - start))
is "creator lock held for ever: init exits 0 (not stuck)" "$rc" 0
ok_if '((took <= 8))' "... within a few seconds ($took s)"
is "... with the snapshot's leases" "$(sort <<<"$out")" "$(sort <<<"$init_before")"
timeout 20 "$ADMIN" rebuild >/dev/null 2>&1
is "... rebuild is not stuck either" "$?" 0
kill "$locker"
wait "$locker" 2>/dev/null

# --- rebuilds killed half way ----------------------------------------------
# A killed rebuild's directory (a full master copy) goes with the next
# rebuild; a running one's (its lock held) stays.
restore || bail "restore"
mkdir -m 700 "$LEASE_DB_DIR/.rebuild.Killed" "$LEASE_DB_DIR/.rebuild.Runnin" &&
	cp "$T/good/data.mdb" "$LEASE_DB_DIR/.rebuild.Killed/" || bail "stale directory"
flock "$LEASE_DB_DIR/.rebuild.Runnin" sleep 30 &
holder=$!
sleep 0.3
truncate -s 4096 "$LEASE_DB_DIR/data.mdb"
out=$(admin rebuild 2>&1)
is "rebuild with a killed rebuild's directory: exit 0" "$?" 0
check "... removes it" test ! -e "$LEASE_DB_DIR/.rebuild.Killed"
check "... and says so: $(tr '\n' '|' <<<"$out")" grep -q 'removed .*\.rebuild\.Killed' <<<"$out"
check "... leaves a running rebuild's alone" test -d "$LEASE_DB_DIR/.rebuild.Runnin"
kill "$holder"
wait "$holder" 2>/dev/null
rmdir "$LEASE_DB_DIR/.rebuild.Runnin"
check "... and names itself in its messages" grep -q '^lease-db-admin: removed' <<<"$out"
mkdir -p "$T/lv2" && printf '[{"ip-address":"bogus","mac-address":"52:54:00:00:09:01","expiry-time":1}]' \
	>"$T/lv2/virbr9.status" || bail "status file"
out=$(LEASE_DB_LIBVIRT_DIR=$T/lv2 admin rebuild --force --dry-run 2>&1)
check "... also in the .status import's warnings: $(grep bogus <<<"$out")" \
	grep -q '^lease-db-admin: virbr9.status: skipping invalid lease' <<<"$out"

# --- a full filesystem -------------------------------------------------------
# No SIGBUS (the lock file is allocated before liblmdb maps it), the error
# named, no .rebuild directory left; with space back, the rebuild works.
restore || bail "restore"
SMALL=$T/small
mkdir -p "$SMALL"
kb=$(du -k "$T/good/data.mdb" | cut -f1)
mount -t tmpfs -o size=$((kb + 64))k,mode=0755 tmpfs "$SMALL" || bail "mount tmpfs"
cp -a "$T/good" "$SMALL/master" || bail "cp"
truncate -s 8192 "$SMALL/master/data.mdb"
dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null
out=$(LEASE_DB_DIR=$SMALL/master admin rebuild 2>&1)
rc=$?
ok_if '! signalled $rc && ((rc == 3))' "rebuild on a full filesystem: exit 3, no signal (exit $rc)"
check "... says why: $(tr '\n' '|' <<<"$out")" grep -q 'No space left on device' <<<"$out"
is "... leaves no .rebuild directory" "$(ls -a "$SMALL/master" | grep -c '^\.rebuild')" 0
# A missing master the helper cannot rebuild (the filesystem full): the
# event is refused, never an empty master over the snapshot's leases;
# init gives the snapshot's leases.
rm -rf "$SMALL/master" && mkdir -m 700 "$SMALL/master" && dd if=/dev/zero of="$SMALL/fill2" bs=4k 2>/dev/null
err=$(LEASE_DB_DIR=$SMALL/master plain 52:54:00:00:01:09 10.0.1.9 late 2>&1)
rc=$?
is "missing master, no room to rebuild it: the event exits 3" "$rc" 3
check "... saying why: $(tr '\n' '|' <<<"$err")" grep -q 'rebuilding it from the published snapshot .* failed' <<<"$err"
check "... no master made" test ! -e "$SMALL/master/data.mdb"
out=$(LEASE_DB_DIR=$SMALL/master helper init 2>"$T/init.err")
is "... init exits 0" "$?" 0
is "... with the snapshot's leases" "$(sort <<<"$out")" "$(sort <<<"$init_before")"
rm -f "$SMALL/fill" "$SMALL/fill2"
out=$(LEASE_DB_DIR=$SMALL/master admin rebuild 2>&1)
is "... with space back, it rebuilds (exit 0)" "$?" 0
is "... every lease is back" "$(LEASE_DB_DIR=$SMALL/master norm --master)" "$before_master"
umount "$SMALL"
restore || bail "restore"
truncate -s $((full / 2)) "$LEASE_DB_DIR/data.mdb"

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
# Every lease, but no name from .status (it holds what clients supplied,
# refused or not): a lease keeps the name the snapshot had for it.
is "... every lease is back, virbr0's as .status has them, virt3 without its name" \
	"$(norm --master)" "$(jq -S 'map(if .["ip-address"] == "192.168.122.3" then del(.hostname) else . end)' <<<"$want")"
is "... the lease taken while publishing failed is recorded, its name not served" \
	"$(lookup nobody -4 virt3)" "not found"
is "... virbr0's other lease keeps the snapshot's name" "$(lookup nobody -4 virt1)" 192.168.122.1
VIR_BRIDGE_NAME=virbr0 DNSMASQ_INTERFACE=virbr0 helper old 52:54:00:00:02:03 192.168.122.3 virt3
is "... and resolves once dnsmasq passes it again (a renewal)" "$(lookup nobody -4 virt3)" 192.168.122.3
is "... the one released meanwhile does not" "$(lookup nobody -4 virt2)" "not found"
is "... eth0's from the snapshot, with their domain" "$(lookup nobody -4 plain1.lan.test)" 10.0.1.1

# No snapshot at all: libvirt's .status files alone.
want=$(norm --master --interface virbr0 | jq -S 'map(del(.hostname))')
rm -f "$LEASE_DB_SNAPSHOT" "$LEASE_DB_SNAPSHOT.delta"
truncate -s 0 "$LEASE_DB_DIR/data.mdb"
out=$(admin rebuild 2>&1)
is "rebuild without a snapshot: exit 0" "$?" 0
is "... virbr0's leases from its .status file, without names" \
	"$(norm --master --interface virbr0)" "$(jq -S 'map(del(.hostname))' <<<"$want")"
is "... so no .status name resolves" "$(lookup nobody -4 virt1)" "not found"

# A fresh master: helpers racing to create it all succeed (the check waits
# for liblmdb's creator instead of taking its empty file for damage).
# A fresh install: no snapshot either.
fails=0
for round in 1 2 3 4 5; do
	rm -rf "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" "$LEASE_DB_SNAPSHOT".*
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
