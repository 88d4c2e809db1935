#!/bin/bash
# libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined): the
# helper's argv + environment parsing, libvirt's .status and .macs readers,
# and the snapshot reader on mutated snapshot files. A few seconds each in
# make check (FUZZ_SECONDS, default 5; LEASE_DB_LONG=1: 300). Seeds are in
# tests/fuzz/corpus (for snapshots: damaged files liblmdb once mis-read
# after the verifier passed them); valid snapshot seeds are made here with
# mkleases.
. "$TOP_SRCDIR/tests/lib.sh"
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || skip_all "clang not installed"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' >/tmp/ldb-fuzz-probe.$$.c
"$CLANG" -fsanitize=fuzzer /tmp/ldb-fuzz-probe.$$.c -o /tmp/ldb-fuzz-probe.$$ 2>/dev/null
probe=$?
rm -f /tmp/ldb-fuzz-probe.$$*
[ $probe -eq 0 ] || skip_all "clang cannot link libFuzzer (libclang-rt-dev)"
setup_state
SECS=${FUZZ_SECONDS:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 300 || echo 5)}

# The libraries, by folder (doc/design.md, "Layout"): every source of each.
LIBS_DIRS="core store read json write"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$B -I$S -I$S/lib
	$(pkg-config --cflags lmdb json-c) -DLDB_MASTER_DIR=\"$T/master\"
	-DLDB_SNAPSHOT_PATH=\"$T/run/leases.mdb\" -DLDB_LIBVIRT_DIR=\"\""
LIBS="$(pkg-config --libs lmdb json-c) -lpthread"
srcs() { for d in "$@"; do printf '%s ' "$S"/lib/"$d"/*.c; done; }

build() { # build NAME SOURCE EXTRA-CFLAGS
	"$CLANG" $CFLAGS $3 -o "$T/$1" "$S/tests/fuzz/$2.c" $(srcs $LIBS_DIRS) $LIBS 2>"$T/$1.build"
}
build fuzz-event fuzz-event "" &&
	build fuzz-status fuzz-libvirt "" &&
	build fuzz-macs fuzz-libvirt -DFUZZ_MACS &&
	build fuzz-snapshot fuzz-snapshot ""
ok $? "four fuzz targets built with clang" || { cat "$T"/*.build | head -20 | sed 's/^/# /'; done_testing; }

mkdir -p "$T/seed-snapshot"
"$MKLEASES" -n 12 "$T/m1" "$T/s1/leases.mdb" && cp "$T/s1/leases.mdb" "$T/seed-snapshot/twelve"
printf 'host1 10.0.0.1 0 lan.test 52:54:00:00:00:01\nhost2 fd00::2 0\n' | "$MKLEASES" "$T/m2" "$T/s2/leases.mdb" &&
	cp "$T/s2/leases.mdb" "$T/seed-snapshot/two"
cp "$S"/tests/fuzz/corpus/snapshot/* "$T/seed-snapshot/"

run() { # run TARGET SEED-DIR [extra libFuzzer options]
	local t=$1 seeds=$2 out
	shift 2
	mkdir -p "$T/corpus-$t"
	out=$(cd "$T" && TMPDIR=$T "./$t" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
		-close_fd_mask=1 "$@" "$T/corpus-$t" "$seeds" 2>&1)
	local rc=$?
	local stats
	stats="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' <<<"$out" | tail -1), $(grep -E '^Done [0-9]+ runs' <<<"$out" | tail -1)"
	ok $rc "$t: ${SECS}s, no crash, leak or undefined behaviour: $stats"
	[ $rc -eq 0 ] || grep -E -A15 'ERROR|runtime error|SUMMARY' <<<"$out" | head -30 | sed 's/^/# /'
}
run fuzz-event "$S/tests/fuzz/corpus/event" -max_len=2048
run fuzz-status "$S/tests/fuzz/corpus/status" -close_fd_mask=3
run fuzz-macs "$S/tests/fuzz/corpus/macs" -close_fd_mask=3
run fuzz-snapshot "$T/seed-snapshot" -max_len=65536
done_testing
