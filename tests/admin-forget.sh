#!/bin/bash
# lease-db-admin forget IFACE (issue 11, point 11): after `virsh
# net-undefine` libvirt deletes <bridge>.status, and lease-db must stop
# answering that network's guests at once, infinite leases too. forget
# removes every lease of the interface and its bookkeeping (the .status
# import marker: a network defined again under that bridge is imported
# afresh), publishes, and works while helpers of other networks run.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
ADMIN=$B/helper/lease-db-admin
admin() { $VG "$ADMIN" "$@"; }
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L

on() { # on BRIDGE MAC ADDRESS [HOSTNAME]: a libvirt dnsmasq's add, infinite lease
	local br=$1
	shift
	VIR_BRIDGE_NAME=$br DNSMASQ_LEASE_EXPIRES=0 helper add "$@"
}
admin forget virbr1 >/dev/null 2>&1
is "no master yet: refused (exit 2), none created" "$? $(ls "$LEASE_DB_DIR" 2>/dev/null | wc -l)" "2 0"
on virbr0 52:54:00:00:00:01 192.168.122.11 stay1 || bail "helper add"
on virbr0 52:54:00:00:00:02 192.168.122.12 stay2 || bail "helper add"
on virbr1 52:54:00:00:01:01 192.168.100.11 gone1 || bail "helper add"
on virbr1 52:54:00:00:01:02 192.168.100.12 gone2 || bail "helper add"
DNSMASQ_IAID=3 DNSMASQ_MAC=52:54:00:00:01:01 VIR_BRIDGE_NAME=virbr1 DNSMASQ_LEASE_EXPIRES=0 \
	helper add 00:01:00:01:cc fd00:100::11 gone1 || bail "helper add (IPv6)"
# The same address on both bridges: only virbr1's goes.
on virbr1 52:54:00:00:01:03 192.168.122.11 twin || bail "helper add"
is "before: virbr1's guests resolve" "$(lookup nobody gone1 | tr '\n' ' ')" "192.168.100.11 fd00:100::11 "

check "virbr1's events left a spare of its .status beside the master" test -e "$LEASE_DB_DIR/virbr1.status.spare"

# virsh net-undefine: libvirt deletes the bridge's .status file.
rm "$L/virbr1.status"
out=$(admin forget --dry-run virbr1)
is "forget --dry-run: exit 0" "$?" 0
is "... lists the 4 leases it would remove" "$(grep -c '^would forget 19' <<<"$out") $(grep -c '^would forget fd00' <<<"$out")" "3 1"
is "... and changes nothing" "$(lookup nobody -4 gone2)" 192.168.100.12

# A live system: virbr0's dnsmasq keeps handing out leases meanwhile.
(
	for i in $(seq 40); do
		on virbr0 "52:54:00:00:02:$(printf %02x "$i")" "192.168.122.$((100 + i))" "live$i" ||
			echo "event $i failed" >>"$T/live.err"
	done
) &
live=$!
out=$(admin forget virbr1)
rc=$?
wait "$live"
is "forget virbr1: exit 0" "$rc" 0
check "... says what it removed: $(tail -1 <<<"$out")" grep -q '^forgot virbr1: 4 leases, 2 bookkeeping entries$' <<<"$out"
is "virbr0's events during the forget all succeeded" "$(cat "$T/live.err" 2>/dev/null)" ""
for u in root nobody; do
	is "$u: virbr1's guests no longer resolve (infinite leases)" "$(lookup $u gone1) $(lookup $u gone2)" "not found not found"
	is "$u: reverse lookup of a forgotten address" "$(lookup $u -r 192.168.100.12)" "not found"
	is "$u: virbr0's guests still resolve" "$(lookup $u -4 stay1) $(lookup $u -4 live40)" "192.168.122.11 192.168.122.140"
done
is "the master holds no lease of virbr1" "$(dump --master --all --interface virbr1 | tail -n +2)" ""
is "... and every lease of virbr0 (2 + 40)" "$(dump --master --all --interface virbr0 | tail -n +2 | wc -l)" 42
is "forgetting it again: nothing left, exit 0" "$(admin forget virbr1; echo "rc=$?")" "forgot virbr1: 0 leases, 0 bookkeeping entries
rc=0"

# A spare copy of its .status beside the master, made by earlier events:
# gone with it.
check_not "the spare of virbr1.status beside the master went with it" test -e "$LEASE_DB_DIR/virbr1.status.spare"

# Its .status records went too: an event on the bridge (a network defined
# again, before libvirt wrote any file) writes only its own lease.
on virbr1 52:54:00:00:01:60 192.168.100.60 fresh || bail "helper add"
is "an event after the forget writes only its own lease to .status" \
	"$(grep -c '"ip-address"' "$L/virbr1.status") $(grep -c '192.168.100.1[12]"' "$L/virbr1.status")" "1 0"
rm "$L/virbr1.status"
admin forget virbr1 >/dev/null || bail "forget"

# The bridge comes back with a .status file libvirt's helper wrote: with
# the import marker gone it is imported again, as for a new network.
cat >"$L/virbr1.status" <<'JSON'
[
  {
    "ip-address": "192.168.100.50",
    "mac-address": "52:54:00:00:01:50",
    "hostname": "newnet",
    "expiry-time": 0
  }
]
JSON
on virbr1 52:54:00:00:01:51 192.168.100.51 newnet2 || bail "helper add"
check "a new network on the bridge: its .status is imported again (without names until renewal)" \
	grep -qw virbr1 <<<"$(dump -a | grep -w 192.168.100.50)"
is "... with the new event's lease" "$(lookup nobody -4 newnet2)" 192.168.100.51
# Both streams into one pipe, as a log or `| less` gets them: the note
# comes after the lines it is about.
all=$(admin forget virbr1 2>&1)
echo "$all" | sed 's/^/# /'
err=$(grep 'note:' <<<"$all")
check "forgetting a bridge whose .status is still there warns: $err" grep -q 'virbr1.status is still there' <<<"$err"
check "... after what it forgot (stdout flushed first)" grep -q '^forgot virbr1: 2 leases' <<<"$(tail -n 2 <<<"$all" | head -n 1)"
check "... as the last line" grep -q 'note:' <<<"$(tail -n 1 <<<"$all")"

admin forget ../etc >/dev/null 2>&1
is "an invalid interface name: exit 2" "$?" 2
admin forget >/dev/null 2>&1
is "no interface: usage, exit 1" "$?" 1
truncate -s 100 "$LEASE_DB_DIR/data.mdb"
err=$(admin forget virbr0 2>&1)
is "a damaged master: exit 3" "$?" 3
check "... naming the recovery command: $err" grep -q 'lease-db-admin rebuild' <<<"$err"
done_testing
