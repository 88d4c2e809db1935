#!/bin/bash
# make bench: lookup cost of libnss_leasedb per call, hit and miss, at
# growing lease counts, on snapshots built with mkleases.
set -eu
B=${TOP_BUILDDIR:-$PWD}
T=$(mktemp -d /tmp/lease-db-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
so=$B/nss/.libs/libnss_leasedb.so.2

printf '%-10s %14s %14s %14s\n' leases "hit ns/call" "miss ns/call" "snapshot B"
for n in 1 100 1000 10000 100000; do
	rm -rf "$T/m" "$T/run"
	"$B/tests/tools/mkleases" -n "$n" "$T/m" "$T/run/leases.mdb"
	export LEASE_DB_SNAPSHOT=$T/run/leases.mdb
	calls=$(( n >= 100000 ? 20000 : 20000 ))
	hit=$("$B/tests/bench/bench-lookup" "$so" leasedb "host$((n / 2))" $calls)
	miss=$("$B/tests/bench/bench-lookup" "$so" leasedb nosuchhost $calls)
	printf '%-10s %14s %14s %14s\n' "$n" "${hit%% *}" "${miss%% *}" "$(stat -c %s "$T/run/leases.mdb")"
done
