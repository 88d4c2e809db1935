#!/bin/bash
# make bench: lease-db beside Debian's libnss_libvirt and libvirt_leaseshelper
# on identical data, in one run. Prints one table. Not part of make check.
# Needs root for libvirt's side (its paths are compiled in; data is placed
# by bind mounts in a private mount namespace); without it, or without the
# packages, that column says n/a.
set -u
B=${TOP_BUILDDIR:-$PWD}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export TOP_BUILDDIR=$B TOP_SRCDIR
. "$TOP_SRCDIR/tests/lib.sh"
SIZES=${BENCH_SIZES:-1 100 1000 10000 100000 1000000}
LV_MAX=${BENCH_LIBVIRT_MAX:-100000}
BURST=${BENCH_BURST:-10000}
T=$(mktemp -d /var/tmp/lease-db-bench.XXXXXX)
RUN=$(mktemp -d /dev/shm/lease-db-bench.XXXXXX) # the snapshot lives on tmpfs, as /run does
chmod 755 "$T" "$RUN"
trap 'rm -rf "$T" "$RUN"' EXIT
OURS=$NSSLIB/libnss_leasedb.so.2
BL=$B/tests/bench/bench-lookup
BG=$B/tests/bench/bench-gai
BX=$B/tests/bench/bench-exec
LVSO=
for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
	[ -f "$d/libnss_libvirt.so.2" ] && LVSO=$d/libnss_libvirt.so.2 && break
done
"$TOP_SRCDIR/tests/fetch-libvirt-helper.sh" "$B/libvirt" 2>/dev/null
LVH=$(find_libvirt_helper)
[ "$(id -u)" -eq 0 ] || { LVSO=; LVH=; }
export LEASE_DB_DIR=$T/master LEASE_DB_SNAPSHOT=$RUN/leases.mdb LEASE_DB_LIBVIRT_DIR=none

# Leases as mkleases -n makes them, as a libvirt status file.
status_json() { # N EXPIRY
	awk -v n="$1" -v e="$2" 'BEGIN {
		printf "[\n";
		for (i = 0; i < n; i++) {
			if (i % 2 == 0)
				printf "  { \"ip-address\": \"10.%d.%d.%d\", \"mac-address\": \"52:54:%02x:%02x:%02x:01\", \"hostname\": \"host%d\", \"expiry-time\": %d }",
					int(i / 65536) % 256, int(i / 256) % 256, i % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256, i, e;
			else
				printf "  { \"iaid\": \"1\", \"ip-address\": \"fd00::%x:%x\", \"mac-address\": \"52:54:00:00:00:02\", \"hostname\": \"host%d\", \"server-duid\": \"00:01:00:01:aa:bb\", \"expiry-time\": %d }",
					int(i / 65536), i % 65536, i, e;
			printf (i + 1 < n) ? ",\n" : "\n";
		}
		printf "]\n" }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.0fx", b / a; else print "-" }'; }
us() { awk -v n="$1" 'BEGIN { if (n == "" || n == "n/a") { print "n/a"; exit }
	s = n < 0 ? "-" : ""; if (n < 0) n = -n
	if (n >= 100000) printf "%s%.1f ms\n", s, n / 1e6; else if (n >= 1000) printf "%s%.1f us\n", s, n / 1e3; else printf "%s%d ns\n", s, n }'; }
row() { printf '%-34s %10s %14s %14s %12s\n' "$@"; }
gai_in() { # NSSWITCH-LINE LIBVIRT-DIR NAME CALLS
	printf '%s\n' "$1" >"$T/nsswitch.conf"
	printf '127.0.0.1 localhost\n::1 localhost\n10.99.0.1 floorhost\n' >"$T/hosts"
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc/nsswitch.conf &&
		mount --bind "$1" /etc/hosts && { [ -z "$2" ] || { [ -d /var/lib/libvirt/dnsmasq ] ||
		{ mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/libvirt/dnsmasq; } &&
		mount --bind "$2" /var/lib/libvirt/dnsmasq; }; } && shift 2 && exec "$@"' \
		"$T/nsswitch.conf" "$T/hosts" "$2" env LD_LIBRARY_PATH="$NSSLIB" "$BG" "$3" "$4" 2>/dev/null
}

echo "lease-db $(sed -n 's/^PACKAGE_VERSION = //p' "$B/Makefile") benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, $(uname -r)"
echo "medians; libvirt = Debian's libnss_libvirt / libvirt_leaseshelper on the same leases"
echo
row "lookup, gethostbyname4_r direct" "leases" "lease-db" "libvirt" "ratio"
declare -A HIT MISS
for n in $SIZES; do
	rm -rf "$T/master" "$RUN"/leases.mdb* "$T/lv"
	mkdir -p "$T/lv"
	"$MKLEASES" -n "$n" "$T/master" "$LEASE_DB_SNAPSHOT" || exit 1
	SNAPBYTES[$n]=$(stat -c %s "$LEASE_DB_SNAPSHOT")
	name=host$((n / 2))
	HIT[$n]=$("$BL" lookup "$OURS" leasedb "$name" 20000 2>/dev/null)
	MISS[$n]=$("$BL" lookup "$OURS" leasedb nosuchhost 20000 2>/dev/null)
	lh=n/a lm=n/a gl=n/a
	if [ -n "$LVSO" ] && [ "$n" -le "$LV_MAX" ]; then
		status_json "$n" $(( $(now) + 3600 )) >"$T/lv/virbr0.status"
		calls=$(( 2000 / n )); [ $calls -lt 1 ] && calls=1
		lh=$(in_libvirt_dir "$T/lv" "$BL" lookup "$LVSO" libvirt "$name" $calls 2>/dev/null)
		lm=$(in_libvirt_dir "$T/lv" "$BL" lookup "$LVSO" libvirt nosuchhost $calls 2>/dev/null)
		gl=$(gai_in "hosts: files libvirt" "$T/lv" "$name" $calls)
	fi
	row "  hit" "$n" "$(us "${HIT[$n]}")" "$(us "$lh")" "$(ratio "${HIT[$n]}" "$lh")"
	row "  miss" "$n" "$(us "${MISS[$n]}")" "$(us "$lm")" "$(ratio "${MISS[$n]}" "$lm")"
	go=$(gai_in "hosts: files leasedb" "" "$name" 20000)
	row "  getaddrinfo, files + module, hit" "$n" "$(us "$go")" "$(us "$gl")" "$(ratio "$go" "$gl")"
	if [ "$n" = 10000 ]; then
		GAI10K=$go
		T1=$("$BL" threads "$OURS" leasedb "$name" 1 1000 2>/dev/null)
		T2=$("$BL" threads "$OURS" leasedb "$name" 2 1000 2>/dev/null)
		MEM10K=$("$BL" mem "$OURS" leasedb "$name" 2>/dev/null)
		LT1=n/a LT2=n/a
		if [ -n "$LVSO" ]; then
			LT1=$(in_libvirt_dir "$T/lv" "$BL" threads "$LVSO" libvirt "$name" 1 1000 2>/dev/null)
			LT2=$(in_libvirt_dir "$T/lv" "$BL" threads "$LVSO" libvirt "$name" 2 1000 2>/dev/null)
		fi
	fi
	[ "$n" = 1000000 ] && MEM1M=$("$BL" mem "$OURS" leasedb "$name" 2>/dev/null)
done
FLOOR=$(gai_in "hosts: files" "" floorhost 20000)
echo
row "getaddrinfo, one service alone" "leases" "" "" ""
row "  files, hit on a 3-line /etc/hosts" "-" "$(us "$FLOOR")" "" ""
if [ -n "${GAI10K:-}" ]; then
	rm -rf "$T/master" "$RUN"/leases.mdb*
	"$MKLEASES" -n 10000 "$T/master" "$LEASE_DB_SNAPSHOT"
	ALONE=$(gai_in "hosts: leasedb" "" host5000 20000)
	row "  leasedb, hit" 10000 "$(us "$ALONE")" "" ""
	row "  leasedb minus files" 10000 "$(us $((ALONE - FLOOR)))" "" ""
	row "  files + leasedb minus files" 10000 "$(us $((GAI10K - FLOOR)))" "" ""
fi
echo
row "lookups per second" "leases" "lease-db" "libvirt" "ratio"
if [ -n "${T1:-}" ]; then
	row "  1 thread" 10000 "$T1/s" "$LT1/s" "$(ratio "$LT1" "$T1")"
	row "  2 threads" 10000 "$T2/s" "$LT2/s" "$(ratio "$LT2" "$T2")"
	row "  2 threads / 1 thread" 10000 "$(awk -v a="$T1" -v b="$T2" 'BEGIN { printf "%.2f", b / a }')" \
		"$(awk -v a="$LT1" -v b="$LT2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')" ""
fi

echo
row "helper, whole process per event" "leases" "lease-db" "libvirt" "ratio"
export DNSMASQ_INTERFACE=virbr0 VIR_BRIDGE_NAME=virbr0
for n in 1000 10000 100000; do
	rm -rf "$T/master" "$RUN"/leases.mdb* "$T/lv" "$T/ours"
	mkdir -p "$T/lv" "$T/ours"
	"$MKLEASES" -n "$n" "$T/master" "$LEASE_DB_SNAPSHOT" || exit 1
	export DNSMASQ_LEASE_EXPIRES=$(( $(now) + 3600 ))
	o=$("$BX" 30 "$HELPER" old 52:54:00:ff:00:01 10.250.0.%i bench%i | cut -d' ' -f1)
	status_json "$n" "$DNSMASQ_LEASE_EXPIRES" >"$T/ours/virbr0.status"
	cp "$T/ours/virbr0.status" "$T/lv/virbr0.status"
	# lease-db keeping libvirt's .status as well (the drop-in mode)
	od=$(LEASE_DB_LIBVIRT_DIR=$T/ours "$BX" 10 "$HELPER" old 52:54:00:ff:00:01 10.250.0.%i bench%i | cut -d' ' -f1)
	l=n/a
	[ -n "$LVH" ] && l=$(in_libvirt_dir "$T/lv" "$BX" 10 "$LVH" old 52:54:00:ff:00:01 10.250.0.%i bench%i | cut -d' ' -f1)
	row "  lease-db-helper" "$n" "$(us $((o * 1000)))" "$( [ "$l" = n/a ] && echo n/a || us $((l * 1000)))" "$( [ "$l" = n/a ] && echo - || ratio "$o" "$l")"
	if [ "$n" = 100000 ] && [ -e "$LEASE_DB_SNAPSHOT.delta" ]; then
		DELTA_HIT_BASE=$("$BL" lookup "$OURS" leasedb host50000 20000 2>/dev/null)
		DELTA_HIT_NEW=$("$BL" lookup "$OURS" leasedb bench5 20000 2>/dev/null)
		DELTA_MISS=$("$BL" lookup "$OURS" leasedb nosuchhost 20000 2>/dev/null)
	fi
	row "  ... also keeping .status" "$n" "$(us $((od * 1000)))" "" "$( [ "$l" = n/a ] && echo - || ratio "$od" "$l")"
done

if [ -n "${DELTA_HIT_BASE:-}" ]; then
	echo
	row "lookup with a delta published" "leases" "lease-db" "" ""
	row "  hit, lease in the base" 100000 "$(us "$DELTA_HIT_BASE")" "" ""
	row "  hit, lease in the delta" 100000 "$(us "$DELTA_HIT_NEW")" "" ""
	row "  miss" 100000 "$(us "$DELTA_MISS")" "" ""
fi

echo
rm -rf "$T/master" "$RUN"/leases.mdb*
"$MKLEASES" -n 10000 "$T/master" "$LEASE_DB_SNAPSHOT"
unset VIR_BRIDGE_NAME
export DNSMASQ_IAID=1
t0=$(date +%s%N)
out=$("$BX" "$BURST" "$HELPER" add 00:01:00:01:aa fd99::%i burst%i); rc=$?
t1=$(date +%s%N)
last=burst$((BURST - 1))
while ! "$B/tests/tools/nssq" "$OURS" leasedb 4 unspec "$last" | grep -q SUCCESS; do
	[ $(( $(date +%s%N) - t1 )) -gt 10000000000 ] && break
done
t2=$(date +%s%N)
lost=0
for i in 0 $((BURST / 2)) $((BURST - 1)); do
	"$B/tests/tools/nssq" "$OURS" leasedb 4 unspec "burst$i" | grep -q SUCCESS || lost=$((lost + 1))
done
count=$("$DUMP" --json | grep -c '"hostname": "burst')
row "burst of $BURST events, one at a time" "10000" "" "" ""
row "  total" "" "$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.1f s", n / 1e9 }')" "" ""
row "  per event (median)" "" "$(us $(( ${out%% *} * 1000 )))" "" ""
row "  last lease resolvable after" "" "$(us $((t2 - t1)))" "" ""
row "  events recorded / lost" "" "$count / $((BURST - count))" "" ""
[ $rc -eq 0 ] || echo "  (some helper runs failed)"

echo
row "footprint" "leases" "lease-db" "" ""
for n in $SIZES; do
	row "  snapshot bytes per lease" "$n" "$(( SNAPBYTES[$n] / n ))" "" ""
done
[ -n "${MEM10K:-}" ] && row "  private KiB added by the module" 10000 "${MEM10K% *}" "" ""
[ -n "${MEM10K:-}" ] && row "  snapshot KiB resident (shared)" 10000 "${MEM10K#* }" "" ""
[ -n "${MEM1M:-}" ] && row "  private KiB added by the module" 1000000 "${MEM1M% *}" "" ""
[ -n "${MEM1M:-}" ] && row "  snapshot KiB resident (shared)" 1000000 "${MEM1M#* }" "" ""
exit 0
