#!/bin/bash
# lease-db-helper killed with SIGKILL at random moments — in the master's
# transaction, while copying a base, while writing a delta, while renaming.
# After every kill the master opens, the published snapshot is valid, every
# event whose helper exited 0 is there, and, once the next helper has run,
# no temporary file is left. LEASE_DB_LONG=1 runs 1,000 trials.
. "$TOP_SRCDIR/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
export LEASE_DB_LIBVIRT_DIR=none LEASE_DB_DELTA_MAX=40 DNSMASQ_LEASE_EXPIRES=0
TRIALS=${CRASH_TRIALS:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 1000 || echo 120)}
KILLER=$B/tests/tools/killer
"$MKLEASES" -n 5000 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail mkleases
declare -A model # ip -> name, for leases added by this test

state() { # what a reader sees of this test's leases: "ip name" lines
	"$DUMP" "$@" --json | jq -r '.[] | select(.hostname // "" | startswith("c")) | "\(.["ip-address"]) \(.hostname)"' | sort
}
want() { for ip in "${!model[@]}"; do echo "$ip ${model[$ip]}"; done | sort; }
without() { grep -v "^$1 " || true; }

RANDOM=7
killed=0 finished=0 bad_master=0 bad_snap=0 bad_open=0 leftovers=0
for t in $(seq "$TRIALS"); do
	ip=10.200.$((RANDOM % 4)).$((RANDOM % 200 + 1))
	if [ -n "${model[$ip]:-}" ] && [ $((RANDOM % 3)) -eq 0 ]; then
		args=(del 52:54:00:00:00:01 "$ip")
	else
		args=(add 52:54:00:00:00:01 "$ip" "c$t")
	fi
	res=$("$KILLER" 4000 "$t" "$HELPER" "${args[@]}" 2>/dev/null)
	if [ "$res" = "exit 0" ]; then
		finished=$((finished + 1))
	else
		killed=$((killed + 1))
		# Consistent after the crash, except for the event in flight.
		m=$(state --master --all) || bad_open=$((bad_open + 1))
		s=$(state) || bad_open=$((bad_open + 1))
		[ "$(without "$ip" <<<"$m")" = "$(want | without "$ip")" ] || bad_master=$((bad_master + 1))
		[ "$(without "$ip" <<<"$s")" = "$(want | without "$ip")" ] || bad_snap=$((bad_snap + 1))
		# dnsmasq does not retry; the test does, to keep its model exact.
		"$HELPER" "${args[@]}" || bail "helper failed after a crash"
	fi
	if [ "${args[0]}" = del ]; then unset "model[$ip]"; else model[$ip]=c$t; fi
	[ -z "$(ls -A "$T/run" | grep '^\.')" ] || leftovers=$((leftovers + 1))
done
ok_if '(( killed > 0 ))' "$killed of $TRIALS helpers were killed mid-way ($finished finished)"
is "the master opened after every crash" "$bad_open" 0
is "the master held every completed event after every crash" "$bad_master" 0
is "the snapshot showed every completed event after every crash" "$bad_snap" 0
is "no temporary files piled up" "$leftovers" 0
is "final master equals the model" "$(state --master --all)" "$(want)"
is "final snapshot equals the model" "$(state)" "$(want)"

# Power loss: the master's commit reaches the disk (fdatasync) before the
# snapshot is renamed into place and the helper reports success.
if command -v strace >/dev/null; then
	order=$(ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=fdatasync,fsync,rename,renameat,renameat2 -o /dev/stdout \
		"$HELPER" add 52:54:00:00:00:02 10.201.0.1 power 2>/dev/null |
		grep -oE 'fdatasync|rename' | awk '!seen[$0]++' | tr '\n' ' ')
	is "fdatasync of the master comes before any rename" "$order" "fdatasync rename "
else
	skip "strace not installed (it shows the order of fdatasync and rename)"
fi
done_testing
