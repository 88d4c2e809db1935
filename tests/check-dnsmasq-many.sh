#!/bin/bash
# lease-db-dump --check tells the administrator to forget the leases of an
# interface that no running dnsmasq serves. It must never conclude so from
# an incomplete list of dnsmasq processes: not with more than 64 instances,
# not when dnsmasq's own children (its script process, TCP DNS children:
# same name, same command line, often root) outnumber them, and when the
# list is cut after all, it says so and judges no interface.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v setpriv >/dev/null || skip_all "setpriv not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
export LEASE_DB_LIBVIRT_DIR=none
MANY=""
cleanup() {
	local p
	fake_dnsmasq_stop all
	for p in $MANY; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	cleanup_state
}
trap cleanup EXIT
E=$(($(now) + 3600))
add() { DNSMASQ_INTERFACE=$1 DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add "$2" "$3" "$4"; }

run_check() {
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" timeout 60 "$DUMP" --check 2>&1)
	RC=$?
	echo "$OUT" | grep -E '^(ok|warn|FAIL) +(dnsmasq|interfaces)' | cut -c1-240 | sed 's/^/# /'
}
count() { # count : processes called dnsmasq in this PID namespace
	local n=0 p
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null | head -n 1)" = dnsmasq ] && n=$((n + 1))
	done
	echo $n
}

# 70 instances, one per bridge; leases on the 3rd and the 70th.
for i in $(seq 1 70); do
	fake_dnsmasq 0 --interface=br$i --dhcp-script=/usr/libexec/lease-db-helper --leasefile-ro ||
		bail "the stand-in dnsmasq did not start"
done
add br3 52:54:00:00:02:03 10.0.3.5 vm3 && add br70 52:54:00:00:02:70 10.0.70.5 vm70 ||
	bail "the helper did not record the leases"
run_check
check "70 instances: all found" grep -q '^ok    dnsmasq .*70 running with lease-db-helper' <<<"$OUT"
check_not "no interface said unserved" grep -q 'no running dnsmasq serves' <<<"$OUT"
check "both interfaces served" grep -q '^ok    interfaces .*2 interfaces with unexpired leases, each served' <<<"$OUT"
fake_dnsmasq_stop all
FAKES=""

# One instance with 80 children, then another: the children are no
# instances and do not crowd the second one out.
IDLE_CHILDREN=80 fake_dnsmasq 0 --interface=br3 --dhcp-script=/usr/libexec/lease-db-helper \
	--leasefile-ro || bail "the stand-in dnsmasq did not start"
A=$FAKE
for _ in $(seq 100); do [ "$(count)" -ge 81 ] && break; sleep 0.05; done
fake_dnsmasq 0 --interface=br70 --dhcp-script=/usr/libexec/lease-db-helper --leasefile-ro ||
	bail "the stand-in dnsmasq did not start"
B=$FAKE
is "the first instance and its 80 children run, and the second" "$(count)" 82
run_check
check "two instances, the children not counted" \
	grep -q "^ok    dnsmasq .*2 running with lease-db-helper (pid $A, $B)" <<<"$OUT"
check_not "no interface said unserved" grep -q 'no running dnsmasq serves' <<<"$OUT"
fake_dnsmasq_stop all
FAKES=""

# More instances than --check reads (1024): it says so, and judges no
# interface by the ones it read. br70's is the last one started.
for i in $(seq 1 1030); do
	(exec -a dnsmasq "$T/stage/idle" --interface=x$i --leasefile-ro) &
	MANY="$MANY $!"
done
fake_dnsmasq 0 --interface=br70 --dhcp-script=/usr/libexec/lease-db-helper --leasefile-ro ||
	bail "the stand-in dnsmasq did not start"
for _ in $(seq 200); do [ "$(count)" -ge 1031 ] && break; sleep 0.05; done
is "1031 instances run" "$(count)" 1031
run_check
check "the cut scan is said" grep -q '^warn  dnsmasq .*more than 1024 dnsmasq instances.*only the first 1024 were read' <<<"$OUT"
check_not "no interface said unserved" grep -q 'no running dnsmasq serves' <<<"$OUT"
check "interfaces said not judged" grep -q '^ok    interfaces .*or not judged: not every dnsmasq was read' <<<"$OUT"
done_testing
