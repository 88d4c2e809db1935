#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The run directory full and the counter file missing (after boot, or
# removed), or left sparse (an older helper made it with ftruncate() and
# died writing it): the helper must not map a file the filesystem cannot
# back and die of SIGBUS. It fails with exit 3 and a message naming the
# counter file and "No space left on device", leaves nothing behind, and
# publishes once space returns.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_mounts "$@"
setup_state
export LEASE_DB_LIBVIRT_DIR=none
GEN=$LEASE_DB_SNAPSHOT.gen
mkdir -p "$T/run"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$T/run" || bail "mount tmpfs"
"$MKLEASES" -n 4 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail mkleases
check "the counter file is there" test -s "$GEN"

# fill: no free block left on the tmpfs
fill() {
	local i=0
	while dd if=/dev/zero of="$T/run/filler$i" bs=4k 2>/dev/null; do i=$((i + 1)); done
	dd if=/dev/zero of="$T/run/filler$((i + 1))" bs=4k 2>/dev/null
	is "the run directory is full" "$(df --output=avail "$T/run" | tail -1 | tr -d ' ')" 0
}

# event NAME ADDRESS: one add; sets rc and err
event() {
	err=$(DNSMASQ_LEASE_EXPIRES=0 DNSMASQ_INTERFACE=eth0 helper add "$(printf 52:54:00:cf:00:%02x "${2##*.}")" "$2" "$1" 2>&1)
	rc=$?
}

rm -f "$GEN"
fill
event missing 10.8.0.1
ok_if '(( rc < 128 ))' "counter file missing, disk full: the helper is not killed by a signal (status $rc)"
is "... it exits 3" "$rc" 3
check "... the message names the counter file: $err" grep -qF "$GEN" <<<"$err"
check "... and says No space left on device" grep -q 'No space left on device' <<<"$err"
check_not "... no counter file is left behind" test -e "$GEN"
is "... nor any temporary file" "$(ls -A "$T/run" | grep -c '^\.')" 0
is "the old snapshot keeps answering" "$(lookup nobody -4 host0)" 10.0.0.0

# A counter file of the right size with no blocks behind it.
truncate -s 4096 "$GEN" && chmod 644 "$GEN"
ok_if '(( $(stat -c %b "$GEN") == 0 ))' "a sparse counter file of 4096 bytes, no block allocated"
event sparse 10.8.0.2
ok_if '(( rc < 128 ))' "sparse counter file, disk full: not killed by a signal (status $rc)"
is "... it exits 3" "$rc" 3
check "... naming the counter file with No space left on device: $err" \
	grep -q "$GEN.*No space left on device" <<<"$err"
# On a full tmpfs even reading a hole through a mapping faults.
is "... lookups meanwhile answer from the snapshot, not killed either" "$(lookup nobody -4 host0)" 10.0.0.0

rm -f "$T"/run/filler*
event after 10.8.0.3
is "space back: the next event succeeds ($err)" "$rc" 0
ok_if '(( $(stat -c %b "$GEN") * 512 >= 4096 ))' "... the counter file is allocated"
for n in missing:10.8.0.1 sparse:10.8.0.2 after:10.8.0.3 host0:10.0.0.0; do
	is "... ${n%%:*} resolves" "$(lookup nobody -4 "${n%%:*}")" "${n#*:}"
done
rm -f "$GEN"
event fresh 10.8.0.4
is "counter file removed with space: it is made again" "$rc" 0
is "... fresh resolves" "$(lookup nobody -4 fresh)" 10.8.0.4
umount "$T/run"
done_testing
