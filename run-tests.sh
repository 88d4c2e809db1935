#!/bin/bash
# Run every test: install what the build and the tests need, build out of
# tree in ./build, run `make check`, and print "N passed, M failed, K skipped".
# Needs root on Debian 12 for apt-get and for the namespace tests (without
# root those tests report SKIP). Changes nothing outside ./build but packages.
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
mkdir -p build && cd build || fail "cannot create build/"
if [ ! -f Makefile ]; then
	"$top/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
		${LEASE_DB_CONFIGURE_FLAGS:-} >config.out 2>&1 || { cat config.out >&2; fail "configure failed"; }
fi
make -j"$(nproc)" >make.out 2>&1 || { tail -40 make.out >&2; fail "build failed"; }

# Debian's libvirt_leaseshelper, the system being replaced, for the
# comparison tests (they SKIP without it). Unpacked here, not installed.
"$top/tests/fetch-libvirt-helper.sh" "$PWD/libvirt" ||
	echo "run-tests: could not fetch libvirt_leaseshelper; its comparison tests will SKIP" >&2

make -j"$(nproc)" check ${LEASE_DB_CHECK_TARGET:+$LEASE_DB_CHECK_TARGET} 2>&1 | tee check.out |
	grep -E '^(FAIL|ERROR|XPASS|SKIP):' 
for f in $(grep -lE '^(FAIL|ERROR)' tests/*.log tests/unit/*.log 2>/dev/null); do
	echo "--- $f" >&2
	grep -E -B2 -A12 '^not ok|^Bail out|^ERROR' "$f" | head -60 >&2
done

count() { sed -n "s/^# $1: *\([0-9]*\).*/\1/p" check.out | awk '{s+=$1} END {print s+0}'; }
pass=$(count PASS)
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
skip=$(count SKIP)
[ "$pass" -gt 0 ] || failed=$((failed + 1))
echo "$pass passed, $failed failed, $skip skipped"
[ "$failed" -eq 0 ]
