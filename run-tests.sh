#!/bin/bash
# Run every test: install what the build and the tests need, then build and
# run `make check` twice — a normal build in ./build and an ASan+UBSan build
# in ./build-sanitizers — then `make distcheck`, and print "N passed, M
# failed, K skipped" over all of it. Needs root on Debian 12 for apt-get and for the namespace tests
# (without root those tests report SKIP). LEASE_DB_NO_SANITIZERS=1 skips the second build.
#
# The normal build's `make check` runs on a host that uses lease-db (the
# decoy, tests/decoy.sh): the build installed system-wide, a dnsmasq running
# the installed helper on the compiled-in paths, libvirt lease files. The
# suite must pass beside it and leave it untouched (its first and last
# tests compare those paths); the decoy is removed afterwards, also on
# failure, and counts as one test. Where lease-db is already installed or
# in use, the host is the decoy and is left alone (SKIP). Apart from that
# and packages, nothing outside the build directories changes.
# LEASE_DB_NO_DECOY=1 runs without it.
set -u
cd "$(dirname "$0")"
top=$PWD
. "$top/tests/decoy.sh"
decoy_pass=0 decoy_fail=0 decoy_skip=0
trap 'decoy_down >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" -eq 0 ] && [ -z "${LEASE_DB_NO_APT:-}" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $(cat tests/packages) >/dev/null ||
		{ echo "run-tests: apt-get failed" >&2; echo "0 passed, 1 failed"; exit 1; }
fi

fail() { echo "run-tests: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

autoreconf -fi >/dev/null 2>&1 || fail "autoreconf failed"

# glibc's library directory, where the admin guide installs the modules.
multiarch=$(gcc -print-multiarch 2>/dev/null)

# run_suite [--decoy] DIR CONFIGURE-FLAGS...: build in DIR and run make
# check there (with --decoy: beside an installed, running lease-db).
run_suite() {
	local decoy=
	[ "$1" = --decoy ] && { decoy=1; shift; }
	local dir=$1
	shift
	mkdir -p "$top/$dir" && cd "$top/$dir" || fail "cannot create $dir/"
	if [ ! -f Makefile ]; then
		"$top/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
			${multiarch:+--libdir=/usr/lib/$multiarch} "$@" >config.out 2>&1 ||
			{ cat config.out >&2; fail "configure failed in $dir"; }
	fi
	make -j"$(nproc)" >make.out 2>&1 || { tail -40 make.out >&2; fail "build failed in $dir"; }
	# Debian's libvirt_leaseshelper, for the comparison tests (they SKIP
	# without it). Unpacked here, not installed.
	"$top/tests/fetch-libvirt-helper.sh" "$PWD/libvirt" ||
		echo "run-tests: could not fetch libvirt_leaseshelper; its comparison tests will SKIP" >&2
	if [ -n "$decoy" ]; then
		echo "== decoy: lease-db installed and running on this host during make check in $dir"
		decoy_up "$PWD"
		case $? in
		0) ;;
		2) decoy_skip=1 && echo "SKIP: decoy (lease-db is already installed or in use here)" ;;
		*) decoy_fail=1 && echo "FAIL: decoy could not be set up" && decoy_down ;;
		esac
	fi
	echo "== make check in $dir"
	make -j"$(nproc)" check 2>&1 | tee check.out | grep -E '^(FAIL|ERROR|XPASS|SKIP):'
	if [ -n "$decoy" ] && [ $decoy_fail = 0 ] && [ $decoy_skip = 0 ]; then
		if decoy_down; then
			decoy_pass=1
		else
			decoy_fail=1 && echo "FAIL: decoy not removed cleanly"
		fi
	fi
	for f in $(grep -lE '^(FAIL|ERROR)' tests/*.log tests/unit/*.log 2>/dev/null); do
		echo "--- $dir/$f" >&2
		grep -E -B2 -A12 '^not ok|^Bail out|^ERROR|runtime error|Sanitizer' "$f" | head -60 >&2
	done
	cd "$top"
}

if [ -n "${LEASE_DB_NO_DECOY:-}" ] || [ "$(id -u)" -ne 0 ]; then
	run_suite build ${LEASE_DB_CONFIGURE_FLAGS:-}
else
	run_suite --decoy build ${LEASE_DB_CONFIGURE_FLAGS:-}
fi
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
pass=$(( $(count PASS) + dist_pass + decoy_pass ))
failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) + dist_fail + decoy_fail ))
skip=$(( $(count SKIP) + decoy_skip ))
[ "$pass" -gt 0 ] || failed=$((failed + 1))
echo "$pass passed, $failed failed, $skip skipped"
[ "$failed" -eq 0 ]
