#!/bin/bash
# libnss_leasedb_guest through the real resolver, as root and nobody:
# libvirt domain names from <network>.macs, any bridge, reverse lookups,
# .macs changes picked up by the next event and skipped when unchanged.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
printf 'hosts: files leasedb_guest\n' >"$T/nsswitch.conf"
E=$(( $(now) + 3600 ))

cat >"$L/default.macs" <<'JSON'
[ { "domain": "web-VM", "macs": [ "52:54:00:00:00:01" ] },
  { "domain": "db.vm", "macs": [ "52:54:00:00:00:02", "52:54:00:00:00:03" ] } ]
JSON
cat >"$L/isolated.macs" <<'JSON'
[ { "domain": "iso", "macs": [ "52:54:00:00:00:09" ] } ]
JSON

add() { # add BRIDGE MAC ADDRESS [HOSTNAME]
	local br=$1
	shift
	VIR_BRIDGE_NAME=$br DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_DOMAIN=lan.test helper add "$@"
}
add virbr0 52:54:00:00:00:01 192.168.122.10 differenthostname
add virbr0 52:54:00:00:00:02 192.168.122.20
add virbr1 52:54:00:00:00:03 192.168.100.30 dbsecond
DNSMASQ_IAID=1 DNSMASQ_MAC=52:54:00:00:00:01 VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=$E \
	helper add 00:01:00:01:aa fd00::10

for u in root nobody; do
	is "$u: domain name resolves to its leases, both families" "$(resolve $u web-vm | tr '\n' ' ')" "192.168.122.10 fd00::10 "
	is "$u: domain with a dot, leases on two bridges" "$(resolve $u DB.VM | tr '\n' ' ')" "192.168.100.30 192.168.122.20 "
	is "$u: domain.lease-domain" "$(resolve $u -4 web-vm.lan.test)" 192.168.122.10
	is "$u: the lease's own hostname is not a guest name" "$(lookup $u differenthostname)" "not found"
	is "$u: a domain without a lease: not found" "$(lookup $u iso)" "not found"
	is "$u: reverse lookup gives the domain name" "$(as $u "$GAI" -r 192.168.100.30)" db.vm
done

# An unchanged .macs file is not even opened; a changed one is read by the
# next event.
if command -v strace >/dev/null; then
	# LeakSanitizer refuses to run under ptrace: no leak check here.
	opened() { strace -f -e trace=open,openat -o "$T/strace" env ASAN_OPTIONS=detect_leaks=0 VIR_BRIDGE_NAME=virbr0 "$HELPER" add "$@" && grep -c '\.macs"' "$T/strace"; }
	is "unchanged .macs files are not read" "$(opened 52:54:00:00:00:07 192.168.122.70 seven)" 0
	touch "$L/default.macs"
	n=$(opened 52:54:00:00:00:07 192.168.122.70 seven)
	ok_if '(( ${n:-0} > 0 ))' "a touched .macs file is read again (opened $n times)"
else
	skip "strace not installed (it counts the opens of .macs files)"
fi
cat >"$L/isolated.macs" <<'JSON'
[ { "domain": "iso", "macs": [ "52:54:00:00:00:09" ] },
  { "domain": "renamed", "macs": [ "52:54:00:00:00:02" ] } ]
JSON
add virbr0 52:54:00:00:00:09 192.168.122.90 isohost
is "after .macs changed: new domain resolves" "$(resolve nobody -4 renamed)" 192.168.122.20
is "... and the new guest's lease" "$(resolve nobody -4 iso)" 192.168.122.90
printf '{ not json' >"$L/broken.macs"
err=$(add virbr0 52:54:00:00:00:04 192.168.122.40 four 2>&1)
ok $? "an invalid .macs file does not fail the event"
check "... it is named on stderr: $err" grep -q 'broken.macs: invalid JSON' <<<"$err"
is "... and the other files still count" "$(resolve nobody -4 renamed)" 192.168.122.20
rm "$L/broken.macs"
rm "$L/isolated.macs"
add virbr0 52:54:00:00:00:05 192.168.122.50 five
is "a removed .macs file takes its domains with it" "$(lookup nobody iso)" "not found"

printf 'hosts: files leasedb leasedb_guest\n' >"$T/nsswitch.conf"
is "both modules in one nsswitch.conf: hostname" "$(resolve nobody -4 dbsecond)" 192.168.100.30
is "both modules in one nsswitch.conf: domain" "$(resolve nobody -4 web-vm)" 192.168.122.10
done_testing
