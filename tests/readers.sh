#!/bin/bash
# Readers under writes: threads and forked children (forked after their
# parent's first lookup) resolve stable names in a tight loop while helpers
# add and delete other leases, publishing deltas and new bases, the whole
# time. Zero wrong answers, zero failures, no growth of open files,
# mappings or heap. LEASE_DB_LONG=1 runs for 60 s instead of 4.
. "$TOP_SRCDIR/tests/lib.sh"
setup_state
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0 LEASE_DB_DELTA_MAX=20
SECS=${READERS_SECONDS:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 60 || echo 4)}
"$MKLEASES" -n 5000 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail mkleases
stable=()
for i in 0 2 1000 2500 4998; do
	stable+=("host$i=10.$((i >> 16 & 255)).$((i >> 8 & 255)).$((i & 255))")
done

churn() {
	local i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		"$HELPER" add 52:54:00:00:00:01 10.220.0.$((i % 200 + 1)) churn$((i % 7)) || echo fail
		[ $((i % 3)) -eq 0 ] && { "$HELPER" del 52:54:00:00:00:01 10.220.0.$(((i - 1) % 200 + 1)) || echo fail; }
	done
	echo "$i" >"$T/churned"
}
churn >"$T/churn.out" 2>&1 &
cpid=$!
out=$("$STRESS" "$NSSLIB/libnss_leasedb.so.2" leasedb "$SECS" 2 2 "${stable[@]}")
rc=$?
touch "$T/stop"
wait $cpid
echo "$out" | sed 's/^/# /'
ok $rc "stress: no wrong answer, no failure, no growth (threads and forked children)"
is "the writers never failed" "$(cat "$T/churn.out")" ""
n=$(cat "$T/churned")
ok_if '(( n >= 10 ))' "$n publications happened under the readers"
for who in parent "child 0" "child 1"; do
	check "$who looked up and got every answer right" grep -q "^$who: [1-9][0-9]* lookups, 0 wrong, 0 failed" <<<"$out"
done
done_testing
