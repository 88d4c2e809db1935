#!/bin/bash
# The run directory on a full tmpfs: the helper fails (exit 3) without
# leaving temporary files, the previous snapshot keeps answering, the master
# keeps the event, and the next event after space returns publishes it all.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
# Our own mount namespace, so the small tmpfs never outlives the test.
private_mounts "$@"
setup_state
export LEASE_DB_LIBVIRT_DIR=none
mkdir -p "$T/run"
mount -t tmpfs -o size=256k,mode=0755 tmpfs "$T/run" || bail "mount tmpfs"
"$MKLEASES" -n 50 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail mkleases
before=$(stat -c %i "$LEASE_DB_SNAPSHOT")
dd if=/dev/zero of="$T/run/filler" bs=4k 2>/dev/null
df_avail=$(df --output=avail "$T/run" | tail -1)
ok_if '(( df_avail == 0 ))' "the run directory is full (${df_avail// /} KiB free)"

err=$(DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add 52:54:00:aa:00:01 10.9.0.1 firstfull 2>&1)
rc=$?
is "helper exits 3 when it cannot publish" "$rc" 3
check "... and says why: $err" grep -q 'No space left on device' <<<"$err"
is "... the published snapshot is untouched" "$(stat -c %i "$LEASE_DB_SNAPSHOT")" "$before"
is "... no temporary file is left" "$(ls -A "$T/run" | grep -c '^\.')" 0
is "the previous snapshot still answers" "$(resolve nobody -4 host10)" 10.0.0.10
check "the master kept the event" grep -q 10.9.0.1 <<<"$(dump --master -n firstfull)"
dump --master --all >/dev/null
ok $? "the master is consistent (readable)"
DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add 52:54:00:aa:00:02 10.9.0.2 secondfull 2>/dev/null
is "a second event while full fails the same way" "$?" 3

rm -f "$T/run/filler"
DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add 52:54:00:aa:00:03 10.9.0.3 afterfull
ok $? "space back: the next event succeeds"
for n in firstfull:10.9.0.1 secondfull:10.9.0.2 afterfull:10.9.0.3; do
	is "... ${n%%:*} resolves" "$(resolve nobody -4 "${n%%:*}")" "${n#*:}"
done
umount "$T/run"
done_testing
