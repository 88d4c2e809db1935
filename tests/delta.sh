#!/bin/bash
# Publishing by delta: with tiny thresholds every event publishes either a
# delta over the base or a new base. After each of many random events, what
# lease-db-dump and the NSS module see equals a model of the events.
. "$TOP_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
export LEASE_DB_DELTA_MIN=4 LEASE_DB_DELTA_MAX=6 LEASE_DB_DELTA_DIV=1 LEASE_DB_LIBVIRT_DIR=none
declare -A model
names=(alpha bravo charlie delta echo)
RANDOM=42
bad_dump=0 bad_nss=0 deltas=0 bases=0 events=${DELTA_EVENTS:-300}
prev_base=

view() { dump --json | jq -r '.[] | "\(.["ip-address"]) \(.hostname // "-")"' | sort; }
want() { for ip in "${!model[@]}"; do echo "$ip ${model[$ip]}"; done | sort; }
nss_addrs() { "$NSSQ" "$NSSLIB/libnss_leasedb.so.2" leasedb 4 unspec "$1" | cut -d' ' -f5- | tr ' ' '\n' | sed '/^$/d' | sort; }
model_addrs() { for ip in "${!model[@]}"; do [ "${model[$ip]}" = "$1" ] && echo "$ip"; done | sort; }

for i in $(seq "$events"); do
	ip=10.0.0.$((RANDOM % 24 + 1))
	mac=52:54:00:00:00:$(printf %02x $((RANDOM % 24 + 1)))
	if [ $((RANDOM % 4)) -eq 0 ]; then
		helper del "$mac" "$ip" || bail "del failed"
		unset "model[$ip]"
	else
		name=${names[$((RANDOM % 5))]}
		helper add "$mac" "$ip" "$name" || bail "add failed"
		model[$ip]=$name
	fi
	if [ -e "$LEASE_DB_SNAPSHOT.delta" ]; then deltas=$((deltas + 1)); fi
	b=$(stat -c %i "$LEASE_DB_SNAPSHOT")
	[ "$b" != "$prev_base" ] && bases=$((bases + 1)) && prev_base=$b
	[ "$(view)" = "$(want)" ] || bad_dump=$((bad_dump + 1))
	n=${names[$((i % 5))]}
	[ "$(nss_addrs "$n")" = "$(model_addrs "$n")" ] || bad_nss=$((bad_nss + 1))
done
ok_if '(( deltas > 0 ))' "$deltas of $events publications left a delta in place"
ok_if '(( bases >= 2 ))' "$bases new bases were published along the way"
is "lease-db-dump matched the model after every event" "$bad_dump" 0
is "the NSS module matched the model after every event" "$bad_nss" 0

# A delta made for another base is ignored, never mixed in. A delta that
# holds 10.0.1.1 as "stale" is kept aside, that lease is deleted and new
# bases are published, then the kept delta is put back: were it mixed in,
# "stale" would answer again.
for i in $(seq 8); do
	helper add 52:54:00:00:01:01 10.0.1.1 stale || bail "add failed"
	[ -e "$LEASE_DB_SNAPSHOT.delta" ] && break
done
check "a delta holding 10.0.1.1 stale was published" cp "$LEASE_DB_SNAPSHOT.delta" "$T/old.delta"
check "... and answers" grep -qx '10.0.1.1 stale' <<<"$(view)"
helper del 52:54:00:00:01:01 10.0.1.1 || bail "del failed"
for i in $(seq 8); do helper add 52:54:00:00:02:0$i 10.0.2.$i filler$i || bail "add failed"; done
rm -f "$LEASE_DB_SNAPSHOT.delta"
after=$(view)
ok_if '[[ -n $after && $after != *"10.0.1.1 stale"* ]]' "the base moved on: it has leases, 10.0.1.1 not among them"
cp "$T/old.delta" "$LEASE_DB_SNAPSHOT.delta"
is "the stale delta (its base-id differs) changes nothing" "$(view)" "$after"
done_testing
