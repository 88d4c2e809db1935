#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The master's filesystem full (issue 11, points 3 and 4; review of them).
# liblmdb makes its lock file lock.mdb with ftruncate() and writes through
# a shared mapping of it, even to read: with lock.mdb missing (a restore of
# data.mdb alone, a clean-up) on a full filesystem every process that opened
# the master died of SIGBUS, init included, so dnsmasq could not start. Now
# the lock file gets its blocks before liblmdb touches it: events exit 3
# with "No space left on device", init prints every lease read-only and
# exits 0, lease-db-dump -m and --check read the master. A master directory
# that cannot be made (the filesystem out of inodes) or an empty one on a
# full filesystem is "no master": init warns and exits 0.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_mounts "$@"
setup_state
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_INTERFACE=mfull0
M=$T/mfs
mkdir -p "$T/run" "$M"
# fill DIR: fill its filesystem's blocks; with "inodes", its inodes too
# (mount it with a small nr_inodes).
fill() {
	local i=0
	while dd if=/dev/zero of="$1/filler$i" bs=4k 2>/dev/null; do i=$((i + 1)); done
	if [ "${2:-}" = inodes ]; then
		while [ $i -lt 100 ] && touch "$1/inode$i" 2>/dev/null; do i=$((i + 1)); done
	fi
	: # a full filesystem is the point
}
# signalled RC: a death by signal (a shell status above 128).
signalled() { [ "$1" -gt 128 ]; }

# --- lock.mdb missing, the filesystem full ------------------------------
mount -t tmpfs -o size=256k,mode=0755 tmpfs "$M" || bail "mount tmpfs"
export LEASE_DB_DIR=$M/master
for i in 1 2 3; do
	DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) helper add 52:54:00:0f:00:0$i 10.15.0.$i full$i ||
		bail "recording lease $i"
done
rm -f "$LEASE_DB_DIR/lock.mdb"
fill "$M"
is "the master's filesystem is full, lock.mdb missing" \
	"$(df --output=avail "$M" | tail -1 | tr -d ' ') $(ls "$LEASE_DB_DIR" | grep -c '^lock.mdb$')" "0 0"
out=$(helper init 2>"$T/init.err")
rc=$?
is "init exits 0" "$rc" 0
is "... and prints the 3 leases" "$(grep -c ' full[0-9] ' <<<"$out")" 3
check "... with a warning naming the cause" grep -q 'cannot be written (No space left on device)' "$T/init.err"
err=$(DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) helper add 52:54:00:0f:00:09 10.15.0.9 full9 2>&1)
rc=$?
is "an event exits 3 (no SIGBUS)" "$rc" 3
check "... and says why: $err" grep -q "master database $LEASE_DB_DIR: No space left on device" <<<"$err"
out=$(dump -m 2>&1)
rc=$?
ok_if '! signalled $rc' "lease-db-dump -m is not killed (exit $rc)"
is "... and lists the 3 leases" "$(grep -c '^full[0-9] ' <<<"$out")" 3
out=$(dump --check 2>&1)
rc=$?
ok_if '! signalled $rc' "lease-db-dump --check is not killed (exit $rc)"
check "... and opens the master" grep -q "^ok  *master .*opens" <<<"$out"
rm -f "$M"/filler* "$M"/inode*
DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) helper add 52:54:00:0f:00:04 10.15.0.4 full4
ok $? "space back: the next event succeeds"
is "... and the master holds all 4 leases" "$(dump -m | grep -c '^full[0-9] ')" 4
umount "$M"

# --- no master directory, and none can be made (out of inodes) -----------
mount -t tmpfs -o size=64k,nr_inodes=8,mode=0755 tmpfs "$M" || bail "mount tmpfs"
fill "$M" inodes
out=$(helper init 2>"$T/init.err")
is "no master directory, none can be made (ENOSPC): init exits 0" "$?" 0
check "... with a warning" grep -q 'no master database in .* none can be made' "$T/init.err"
umount "$M"

# --- an empty master directory on a full filesystem ----------------------
# A fresh install: no snapshot (one from a master would be rebuilt from).
rm -f "$LEASE_DB_SNAPSHOT" "$LEASE_DB_SNAPSHOT".*
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$M" || bail "mount tmpfs"
mkdir -m 700 "$LEASE_DB_DIR"
fill "$M"
out=$(helper init 2>"$T/init.err")
rc=$?
is "an empty master directory on a full filesystem: init exits 0" "$rc" 0
check "... with a warning" grep -q 'no master database in .* none can be made' "$T/init.err"
out=$(dump -m 2>&1)
ok_if '! signalled $?' "... lease-db-dump -m is not killed"
umount "$M"

# --- the same with the lock file there: liblmdb makes data.mdb, cannot ----
# write its meta pages, and an empty data.mdb would be "damaged" for ever.
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$M" || bail "mount tmpfs"
mkdir -m 700 "$LEASE_DB_DIR" && head -c 8192 /dev/zero >"$LEASE_DB_DIR/lock.mdb" &&
	chmod 600 "$LEASE_DB_DIR/lock.mdb" || bail "making the lock file"
fill "$M"
out=$(helper init 2>"$T/init.err")
is "an empty master directory with its lock file, filesystem full: init exits 0" "$?" 0
check "... with a warning: $(cat "$T/init.err")" grep -q 'no master database in .* none can be made' "$T/init.err"
is "... and leaves no half-made data.mdb" "$(ls "$LEASE_DB_DIR" | grep -c data.mdb)" 0
rm -f "$M"/filler*
DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) helper add 52:54:00:0f:00:05 10.15.0.5 full5
ok $? "space back: an event makes the master"
umount "$M"
done_testing
