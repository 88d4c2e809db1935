#!/bin/bash
# Hostile or broken snapshots: every lookup returns UNAVAIL or NOTFOUND (or,
# for a damaged but root-owned file, whatever structure survived) and never
# crashes, hangs or answers from an untrusted file. And the helper refuses
# unsafe state and run directories and never follows a planted symlink.
# LEASE_DB_LONG=1 flips bytes in 5,000 files instead of 300.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
export LEASE_DB_LIBVIRT_DIR=none
SO=$NSSLIB/libnss_leasedb.so.2
"$MKLEASES" -n 300 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail mkleases
cp "$LEASE_DB_SNAPSHOT" "$T/good.mdb"
S=$T/probe.mdb

# probe USER FILE: lookups of a few names; prints the statuses, or
# CRASH/HANG; a file is installed at $S for the lookup.
probe() {
	local user=$1 out rc st=""
	for n in host10 host151 nosuch host299; do
		if [ "$user" = nobody ]; then
			out=$(timeout 5 setpriv --reuid=65534 --regid=65534 --clear-groups env LEASE_DB_SNAPSHOT="$S" "$NSSQ" "$SO" leasedb 4 unspec "$n" 2>&1)
		else
			out=$(LEASE_DB_SNAPSHOT="$S" timeout 5 "$NSSQ" "$SO" leasedb 4 unspec "$n" 2>&1)
		fi
		rc=$?
		if [ $rc = 124 ]; then st="$st HANG"; elif [ $rc -ge 128 ] || [ $rc -ne 0 ]; then st="$st CRASH($rc)"; else st="$st ${out%% *}"; fi
	done
	echo "$st"
}
only() { # only STATUSES...: every probe result is one of them
	local s
	for s in $1; do [[ " $2 " == *" $s "* ]] || return 1; done
}

install_file() { rm -rf "$S"; cp "$1" "$S"; chmod 0644 "$S"; }
install_file "$T/good.mdb"
for u in root nobody; do
	is "$u: the intact snapshot answers" "$(probe $u)" " SUCCESS SUCCESS NOTFOUND SUCCESS"
done

head -c 65536 /dev/urandom >"$T/random.mdb"
install_file "$T/random.mdb"
for u in root nobody; do is "$u: random bytes: UNAVAIL" "$(probe $u)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"; done
: >"$T/empty.mdb"
install_file "$T/empty.mdb"
is "empty file: UNAVAIL" "$(probe root)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"
size=$(stat -c %s "$T/good.mdb")
for cut in 100 4096 8192 $((size / 2)) $((size - 1)); do
	head -c $cut "$T/good.mdb" >"$T/cut.mdb"
	install_file "$T/cut.mdb"
	is "truncated to $cut bytes: UNAVAIL" "$(probe root)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"
done

install_file "$T/good.mdb"
chown 1234 "$S"
for u in root nobody; do is "$u: owned by another user: UNAVAIL" "$(probe $u)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"; done
chown 0 "$S"
for m in 0664 0646 0666; do
	chmod $m "$S"
	is "mode $m: UNAVAIL" "$(probe nobody)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"
done
rm -f "$S"; ln -s "$T/good.mdb" "$S"
is "a symlink, even to a good file: UNAVAIL" "$(probe nobody)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"
rm -f "$S"; mkdir "$S"
is "a directory: UNAVAIL" "$(probe nobody)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"
rm -rf "$S"; mkfifo -m 0644 "$S"
is "a FIFO: UNAVAIL, no hang" "$(probe nobody)" " UNAVAIL UNAVAIL UNAVAIL UNAVAIL"
rm -f "$S"

# Bytes flipped anywhere, and in page headers and node offsets especially.
TRIALS=${FLIP_TRIALS:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 5000 || echo 300)}
pages=$((size / 4096))
bad=0 unavail=0
RANDOM=11
for t in $(seq "$TRIALS"); do
	cp "$T/good.mdb" "$T/flip.mdb"
	for k in $(seq $((RANDOM % 4 + 1))); do
		if [ $((t % 2)) -eq 0 ]; then off=$(( (RANDOM * 32768 + RANDOM) % size )); else off=$(( (RANDOM % pages) * 4096 + RANDOM % 64 )); fi
		printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of="$T/flip.mdb" bs=1 seek=$off conv=notrunc 2>/dev/null
	done
	install_file "$T/flip.mdb"
	r=$(probe root)
	only "$r" "SUCCESS NOTFOUND UNAVAIL" || { bad=$((bad + 1)); echo "# trial $t:$r"; cp "$T/flip.mdb" "$T/crash-$t.mdb"; }
	[[ $r == *UNAVAIL* ]] && unavail=$((unavail + 1))
done
is "$TRIALS damaged files ($unavail refused as UNAVAIL): no crash, no hang" "$bad" 0

# The helper's directories.
chown 1234 "$LEASE_DB_DIR"
helper add 52:54:00:00:00:01 10.0.0.1 x 2>/dev/null
is "a master directory owned by another user is refused (exit 3)" "$?" 3
chown 0 "$LEASE_DB_DIR"
chown 1234 "$T/run"
helper add 52:54:00:00:00:01 10.0.0.1 x 2>/dev/null
is "a run directory owned by another user is refused (exit 3)" "$?" 3
chown 0 "$T/run"
chmod 0777 "$T/run"
helper add 52:54:00:00:00:01 10.0.0.1 x 2>/dev/null
is "a world-writable run directory is refused (exit 3)" "$?" 3
chmod 0755 "$T/run"
echo victim >"$T/victim"
rm -f "$T/run/leases.mdb.gen"
ln -s "$T/victim" "$T/run/leases.mdb.gen"
helper add 52:54:00:00:00:01 10.0.0.1 x
ok $? "a symlink planted as the counter file does not stop the helper"
is "... it is not followed" "$(cat "$T/victim")" victim
ok_if '[ -f "$T/run/leases.mdb.gen" ] && [ ! -L "$T/run/leases.mdb.gen" ]' "... it is replaced by a regular file"
rm -f "$LEASE_DB_DIR/publish.lock"
ln -s "$T/victim" "$LEASE_DB_DIR/publish.lock"
helper add 52:54:00:00:00:01 10.0.0.1 x 2>/dev/null
is "a symlink planted as the publish lock is refused (exit 3)" "$?" 3
is "... and not followed" "$(cat "$T/victim")" victim
done_testing
