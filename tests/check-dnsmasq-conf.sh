#!/bin/bash
# Which script a dnsmasq runs, as lease-db-dump --check tells it, must be
# the one dnsmasq runs. dnsmasq takes one dhcp-script: a configuration
# file's line overrides the command line's, wherever each stands. libvirt
# relies on it: its own helper on the command line, lease-db-helper in the
# network's conf file through <dnsmasq:options>. Files come from
# --conf-file/-C, conf-file= lines and --conf-dir/-7 DIR[,SUFFIX|*SUFFIX...]
# (Debian's dnsmasq: -7 /etc/dnsmasq.d,.dpkg-dist,.dpkg-old,.dpkg-new).
# Each command line runs once with the real dnsmasq, to see which script it
# runs at start (init), and once as a stand-in that --check reads; both
# must agree with what is expected. Then the safety rules of conf-dir.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v setpriv >/dev/null || skip_all "setpriv not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
trap 'fake_dnsmasq_stop all; cleanup_state' EXIT

DNSMASQ=$(command -v dnsmasq || true)
C=$T/conf
mkdir -p "$C/bin" "$C/lv" "$C/d1" "$C/d2" "$C/d3" "$C/d4"
# Stand-ins for the two scripts: each says it ran.
LDB=$C/bin/lease-db-helper
LV=$C/lv/libvirt_leaseshelper
for s in "$LDB" "$LV"; do
	printf '#!/bin/sh\necho %s >>%s/ran\n' "$(basename "$s")" "$T" >"$s"
	chmod 755 "$s"
done
: >"$C/empty.conf"
printf 'interface=virbr0\ndhcp-script=%s\n' "$LDB" >"$C/ldb.conf"
printf 'dhcp-script=%s\n' "$LV" >"$C/lv.conf"
printf 'dhcp-script = "%s"  # lease-db\n' "$LDB" >"$C/quoted.conf"
printf 'conf-dir=%s\n' "$C/d1" >"$C/outer.conf"
printf 'dhcp-script=%s\n' "$LDB" >"$C/d1/50-lease-db.conf"
printf 'dhcp-script=%s\n' "$LDB" >"$C/d2/lease-db.conf.dpkg-dist"
printf 'dhcp-script=%s\n' "$LDB" >"$C/d3/lease-db.conf"
printf 'dhcp-script=%s\n' "$LV" >"$C/d3/libvirt.inc"
for n in .hidden.conf 'lease-db.conf~' '#lease-db.conf#'; do
	printf 'dhcp-script=%s\n' "$LDB" >"$C/d4/$n"
done
chmod -R go-w "$C"

# real ARG... : the script the real dnsmasq runs at start with these
# arguments, in a network namespace of its own.
real() {
	local pid
	rm -f "$T/ran"
	unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$DNSMASQ" --keep-in-foreground \
		--port=0 --pid-file="$T/dnsmasq.pid" --log-facility=- --interface=lo \
		--dhcp-range=127.0.0.10,127.0.0.20 "$@" 2>"$T/dnsmasq.err" &
	pid=$!
	for _ in $(seq 100); do
		[ -s "$T/ran" ] && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
	done
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	cat "$T/ran" 2>/dev/null || echo "none ($(head -n 1 "$T/dnsmasq.err"))"
}

# checked ARG... : the script --check says a dnsmasq with these arguments runs.
checked() {
	local out
	fake_dnsmasq 0 "$@" || bail "the stand-in dnsmasq did not start"
	out=$(LD_LIBRARY_PATH="$NSSLIB" timeout 15 "$DUMP" --check 2>&1)
	fake_dnsmasq_stop
	echo "$out" | grep -E '^(ok|warn|FAIL) +dnsmasq' | sed 's/^/# /' >&2
	if grep -q "^ok    dnsmasq .*1 running with lease-db-helper (pid $FAKE)" <<<"$out"; then
		echo lease-db-helper
	elif grep -q '^warn  dnsmasq .*no running dnsmasq uses lease-db-helper (1 other)' <<<"$out"; then
		echo libvirt_leaseshelper
	else
		echo unclear
	fi
}

# case WANT DESCRIPTION ARG...
case_() {
	local want=$1 what=$2
	shift 2
	if [ -n "$DNSMASQ" ]; then
		is "$what: the real dnsmasq runs $want" "$(real --leasefile-ro "$@")" "$want"
	fi
	is "$what: --check says it runs $want" "$(checked --leasefile-ro "$@")" "$want"
}
[ -n "$DNSMASQ" ] || skip "dnsmasq not installed: the expectations are not checked against it"

case_ lease-db-helper "libvirt's way: --conf-file's line, the command line's after it" \
	--conf-file="$C/ldb.conf" --dhcp-script="$LV"
case_ libvirt_leaseshelper "the other way round: the file still wins" \
	--conf-file="$C/lv.conf" --dhcp-script="$LDB"
case_ lease-db-helper "a second -C, read in place, before the command line's script" \
	-C "$C/empty.conf" -C "$C/ldb.conf" --dhcp-script="$LV"
case_ lease-db-helper "quotes, spaces around '=' and a comment" \
	--conf-file="$C/quoted.conf" --dhcp-script="$LV"
case_ lease-db-helper "-7 DIR" --conf-file="$C/empty.conf" -7 "$C/d1" --dhcp-script="$LV"
case_ lease-db-helper "--conf-dir=DIR" --conf-file="$C/empty.conf" --conf-dir="$C/d1" \
	--dhcp-script="$LV"
case_ libvirt_leaseshelper "Debian's -7 DIR,.dpkg-dist,...: those names are skipped" \
	--conf-file="$C/empty.conf" -7 "$C/d2,.dpkg-dist,.dpkg-old,.dpkg-new" --dhcp-script="$LV"
case_ lease-db-helper "DIR,*.conf: only *.conf files" \
	--conf-file="$C/empty.conf" --conf-dir="$C/d3,*.conf" --dhcp-script="$LV"
case_ libvirt_leaseshelper "dotfiles, ~ and #...# backups are skipped" \
	--conf-file="$C/empty.conf" --conf-dir="$C/d4" --dhcp-script="$LV"
case_ lease-db-helper "a conf-dir= line in a file" --conf-file="$C/outer.conf" \
	--dhcp-script="$LV"

# The same safety as for files: a FIFO in the directory is skipped (as
# dnsmasq skips whatever is no regular file) and never opened; a link is
# reported, not followed; the directory itself no link; a cap on files.
run_check() {
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" timeout 15 "$DUMP" --check 2>&1)
	RC=$?
	echo "$OUT" | grep -E ' dnsmasq' | cut -c1-240 | sed 's/^/# /'
}
mkdir -p "$C/d5"
mkfifo -m 644 "$C/d5/fifo.conf"
ln -s "$C/ldb.conf" "$C/d5/link.conf"
fake_dnsmasq 0 --conf-file="$C/empty.conf" --conf-dir="$C/d5" --leasefile-ro || bail "stand-in"
run_check
ok_if '[ "$RC" != 124 ]' "a FIFO in a conf-dir does not hang --check (exit $RC)"
check "a link in a conf-dir is reported, not followed" \
	grep -q "^warn  dnsmasq config .*pid $FAKE: conf-file $C/d5/link.conf: a symbolic link (not followed), not read" <<<"$OUT"
check_not "what the link points to is not read" grep -q '^ok    dnsmasq .*running with lease-db-helper' <<<"$OUT"
check_not "the FIFO is not named (skipped as dnsmasq skips it)" grep -q "fifo.conf" <<<"$OUT"
fake_dnsmasq_stop
ln -s "$C/d1" "$C/d1link"
fake_dnsmasq 0 --conf-file="$C/empty.conf" -7 "$C/d1link" --leasefile-ro || bail "stand-in"
run_check
check "a conf-dir that is a link is reported, not followed" \
	grep -q "^warn  dnsmasq config .*pid $FAKE: conf-dir $C/d1link: a symbolic link (not followed), not read" <<<"$OUT"
fake_dnsmasq_stop
mkdir -p "$C/d6"
for i in $(seq -w 1 100); do printf 'interface=br%s\n' "$i" >"$C/d6/$i.conf"; done
printf 'dhcp-script=%s\n' "$LDB" >"$C/d6/999.conf"
fake_dnsmasq 0 --conf-dir="$C/d6" --leasefile-ro || bail "stand-in"
run_check
check "more files than the cap: said so" \
	grep -q "^warn  dnsmasq config .*pid $FAKE: conf-file $C/d6/065.conf: more than 64 files for one dnsmasq: not read, nor any after it" <<<"$OUT"
check_not "... once" grep -q "d6/066.conf" <<<"$OUT"
fake_dnsmasq_stop
done_testing
