#!/bin/bash
# lease-db-dump --check runs as root and reads the configuration files named
# on the command line of every dnsmasq. It must believe only a dnsmasq run
# by root or by a user dnsmasq runs as (any user can start a program called
# dnsmasq), and open only regular files: a FIFO would hang it, /dev/zero
# spin it (a watchdog device would reboot the host), a link lead anywhere.
# Stand-ins for dnsmasq (fake_dnsmasq), in the test's own PID namespace.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v setpriv >/dev/null || skip_all "setpriv not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"

WAITERS=""
cleanup() {
	local p
	fake_dnsmasq_stop all
	for p in $WAITERS; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	cleanup_state
}
trap cleanup EXIT

fake() { fake_dnsmasq "$@" || bail "the stand-in dnsmasq did not start"; }
unfake() { fake_dnsmasq_stop; }

# run_check: --check's output in OUT, its exit status in RC, how long it
# took in SECS (whole seconds, rounded up); killed after 15 s (RC 124).
run_check() {
	local t0=$EPOCHREALTIME
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" timeout 15 "$DUMP" --check 2>&1)
	RC=$?
	SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { s = b - a; print (s == int(s)) ? s : int(s) + 1 }')
	echo "$OUT" | sed 's/^/# /'
}

quick() { # quick WHAT : --check finished, and fast
	ok_if '[ "$RC" != 124 ] && [ "$SECS" -le 5 ]' "$1: --check finishes (exit $RC, ${SECS} s)"
}

HELPER_PATH=/usr/libexec/lease-db-helper
printf 'dhcp-script=%s\nleasefile-ro\n' "$HELPER_PATH" >"$T/lease-db.conf"
chmod 644 "$T/lease-db.conf"

# Control: root's dnsmasq naming a regular file is read and believed.
fake 0 --conf-file="$T/lease-db.conf"
run_check
check "control: a root dnsmasq's --conf-file is read" \
	grep -q "^ok    dnsmasq .*1 running with lease-db-helper (pid $FAKE)" <<<"$OUT"
unfake
fake 0 -C "$T/lease-db.conf"
run_check
check "control: so is -C FILE" grep -q "^ok    dnsmasq .*(pid $FAKE)" <<<"$OUT"
unfake
if DNSMASQ_UID=$(id -u dnsmasq 2>/dev/null); then
	fake "$DNSMASQ_UID" --conf-file="$T/lease-db.conf"
	run_check
	check "a dnsmasq run by the dnsmasq user is believed" \
		grep -q "^ok    dnsmasq .*(pid $FAKE)" <<<"$OUT"
	unfake
else
	skip "no dnsmasq user on this host"
fi

# A user's own "dnsmasq": not believed, its file never read.
fake 4242 --conf-file="$T/lease-db.conf"
run_check
quick "a user's dnsmasq"
check "a user's dnsmasq is listed as ignored, with its uid" \
	grep -q "^warn  dnsmasq ignored .*pid $FAKE (uid 4242): .*not believed" <<<"$OUT"
check_not "a user's dnsmasq is not taken for one running lease-db-helper" \
	grep -q '^ok    dnsmasq .*running with lease-db-helper' <<<"$OUT"
unfake

# FIFOs: opening one to read blocks until a writer comes.
mkfifo -m 644 "$T/fifo" || bail "mkfifo"
for uid in 4242 0; do
	who=$([ $uid = 0 ] && echo "root's" || echo "a user's")
	fake $uid --conf-file="$T/fifo"
	run_check
	quick "$who dnsmasq naming a FIFO"
	if [ $uid = 0 ]; then
		check "$who FIFO is reported, not read" \
			grep -q "^warn  dnsmasq config .*pid $FAKE: conf-file $T/fifo: a FIFO, not read" <<<"$OUT"
	fi
	# A writer waiting for a reader tells whether --check opened the FIFO.
	rm -f "$T/fifo.opened"
	(exec 3>"$T/fifo" && echo opened >"$T/fifo.opened") &
	WAITER=$!
	WAITERS="$WAITERS $WAITER"
	sleep 0.2
	run_check
	sleep 0.2
	check_not "$who FIFO is never opened" test -e "$T/fifo.opened"
	kill $WAITER 2>/dev/null
	wait $WAITER 2>/dev/null
	unfake
done

# /dev/zero: a device; reading it never ends a line.
fake 0 --conf-file=/dev/zero
if command -v strace >/dev/null; then
	t0=$EPOCHREALTIME
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=open,openat -o "$T/strace" \
		timeout 15 "$DUMP" --check 2>&1)
	RC=$?
	SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { s = b - a; print (s == int(s)) ? s : int(s) + 1 }')
	echo "$OUT" | sed 's/^/# /'
	grep '/dev/zero' "$T/strace" | sed 's/^/# strace: /'
	check_not "/dev/zero is never opened for reading (only O_PATH, which opens nothing)" \
		grep -v O_PATH <(grep '"/dev/zero"' "$T/strace")
else
	run_check
	skip "strace not installed: cannot see which files were opened"
fi
quick "root's dnsmasq naming /dev/zero"
check "/dev/zero is reported, not read" \
	grep -q "^warn  dnsmasq config .*pid $FAKE: conf-file /dev/zero: a character device, not read" <<<"$OUT"
unfake

# A link: not followed, whatever it points to.
ln -s "$T/lease-db.conf" "$T/link.conf"
fake 0 --conf-file="$T/link.conf"
run_check
quick "root's dnsmasq naming a symbolic link"
check "the link is reported, not followed" \
	grep -q "^warn  dnsmasq config .*pid $FAKE: conf-file $T/link.conf: a symbolic link (not followed), not read" <<<"$OUT"
check_not "what the link points to is not read" \
	grep -q '^ok    dnsmasq .*running with lease-db-helper' <<<"$OUT"
unfake

# More than the cap (1 MiB): not read at all.
cp "$T/lease-db.conf" "$T/big.conf" && truncate -s 2M "$T/big.conf"
fake 0 --conf-file="$T/big.conf"
run_check
quick "root's dnsmasq naming a 2 MiB file"
check "a file over the size cap is reported, not read" \
	grep -q "^warn  dnsmasq config .*pid $FAKE: conf-file $T/big.conf: 2097152 bytes, larger than 1048576: not read" <<<"$OUT"
check_not "nothing of it is taken" grep -q '^ok    dnsmasq .*running with lease-db-helper' <<<"$OUT"
unfake

# The same safety for a conf-file= line inside a file.
printf 'conf-file=%s\nconf-file=%s\n' "$T/fifo" "$T/lease-db.conf" >"$T/outer.conf"
fake 0 --conf-file="$T/outer.conf"
run_check
quick "a conf-file= line naming a FIFO"
check "an included FIFO is reported" grep -q "^warn  dnsmasq config .*conf-file $T/fifo: a FIFO, not read" <<<"$OUT"
check "an included regular file is read" grep -q "^ok    dnsmasq .*(pid $FAKE)" <<<"$OUT"
unfake
done_testing
