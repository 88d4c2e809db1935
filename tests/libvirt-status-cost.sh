#!/bin/bash
# <bridge>.status at lease-db's cost (issue 11, point 9): an event writes
# the file from the records the master keeps, without reading or parsing
# it, and the result stays byte for byte what Debian's libvirt_leaseshelper
# writes, over a long random sequence of events.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
mkdir -p "$T/lv"
export LEASE_DB_LIBVIRT_DIR=$T/lv VIR_BRIDGE_NAME=virbr0 DNSMASQ_INTERFACE=virbr0
export DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600))
N=10000

# A libvirt status file of N leases (as libvirt's helper writes it).
awk -v n=$N -v e="$DNSMASQ_LEASE_EXPIRES" 'BEGIN {
	printf "[\n";
	for (i = 0; i < n; i++)
		printf "  {\n    \"ip-address\": \"10.1.%d.%d\",\n    \"mac-address\": \"52:54:00:01:%02x:%02x\",\n    \"hostname\": \"h%d\",\n    \"expiry-time\": %d\n  }%s\n",
			int(i / 256), i % 256, int(i / 256), i % 256, i, e, (i + 1 < n) ? "," : "";
	printf "]\n" }' >"$T/lv/virbr0.status"
helper add 52:54:00:02:00:01 10.2.0.1 first || bail "the first event (import)"
is "the $N leases imported" "$(dump --json | jq length)" $((N + 1))

# Not read: only stat()ed (to tell whether someone else wrote it).
if command -v strace >/dev/null; then
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=open,openat -o "$T/trace" "$HELPER" add 52:54:00:02:00:02 10.2.0.2 second
	ok $? "an event under strace"
	check_not "... does not open virbr0.status" grep -E 'virbr0\.status"' "$T/trace"
	# Into the file the last event replaced, kept beside the master and
	# exchanged into place: no new file to allocate, no old one to free.
	check "... but writes its successor over the file the last event replaced" \
		grep -qE '"'"$LEASE_DB_DIR"'/virbr0\.status\.spare", O_RDWR' "$T/trace"
	check_not "... (no new file)" grep -q 'O_CREAT' <(grep 'virbr0\.status' "$T/trace")
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=rename,renameat,renameat2 -o "$T/trace" "$HELPER" add 52:54:00:02:00:03 10.2.0.3 third
	check "... and exchanges it with virbr0.status" grep -qE 'virbr0\.status\.spare".*virbr0\.status".*RENAME_EXCHANGE' "$T/trace"
else
	skip "strace not installed: not checked that the file is not read"
fi

# That file is written over only when nobody has it open any more: a
# reader of virbr0.status (libvirt's NSS module, virsh) that opened it
# before an event reads that file whole, whatever events follow.
exec 9<"$T/lv/virbr0.status"
before=$(md5sum <"/proc/$$/fd/9")
helper add 52:54:00:02:00:04 10.2.0.4 fourth
helper add 52:54:00:02:00:05 10.2.0.5 fifth
ok $? "two events while a reader holds the file the first one replaces"
is "... which the reader still reads as it was" "$(md5sum <"/proc/$$/fd/9")" "$before"
check "... while virbr0.status has both events" grep -q '"10.2.0.5"' "$T/lv/virbr0.status"
exec 9<&-
helper add 52:54:00:02:00:06 10.2.0.6 sixth
ok $? "... and an event after it closed it"
is "... no file but virbr0.status beside it" "$(ls -A "$T/lv")" "virbr0.status"
is "... one spare beside the master" "$(cd "$LEASE_DB_DIR" && ls -d *.spare)" "virbr0.status.spare"

# Without status.lock (it cannot be opened) a second helper could write
# over the spare while the first exchanges it: a new file then, as before.
if command -v strace >/dev/null; then
	mv "$LEASE_DB_DIR/status.lock" "$T/status.lock.saved" && mkdir "$LEASE_DB_DIR/status.lock"
	ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat,rename,renameat,renameat2 -o "$T/trace" "$HELPER" add 52:54:00:02:00:07 10.2.0.7 seventh
	ok $? "an event without status.lock"
	check_not "... leaves the spare alone" grep -q 'status\.spare' "$T/trace"
	check "... and writes a new file" grep -qE 'virbr0\.status\.[A-Za-z0-9]{6}\.tmp".*O_CREAT' "$T/trace"
	check "... which has the event" grep -q '"10.2.0.7"' "$T/lv/virbr0.status"
	rmdir "$LEASE_DB_DIR/status.lock" && mv "$T/status.lock.saved" "$LEASE_DB_DIR/status.lock"
fi

# The cost: events in libvirt mode against the same events without it.
ms() { # CMD... : milliseconds it took
	local t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo $((($(date +%s%N) - t0) / 1000000))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
with= without=
for i in $(seq 10 20); do
	with+="$(ms "$HELPER" old 52:54:00:02:00:$i 10.2.0.$i "t$i") "
	without+="$(ms env LEASE_DB_LIBVIRT_DIR=none "$HELPER" old 52:54:00:02:01:$i 10.2.1.$i "u$i") "
done
w=$(tr ' ' '\n' <<<"$with" | grep . | median)
wo=$(tr ' ' '\n' <<<"$without" | grep . | median)
echo "# $N leases, median of 11 events: $w ms keeping virbr0.status, $wo ms without"
# Idle, lease-db 0.1.0 pays about 50 ms more (9x), this one 2-5 ms more;
# under make -j load both figures grow, so either bound will do.
ok_if "(( w - wo <= 15 || w * 10 <= wo * 25 ))" \
	"keeping the status file of $N leases costs at most 15 ms or 2.5x more per event ($w vs $wo ms)"
is "the file lists every lease of the bridge" "$(jq length "$T/lv/virbr0.status")" "$(dump --json | jq 'map(select(.interface == "virbr0" and (.["ip-address"] | startswith("10.2.1.") | not))) | length')"

# Byte for byte with libvirt's helper over a long random sequence: adds,
# renewals, releases, renames, IPv6 leases with and without MAC and server
# DUID (libvirt fills the DUID in later, after the other keys).
LV=$(find_libvirt_helper)
if [ -z "$LV" ]; then
	skip "libvirt_leaseshelper not available (apt-get download libvirt-daemon)"
	done_testing
fi
export LEASE_DB_LIBVIRT_DIR=$T/ours VIR_BRIDGE_NAME=virbr5 DNSMASQ_INTERFACE=virbr5
mkdir -p "$T/ours" "$T/theirs"
# With no server DUID known at all, libvirt's helper writes
# "server-duid": null and then fails on its own file ("duplicate key");
# dnsmasq always passes DNSMASQ_SERVER_DUID for DHCPv6, so a first IPv6
# lease that is never released keeps one known, as on a real network.
first=(DNSMASQ_IAID=1 DNSMASQ_MAC=52:54:00:03:02:01 DNSMASQ_SERVER_DUID=00:01:00:01:2c:aa:bb:01)
env "${first[@]}" "$HELPER" add 00:01:00:01:ff fd00::100 first6
in_libvirt_dir "$T/theirs" env -u DNSMASQ_INTERFACE "${first[@]}" "$LV" add 00:01:00:01:ff fd00::100 first6
RANDOM=11
same=0 differ=0 failed=0
for i in $(seq 1 150); do
	k=$((RANDOM % 24)) env=()
	printf -v x %02x "$k"
	case $((RANDOM % 10)) in
	0 | 1 | 2) args=(add "52:54:00:03:00:$x" "192.168.3.$k" "n$k") ;;
	3) args=(old "52:54:00:03:00:$x" "192.168.3.$k" "renamed$k") ;;
	4) args=(old "52:54:00:03:00:$x" "192.168.3.$k") env=(DNSMASQ_SUPPLIED_HOSTNAME="s$k") ;;
	5) args=(del "52:54:00:03:00:$x" "192.168.3.$k") ;;
	6) args=(add "00:01:00:01:$x" "fd00::$k" "v$k") env=(DNSMASQ_IAID=$k DNSMASQ_MAC="52:54:00:03:01:$x") ;;
	7) args=(add "00:01:00:01:$x" "fd00::$k" "v$k") env=(DNSMASQ_IAID=$k DNSMASQ_MAC="52:54:00:03:01:$x"
		DNSMASQ_SERVER_DUID=00:01:00:01:2c:aa:bb:$((k % 3))$((k % 7))) ;;
	8) args=(old "00:01:00:01:$x" "fd00::$k") env=(DNSMASQ_IAID=$k) ;;
	9) args=(del "00:01:00:01:$x" "fd00::$k") env=(DNSMASQ_IAID=$k) ;;
	esac
	env "${env[@]}" "$HELPER" "${args[@]}" >"$T/out" 2>&1 || { failed=$((failed + 1)); sed 's/^/# /' "$T/out"; }
	in_libvirt_dir "$T/theirs" env -u DNSMASQ_INTERFACE "${env[@]}" "$LV" "${args[@]}" >"$T/out" 2>&1 ||
		{ failed=$((failed + 1)); sed 's/^/# libvirt: /' "$T/out"; }
	if cmp -s "$T/ours/virbr5.status" "$T/theirs/virbr5.status"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
		[ "$differ" -le 2 ] && echo "# after event $i (${args[*]}): $(diff "$T/theirs/virbr5.status" "$T/ours/virbr5.status" | head -5 | tr '\n' '|')"
	fi
done
is "150 random events: every helper run succeeded" "$failed" 0
is "... and after each, the two files are identical byte for byte" "$differ" 0
check "... with IPv6 server DUIDs filled in after the other keys" grep -qzE '"expiry-time": [0-9]+,[[:space:]]+"server-duid"' "$T/theirs/virbr5.status"
done_testing
