#!/bin/bash
# make bench: lease-db beside Debian's libnss_libvirt and libvirt_leaseshelper
# on identical data, in one run. Prints one table. Not part of make check.
# BENCH_HELPER_BEFORE=PATH adds rows for another build's lease-db-helper
# keeping .status on the same data (before/after in doc/performance.md);
# BENCH_AB_ROUNDS=K adds K rounds of both taking turns, on fresh data each.
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
# Fresh processes doing one getaddrinfo() each, at these sizes, this many
# per configuration.
FRESH_SIZES=${BENCH_FRESH_SIZES:-100 10000 100000 1000000}
FRESH_RUNS=${BENCH_FRESH_RUNS:-301}
# A long-running process while deltas are published: publications timed.
DELTA_SIZES=${BENCH_DELTA_SIZES:-100000 1000000}
DELTA_ROUNDS=${BENCH_DELTA_ROUNDS:-31}
# Fresh processes while renewals are published back to back: how many, and
# the pause between two (so that they span several new bases).
STREAM_SIZES=${BENCH_STREAM_SIZES:-100000 1000000}
STREAM_LOOKUPS=${BENCH_STREAM_LOOKUPS:-100}
STREAM_GAP_MS=${BENCH_STREAM_GAP_MS:-50}
# Each size's master is built once and serves every row at that size; the
# rows that publish into it come last.
ALL_SIZES=$(printf '%s\n' $SIZES $FRESH_SIZES $DELTA_SIZES $STREAM_SIZES | sort -nu)
T=$(mktemp -d /var/tmp/lease-db-bench.XXXXXX)
RUN=$(mktemp -d /dev/shm/lease-db-bench.XXXXXX) # the snapshot lives on tmpfs, as /run does
chmod 755 "$T" "$RUN"
trap 'rm -rf "$T" "$RUN"' EXIT
OURS=$NSSLIB/libnss_leasedb.so.2
BL=$B/tests/bench/bench-lookup
BG=$B/tests/bench/bench-gai
BX=$B/tests/bench/bench-exec
BF=$B/tests/bench/bench-fresh
BC=$B/tests/bench/bench-client
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
in_list() { case " $(echo $2) " in *" $1 "*) return 0 ;; esac; return 1; } # WORD LIST
ms2() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "n/a") print "n/a"; else printf "%.2f/%.2f ms\n", a / 1e6, b / 1e6 }'; }
usf() { awk -v n="$1" 'BEGIN { if (n == "" || n == "n/a") print "n/a"; else if (n >= 1000) printf "%.1f us\n", n / 1e3; else printf "%d ns\n", n }'; }
dms() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "n/a" || b == "n/a") print "n/a"; else printf "%+.2f ms\n", (a - b) / 1e6 }'; }
# fresh NAME RUNS ARM... : bench-fresh with this run's hosts file (ARM:
# hit|miss,NSSWITCH[,LIBVIRT_DIR]); one line per arm: median ns, p90 ns,
# runs with the expected answer. FRESH_GAP: ms between rounds.
fresh() {
	local name=$1 runs=$2
	shift 2
	printf '127.0.0.1 localhost\n::1 localhost\n10.99.0.1 floorhost\n' >"$T/hosts"
	printf 'hosts: files\n' >"$T/ns-files"
	printf 'hosts: files leasedb\n' >"$T/ns-leasedb"
	printf 'hosts: files libvirt\n' >"$T/ns-libvirt"
	env LD_LIBRARY_PATH="$NSSLIB" "$BF" ${FRESH_GAP:+-g "$FRESH_GAP"} "$runs" "$BC" "$name" "$T/hosts" "$@"
}
# Renewals of leases host0, host2, ... (mkleases' IPv4 leases) back to
# back until STOPFILE exists; then "EVENTS FAILED MS BASES" into OUTFILE.
# A new base shows as a snapshot newer than the mark (": >" sets the
# mark's mtime without a process).
renewals() { # N STOPFILE OUTFILE
	local n=$(( $1 - $1 % 2 )) k=0 bad=0 bases=0 a mac t0
	t0=$(date +%s%N)
	export DNSMASQ_INTERFACE=virbr0 DNSMASQ_LEASE_EXPIRES=$(( $(now) + 7200 ))
	: >"$3.mark"
	while [ ! -e "$2" ]; do
		a=$(( 2 * k % n ))
		printf -v mac '52:54:%02x:%02x:%02x:01' $((a >> 16 & 255)) $((a >> 8 & 255)) $((a & 255))
		"$HELPER" old "$mac" "10.$((a >> 16 & 255)).$((a >> 8 & 255)).$((a & 255))" "host$a" ||
			bad=$((bad + 1))
		k=$((k + 1))
		if [ "$LEASE_DB_SNAPSHOT" -nt "$3.mark" ]; then
			bases=$((bases + 1))
			: >"$3.mark"
		fi
	done
	echo "$k $bad $(( ($(date +%s%N) - t0) / 1000000 )) $bases" >"$3"
}
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
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
row "lookup, gethostbyname4_r direct" "leases" "lease-db" "libvirt" "ratio"
declare -A HIT MISS FHF FHO FHL FMF FMO FML DL DLBYTES SR SRF SRE
for n in $ALL_SIZES; do
	rm -rf "$T/master" "$RUN"/leases.mdb* "$T/lv"
	mkdir -p "$T/lv"
	"$MKLEASES" -n "$n" "$T/master" "$LEASE_DB_SNAPSHOT" || exit 1
	name=host$((n / 2))
	lv=
	if [ -n "$LVSO" ] && [ "$n" -le "$LV_MAX" ]; then
		status_json "$n" $(( $(now) + 3600 )) >"$T/lv/virbr0.status"
		lv=yes
	fi
	if [ "$(id -u)" -eq 0 ] && in_list "$n" "$FRESH_SIZES"; then
		# One getaddrinfo() per process: files alone, files + leasedb,
		# files + libvirt, taking turns. Both miss in files; example.com
		# misses everywhere, as every lookup of a real host name does.
		f=$(fresh "$name" "$FRESH_RUNS" miss,"$T/ns-files" hit,"$T/ns-leasedb" \
			${lv:+hit,"$T/ns-libvirt","$T/lv"})
		FHF[$n]=$(sed -n 1p <<<"$f") FHO[$n]=$(sed -n 2p <<<"$f") FHL[$n]=$(sed -n 3p <<<"$f")
		f=$(fresh example.com "$FRESH_RUNS" miss,"$T/ns-files" miss,"$T/ns-leasedb" \
			${lv:+miss,"$T/ns-libvirt","$T/lv"})
		FMF[$n]=$(sed -n 1p <<<"$f") FMO[$n]=$(sed -n 2p <<<"$f") FML[$n]=$(sed -n 3p <<<"$f")
	fi
	if in_list "$n" "$SIZES"; then
		SNAPBYTES[$n]=$(stat -c %s "$LEASE_DB_SNAPSHOT")
		HIT[$n]=$("$BL" lookup "$OURS" leasedb "$name" 20000 2>/dev/null)
		MISS[$n]=$("$BL" lookup "$OURS" leasedb nosuchhost 20000 2>/dev/null)
		lh=n/a lm=n/a gl=n/a
		if [ -n "$lv" ]; then
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
	fi
	# From here on, rows publish into this size's master.
	if in_list "$n" "$DELTA_SIZES" && [ "$n" -ge 4096 ]; then
		# A process that has looked up before; each round publishes one
		# new lease (a delta: under 512 changes since the base).
		DL[$n]=$(DNSMASQ_INTERFACE=virbr0 DNSMASQ_LEASE_EXPIRES=$(( $(now) + 3600 )) \
			"$BL" delta "$OURS" leasedb "$name" "$DELTA_ROUNDS" 20000 \
			"$HELPER" old 52:54:00:fe:00:01 10.251.0.%i delta%i 2>/dev/null)
		DLBYTES[$n]=$(stat -c %s "$LEASE_DB_SNAPSHOT.delta" 2>/dev/null || echo n/a)
	fi
	if [ "$(id -u)" -eq 0 ] && in_list "$n" "$STREAM_SIZES" && [ "$n" -ge 2 ]; then
		rm -f "$T/stop" "$T/stream"
		renewals "$n" "$T/stop" "$T/stream" &
		sp=$!
		sleep 1
		f=$(FRESH_GAP=$STREAM_GAP_MS fresh "$name" "$STREAM_LOOKUPS" miss,"$T/ns-files" \
			hit,"$T/ns-leasedb")
		touch "$T/stop"
		wait "$sp"
		SRF[$n]=$(sed -n 1p <<<"$f") SR[$n]=$(sed -n 2p <<<"$f") SRE[$n]=$(cat "$T/stream")
	fi
done

if [ ${#FHO[@]} -gt 0 ]; then
	echo
	row "fresh process, one getaddrinfo" "leases" "lease-db" "libvirt" "ratio"
	for n in $ALL_SIZES; do
		[ -n "${FHO[$n]:-}" ] || continue
		set -- ${FHF[$n]}; ff=$1 ffp=$2
		set -- ${FHO[$n]}; oh=$1 ohp=$2 ohok=$3
		set -- ${FHL[$n]:-n/a n/a}; lh=$1 lhp=$2
		set -- ${FMF[$n]}; mf=$1
		set -- ${FMO[$n]}; om=$1 omp=$2 omok=$3
		set -- ${FML[$n]:-n/a n/a}; lm=$1 lmp=$2
		row "  files alone (median / p90)" "$n" "$(ms2 "$ff" "$ffp")" "" ""
		row "  hit, files + module" "$n" "$(ms2 "$oh" "$ohp")" "$(ms2 "$lh" "$lhp")" ""
		row "  hit, minus files alone" "$n" "$(dms "$oh" "$ff")" "$(dms "$lh" "$ff")" \
			"$(ratio "$(awk -v a="$oh" -v b="$ff" 'BEGIN { print a - b }')" \
				"$(awk -v a="$lh" -v b="$ff" 'BEGIN { print (a == "n/a") ? 0 : a - b }')")"
		row "  miss, files + module" "$n" "$(ms2 "$om" "$omp")" "$(ms2 "$lm" "$lmp")" ""
		row "  miss, minus files alone" "$n" "$(dms "$om" "$mf")" "$(dms "$lm" "$mf")" \
			"$(ratio "$(awk -v a="$om" -v b="$mf" 'BEGIN { print a - b }')" \
				"$(awk -v a="$lm" -v b="$mf" 'BEGIN { print (a == "n/a") ? 0 : a - b }')")"
		[ "$ohok" = "$FRESH_RUNS" ] && [ "$omok" = "$FRESH_RUNS" ] ||
			row "  (wrong answers: hit $((FRESH_RUNS - ohok)), miss $((FRESH_RUNS - omok)))" "$n" "" "" ""
	done
fi
if [ ${#DL[@]} -gt 0 ]; then
	echo
	row "long-running process, deltas" "leases" "lease-db" "" ""
	for n in $ALL_SIZES; do
		[ -n "${DL[$n]:-}" ] || continue
		set -- ${DL[$n]}
		row "  lookups before any (same process)" "$n" "$(usf "$4")" "" ""
		row "  first lookup after one (median)" "$n" "$(usf "$1")" "" ""
		row "  first lookup after one, slowest" "$n" "$(usf "$2")" "" ""
		row "  the lookups that follow" "$n" "$(usf "$3")" "" ""
		row "  last delta: leases / bytes" "$n" "$DELTA_ROUNDS / ${DLBYTES[$n]}" "" ""
	done
fi
if [ ${#SR[@]} -gt 0 ]; then
	echo
	row "fresh processes, renewals streaming" "leases" "lease-db" "" ""
	for n in $ALL_SIZES; do
		[ -n "${SR[$n]:-}" ] || continue
		set -- ${SRF[$n]}; sf=$1
		set -- ${SR[$n]}; so=$1 sop=$2 sok=$3
		set -- ${SRE[$n]}; ev=$1 evbad=$2 evms=$3 evbases=$4
		row "  answered (hit)" "$n" "$sok / $STREAM_LOOKUPS" "" ""
		row "  files + module (median / p90)" "$n" "$(ms2 "$so" "$sop")" "" ""
		row "  minus files alone" "$n" "$(dms "$so" "$sf")" "" ""
		row "  renewals published meanwhile" "$n" "$ev in $(awk -v t="$evms" 'BEGIN { printf "%.1f s", t / 1000 }')" "" ""
		row "  ... of which new bases" "$n" "$evbases" "" ""
		[ "$evbad" = 0 ] || row "  (renewals failed: $evbad)" "$n" "" "" ""
	done
fi
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

# status_round HELPER N: ms per event (median of 30, one decimal) of HELPER
# keeping .status on a fresh master and status file of N leases.
status_round() {
	rm -rf "$T/master" "$RUN"/leases.mdb* "$T/ours"
	mkdir -p "$T/ours"
	"$MKLEASES" -n "$2" "$T/master" "$LEASE_DB_SNAPSHOT" >/dev/null || exit 1
	cp "$T/lv/virbr0.status" "$T/ours/virbr0.status"
	LEASE_DB_LIBVIRT_DIR=$T/ours "$1" old 52:54:00:ff:00:02 10.250.1.1 warm >/dev/null 2>&1
	LEASE_DB_LIBVIRT_DIR=$T/ours "$BX" 30 "$1" old 52:54:00:ff:00:01 10.250.0.%i bench%i |
		awk '{ printf "%.1f", $1 / 1000 }'
}

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
	# lease-db keeping libvirt's .status as well (the drop-in mode); its
	# first event there imports the file, once, and is not timed.
	LEASE_DB_LIBVIRT_DIR=$T/ours "$HELPER" old 52:54:00:ff:00:02 10.250.1.1 warm >/dev/null 2>&1
	od=$(LEASE_DB_LIBVIRT_DIR=$T/ours "$BX" 30 "$HELPER" old 52:54:00:ff:00:01 10.250.0.%i bench%i | cut -d' ' -f1)
	l=n/a
	[ -n "$LVH" ] && l=$(in_libvirt_dir "$T/lv" "$BX" 10 "$LVH" old 52:54:00:ff:00:01 10.250.0.%i bench%i | cut -d' ' -f1)
	row "  lease-db-helper" "$n" "$(us $((o * 1000)))" "$( [ "$l" = n/a ] && echo n/a || us $((l * 1000)))" "$( [ "$l" = n/a ] && echo - || ratio "$o" "$l")"
	row "  ... also keeping .status" "$n" "$(us $((od * 1000)))" "$( [ "$l" = n/a ] && echo n/a || us $((l * 1000)))" "$( [ "$l" = n/a ] && echo - || ratio "$od" "$l")"
	# The floor of any rewrite of that file: its bytes written to a new
	# file and fsync'd, by dd (a process per run, like the helper).
	fl=$("$BX" 10 "$(command -v dd)" if="$T/ours/virbr0.status" of="$T/floor.%i" bs=64k conv=fsync status=none | cut -d' ' -f1)
	rm -f "$T"/floor.*
	row "  ... floor: dd + fsync of that file" "$n" "$(us $((fl * 1000)))" "" ""
	if [ "$n" = 100000 ] && [ -e "$LEASE_DB_SNAPSHOT.delta" ]; then
		DELTA_HIT_BASE=$("$BL" lookup "$OURS" leasedb host50000 20000 2>/dev/null)
		DELTA_HIT_NEW=$("$BL" lookup "$OURS" leasedb bench5 20000 2>/dev/null)
		DELTA_MISS=$("$BL" lookup "$OURS" leasedb nosuchhost 20000 2>/dev/null)
	fi
	if [ -n "${BENCH_HELPER_BEFORE:-}" ]; then
		# Another build's helper (BENCH_HELPER_BEFORE=path), same data.
		rm -rf "$T/master" "$RUN"/leases.mdb* "$T/ours"
		mkdir -p "$T/ours"
		"$MKLEASES" -n "$n" "$T/master" "$LEASE_DB_SNAPSHOT" || exit 1
		cp "$T/lv/virbr0.status" "$T/ours/virbr0.status"
		LEASE_DB_LIBVIRT_DIR=$T/ours "$BENCH_HELPER_BEFORE" old 52:54:00:ff:00:02 10.250.1.1 warm >/dev/null 2>&1
		ob=$(LEASE_DB_LIBVIRT_DIR=$T/ours "$BX" 10 "$BENCH_HELPER_BEFORE" old 52:54:00:ff:00:01 10.250.0.%i bench%i | cut -d' ' -f1)
		row "  ... the same, BENCH_HELPER_BEFORE" "$n" "$(us $((ob * 1000)))" "" ""
		# BENCH_AB_ROUNDS=K: K rounds taking turns, before then this
		# build, each on fresh data, so that load from elsewhere hits
		# both alike; the median of each round, in order.
		ab_b= ab_o=
		for _ in $(seq 1 "${BENCH_AB_ROUNDS:-0}"); do
			ab_b+="$(status_round "$BENCH_HELPER_BEFORE" "$n") "
			ab_o+="$(status_round "$HELPER" "$n") "
		done
		if [ -n "$ab_b" ]; then
			row "  ... taking turns: before" "$n" "$ab_b" "" ""
			row "  ... taking turns: this build" "$n" "$ab_o" "" ""
		fi
	fi
done
echo "  (targets for keeping .status: 5 ms per event at 10,000 leases, 30 ms at 100,000)"

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
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
