#!/bin/bash
# Leases of networks that are gone: after `virsh net-undefine` libvirt
# deletes <bridge>.status and stops the network's dnsmasq, but lease-db
# keeps answering for the leases. lease-db-dump --check must name such
# interfaces (a libvirt bridge without its .status file; any interface no
# running dnsmasq serves) and the command that forgets them. dnsmasq
# instances are stand-ins (fake_dnsmasq), in the test's own PID namespace;
# tests/check.sh does the same with a real dnsmasq.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
export LEASE_DB_LIBVIRT_DIR=$T/libvirt
mkdir "$T/libvirt" || bail "mkdir"
trap 'fake_dnsmasq_stop all; cleanup_state' EXIT

run_check() {
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check "$@")
	RC=$?
	echo "$OUT" | sed 's/^/# /'
}

add() { # add IFACE MAC ADDRESS NAME [EXPIRES]
	DNSMASQ_INTERFACE=$1 DNSMASQ_LEASE_EXPIRES=${5:-0} "$HELPER" add "$2" "$3" "$4" ||
		bail "helper add on $1"
}

# Two libvirt networks (the helper keeps their .status), one plain
# dnsmasq's interface, and an interface whose only lease has expired.
add virbr5 52:54:00:00:05:01 10.5.0.11 five1
add virbr5 52:54:00:00:05:02 10.5.0.12 five2
add virbr6 52:54:00:00:06:01 10.6.0.11 six
LEASE_DB_LIBVIRT_DIR=none add eth9 52:54:00:00:09:01 10.9.0.11 nine
LEASE_DB_LIBVIRT_DIR=none add eth3 52:54:00:00:03:01 10.3.0.11 three $(($(now) - 60))
ok_if '[ -f "$T/libvirt/virbr5.status" ] && [ -f "$T/libvirt/virbr6.status" ] && [ ! -e "$T/libvirt/eth9.status" ]' \
	"the helper keeps .status for the libvirt bridges only"

# libvirt's dnsmasq names its configuration file; a plain one its interface.
printf 'interface=virbr5\ndhcp-script=/usr/libexec/lease-db-helper\n' >"$T/libvirt/virbr5.conf"
printf 'interface=virbr6\ndhcp-script=/usr/libexec/lease-db-helper\n' >"$T/libvirt/virbr6.conf"
fake_dnsmasq 0 --conf-file="$T/libvirt/virbr5.conf" --leasefile-ro || bail "fake dnsmasq"
fake_dnsmasq 0 --conf-file="$T/libvirt/virbr6.conf" --leasefile-ro || bail "fake dnsmasq"
V6=$FAKE
fake_dnsmasq 0 --conf-file=/dev/null --interface=eth9 --dhcp-script=/usr/libexec/lease-db-helper --leasefile-ro || bail "fake dnsmasq"
E9=$FAKE
run_check
check "every network served: ok" grep -q '^ok    interfaces  *3 interfaces with unexpired leases, each served' <<<"$OUT"
check_not "an expired lease's interface is not counted" grep -q 'eth3' <<<"$OUT"

# virsh net-undefine virbr6: the .status file goes, and its dnsmasq.
rm "$T/libvirt/virbr6.status"
kill "$V6"
wait "$V6" 2>/dev/null
run_check
is "a libvirt network gone: exit 4" "$RC" 4
check "names the bridge, its leases, the missing file and the forget command" \
	grep -qF "FAIL  interfaces             virbr6: 1 lease still answered, but libvirt's $T/libvirt/virbr6.status is gone (the network was undefined?) and no running dnsmasq serves it; forget them with: lease-db-admin forget virbr6" <<<"$OUT"
check_not "the other bridge is fine" grep -q 'interfaces .*virbr5' <<<"$OUT"
check_not "so is eth9" grep -q 'interfaces .*eth9' <<<"$OUT"
is "--json: one interface failing" \
	"$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check --json |
		jq -r '[.checks[] | select(.check == "interfaces" and .status == "FAIL") | .detail[0:6]] | join(",")')" "virbr6"

# The .status file alone gone, dnsmasq still running (libvirt's is): FAIL.
rm "$T/libvirt/virbr5.status"
run_check
check "a bridge without its .status is flagged even while a dnsmasq serves it" \
	grep -qF "FAIL  interfaces             virbr5: 2 leases still answered, but libvirt's $T/libvirt/virbr5.status is gone (the network was undefined?); forget them with: lease-db-admin forget virbr5" <<<"$OUT"

# The plain dnsmasq stopped: a warning (it may come back), with the command.
kill "$E9"
wait "$E9" 2>/dev/null
run_check
check "an interface no running dnsmasq serves: a warning naming the command" \
	grep -qF "warn  interfaces             eth9: 1 lease still answered, but no running dnsmasq serves it; if the network is gone for good, forget them with: lease-db-admin forget eth9" <<<"$OUT"

# dnsmasq's own rules for what it serves: a wildcard, a list, or no
# interface option at all (every interface).
fake_dnsmasq 0 --conf-file=/dev/null "--interface=eth*" --dhcp-script=/usr/libexec/lease-db-helper || bail "fake dnsmasq"
run_check
ok_if 'grep -q "^FAIL  interfaces .*virbr5" <<<"$OUT" && ! grep -q "interfaces .*eth9" <<<"$OUT"' \
	"--interface=eth* serves eth9 (the check ran: virbr5 still flagged)"
fake_dnsmasq_stop
fake_dnsmasq 0 --conf-file=/dev/null -i lo,eth9 --dhcp-script=/usr/libexec/lease-db-helper || bail "fake dnsmasq"
run_check
ok_if 'grep -q "^FAIL  interfaces .*virbr5" <<<"$OUT" && ! grep -q "interfaces .*eth9" <<<"$OUT"' \
	"-i lo,eth9 serves eth9 (the check ran: virbr5 still flagged)"
fake_dnsmasq_stop
fake_dnsmasq 0 --conf-file=/dev/null --dhcp-script=/usr/libexec/lease-db-helper || bail "fake dnsmasq"
run_check
ok_if 'grep -q "^FAIL  interfaces .*virbr5" <<<"$OUT" && ! grep -q "interfaces .*eth9" <<<"$OUT"' \
	"a dnsmasq with no interface option serves every interface (the check ran: virbr5 still flagged)"
fake_dnsmasq_stop
done_testing
