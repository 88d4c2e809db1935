#!/bin/bash
# lease-db-dump while events are published back to back, new bases and
# deltas alternating: every dump exits 0 and lists every lease whose helper
# had exited 0 before the dump started. Base and delta must be read as one
# consistent pair (the module re-reads the counter around its open and
# retries); an old base read with a newer delta or with none is a set of
# leases that never existed. Every other dump runs under strace, which
# delays its first look at the delta path by 0.1 s, as a busy host may
# deschedule it between the two files. The snapshot directory is a tmpfs,
# as $runstatedir is. DUMP_RACE_SECONDS sets how long it runs (default 8,
# LEASE_DB_LONG=1: 60).
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_mounts "$@"
setup_state
mkdir "$T/run" && mount -t tmpfs -o mode=755 lease-db-test "$T/run" || bail "tmpfs for the snapshot"
trap 'umount -l "$T/run"; cleanup_state' EXIT
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0
# A delta after each new base, a new base after each delta.
export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=1 LEASE_DB_DELTA_DIV=1
SECS=${DUMP_RACE_SECONDS:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 60 || echo 8)}
# Under valgrind a helper run takes ten times as long: give the publisher
# the time to publish as many.
[ -z "$VG" ] || SECS=$((SECS * 5))
# Enough leases that opening the base takes a while (its verification
# reads every page) and a new base is more than a few pages to copy.
"$MKLEASES" -n "${DUMP_RACE_LEASES:-30000}" "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail "mkleases"
STRACE=$(command -v strace) || echo "# strace not installed: no dump is delayed"

# The publisher: adds on interface acknet; an address goes to $T/acked
# once its helper has exited 0.
: >"$T/acked"
publish() {
	local i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		a=10.60.$((i >> 8 & 255)).$((i & 255))
		if DNSMASQ_INTERFACE=acknet helper add \
			"52:54:00:60:$(printf %02x:%02x $((i >> 8 & 255)) $((i & 255)))" "$a" "ack$i"; then
			echo "$a" >>"$T/acked"
		else
			echo "helper $i failed"
		fi
	done
	echo "$i" >"$T/published"
}
publish >"$T/publish.out" 2>&1 &
ppid=$!

end=$(($(now) + SECS))
dumps=0 missing=0 failed=0
while [ "$(now)" -lt "$end" ]; do
	dumps=$((dumps + 1))
	n=$(wc -l <"$T/acked")
	if [ -n "$STRACE" ] && [ $((dumps % 2)) -eq 0 ]; then
		ASAN_OPTIONS=detect_leaks=0 "$STRACE" -o /dev/null -P "$LEASE_DB_SNAPSHOT.delta" \
			-e inject=newfstatat,statx:delay_enter=100000:when=1 \
			"$DUMP" -i acknet >"$T/dump.out" 2>"$T/dump.err"
	else
		dump -i acknet >"$T/dump.out" 2>"$T/dump.err"
	fi
	rc=$?
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
		[ "$failed" -le 3 ] && echo "# dump $dumps: exit $rc: $(cat "$T/dump.err")"
		continue
	fi
	gone=$(comm -23 <(head -n "$n" "$T/acked" | sort) <(awk 'NR > 1 { print $2 }' "$T/dump.out" | sort))
	if [ -n "$gone" ]; then
		missing=$((missing + 1))
		[ "$missing" -le 3 ] &&
			echo "# dump $dumps: $(wc -l <<<"$gone") of $n acknowledged leases missing, e.g. $(head -1 <<<"$gone")"
	fi
done
touch "$T/stop"
wait $ppid
is "the publisher never failed" "$(cat "$T/publish.out")" ""
p=$(cat "$T/published")
ok_if '(( p >= 20 ))' "$p events were published during $dumps dumps"
is "every dump exited 0" "$failed of $dumps failed" "0 of $dumps failed"
is "every dump listed every lease acknowledged before it started" \
	"$missing of $dumps missed some" "0 of $dumps missed some"
done_testing
