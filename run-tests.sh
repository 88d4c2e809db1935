#!/bin/bash
# Run every test: install what the build and the tests need, then build and
# run `make check` twice — a normal build in ./build and an ASan+UBSan build
# in ./build-sanitizers — then `make distcheck`, and print "N passed, M
# failed, K skipped" over all of it. Needs root on Debian 12 for apt-get and for the namespace tests
# (without root those tests report SKIP). Changes nothing outside the build
# directories but packages. LEASE_DB_NO_SANITIZERS=1 skips the second build.
set -u
cd "$(dirname "$0")"
top=$PWD

if [ "$(id -u)" -eq 0 ] && [ -z "${LEASE_DB_NO_APT:-}" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $(cat tests/packages) >/dev/null ||
		{ echo "run-tests: apt-get failed" >&2; echo "0 passed, 1 failed"; exit 1; }
fi

fail() { echo "run-tests: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

autoreconf -fi >/dev/null 2>&1 || fail "autoreconf failed"

# run_suite DIR CONFIGURE-FLAGS...: build in DIR and run make check there.
run_suite() {
	local dir=$1
	shift
	mkdir -p "$top/$dir" && cd "$top/$dir" || fail "cannot create $dir/"
	if [ ! -f Makefile ]; then
		"$top/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
			"$@" >config.out 2>&1 || { cat config.out >&2; fail "configure failed in $dir"; }
	fi
	make -j"$(nproc)" >make.out 2>&1 || { tail -40 make.out >&2; fail "build failed in $dir"; }
	# Debian's libvirt_leaseshelper, for the comparison tests (they SKIP
	# without it). Unpacked here, not installed.
	"$top/tests/fetch-libvirt-helper.sh" "$PWD/libvirt" ||
		echo "run-tests: could not fetch libvirt_leaseshelper; its comparison tests will SKIP" >&2
	echo "== make check in $dir"
	make -j"$(nproc)" check 2>&1 | tee check.out | grep -E '^(FAIL|ERROR|XPASS|SKIP):'
	for f in $(grep -lE '^(FAIL|ERROR)' tests/*.log tests/unit/*.log 2>/dev/null); do
		echo "--- $dir/$f" >&2
		grep -E -B2 -A12 '^not ok|^Bail out|^ERROR|runtime error|Sanitizer' "$f" | head -60 >&2
	done
	cd "$top"
}

run_suite build ${LEASE_DB_CONFIGURE_FLAGS:-}
outs=build/check.out
if [ -z "${LEASE_DB_NO_SANITIZERS:-}" ]; then
	run_suite build-sanitizers --enable-sanitizers
	outs="$outs build-sanitizers/check.out"
fi

# The release tarball: complete, builds out of tree, passes its tests,
# installs and uninstalls cleanly. Counted as one test.
dist_pass=0 dist_fail=0
if [ -z "${LEASE_DB_NO_DISTCHECK:-}" ]; then
	echo "== make distcheck"
	if (cd build && make distcheck >distcheck.out 2>&1); then
		dist_pass=1
	else
		dist_fail=1
		echo "FAIL: make distcheck" && tail -40 build/distcheck.out >&2
	fi
fi

count() { cat $outs | sed -n "s/^# $1: *\([0-9]*\).*/\1/p" | awk '{s+=$1} END {print s+0}'; }
pass=$(( $(count PASS) + dist_pass ))
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) + dist_fail ))
skip=$(count SKIP)
[ "$pass" -gt 0 ] || failed=$((failed + 1))
echo "$pass passed, $failed failed, $skip skipped"
[ "$failed" -eq 0 ]
