#!/bin/bash
# Four helpers for four interfaces at once, each a stream of add/old/del
# events: the final database equals a model of the events, none lost or
# duplicated. LEASE_DB_LONG=1 runs 5,000 events per interface.
. "$TOP_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0
EVENTS=${CONCURRENT_EVENTS:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 5000 || echo 150)}
"$MKLEASES" -n 5000 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail mkleases

# Writer n: interface ifn, addresses 10.210.n.x; deterministic from its seed,
# so the model can be replayed afterwards.
writer() {
	local n=$1 i ip RANDOM=$((n * 1000 + 1))
	for ((i = 1; i <= EVENTS; i++)); do
		ip=10.210.$n.$((RANDOM % 60 + 1))
		case $((RANDOM % 4)) in
		0) DNSMASQ_INTERFACE=if$n "$HELPER" del 52:54:00:00:0$n:01 "$ip" || echo "fail $n $i" ;;
		*) DNSMASQ_INTERFACE=if$n "$HELPER" add 52:54:00:00:0$n:01 "$ip" "w$n-$i" || echo "fail $n $i" ;;
		esac
	done
}
model() {
	local n i ip RANDOM
	declare -A m
	for n in 1 2 3 4; do
		RANDOM=$((n * 1000 + 1))
		for ((i = 1; i <= EVENTS; i++)); do
			ip=10.210.$n.$((RANDOM % 60 + 1))
			case $((RANDOM % 4)) in
			0) unset "m[$ip]" ;;
			*) m[$ip]="w$n-$i if$n" ;;
			esac
		done
	done
	for ip in "${!m[@]}"; do echo "$ip ${m[$ip]}"; done | sort
}
view() { "$DUMP" "$@" --json | jq -r '.[] | select(.hostname // "" | startswith("w")) | "\(.["ip-address"]) \(.hostname) \(.interface)"' | sort; }

start=$(date +%s)
for n in 1 2 3 4; do writer $n >"$T/writer$n.out" 2>&1 & done
wait
end=$(date +%s)
is "no helper failed" "$(cat "$T"/writer*.out)" ""
want=$(model)
is "the master equals the model of $((4 * EVENTS)) events ($((end - start)) s)" "$(view --master)" "$want"
is "the published snapshot equals it too" "$(view)" "$want"
is "each address is stored once" "$(view | awk '{print $1}' | sort | uniq -d)" ""
done_testing
