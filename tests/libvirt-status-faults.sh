#!/bin/bash
# <bridge>.status and the master never part, whatever happens to the file
# or its directory (doc/libvirt.md, "When something fails" and "How the
# master and .status converge"), and no lease dnsmasq handed out is lost:
#  1. renames refused twice in a row (the file immutable),
#  2. the libvirt directory missing for a while, and leases recorded before
#     libvirt mode was on,
#  3. a .status that cannot be libvirt's (symbolic link, FIFO, directory,
#     larger than 64 MiB): set aside, named in a warning, and written anew.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
mkdir -p "$T/lv"
export LEASE_DB_LIBVIRT_DIR=$T/lv VIR_BRIDGE_NAME=virbr0 DNSMASQ_INTERFACE=virbr0
export DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600))

master_ips() { dump --master --json -a | jq -r 'map(select(.interface == "virbr0") | .["ip-address"]) | sort | join(" ")'; }
status_ips() { jq -r 'map(.["ip-address"]) | sort | join(" ")' "$T/lv/virbr0.status" 2>&1; }
add() { helper add "52:54:00:00:00:0$1" "10.0.0.$1" "h$1"; }

# --- 1. two failed renames in a row ------------------------------------------
add 1 || bail "first event"
if chattr +i "$T/lv/virbr0.status" 2>/dev/null; then
	add 2 2>/dev/null
	is "a refused rename: exit 3" "$?" 3
	add 3 2>/dev/null
	is "... and a second one" "$?" 3
	is "the master has both events" "$(master_ips)" "10.0.0.1 10.0.0.2 10.0.0.3"
	chattr -i "$T/lv/virbr0.status"
	add 4
	ok $? "the next event, the rename allowed again"
	is "... loses no lease: the master has all four" "$(master_ips)" "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4"
	is "... and so has the file" "$(status_ips)" "$(master_ips)"
	chattr +i "$T/lv/virbr0.status"
	helper del 52:54:00:00:00:04 10.0.0.4 2>/dev/null
	add 5 2>/dev/null
	chattr -i "$T/lv/virbr0.status"
	helper init >/dev/null
	ok $? "two more refused, then init"
	is "... which writes the file the master describes" "$(status_ips)" "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.5"
	is "... and the master kept everything" "$(master_ips)" "$(status_ips)"
else
	skip "chattr +i not supported on $T: refused renames are not tested"
fi

# --- 2. the directory missing for a while --------------------------------------
mv "$T/lv" "$T/lv.away"
helper del 52:54:00:00:00:01 10.0.0.1
ok $? "directory missing: a del is recorded"
add 6
ok $? "... and an add"
mv "$T/lv.away" "$T/lv"
add 7
ok $? "the directory back (with the old file): an event"
is "master and file agree: the events in between are in the file" "$(status_ips)" "$(master_ips)"
is "... which lists the leases of both" "$(status_ips)" "10.0.0.2 10.0.0.3 10.0.0.5 10.0.0.6 10.0.0.7"

# Leases recorded before libvirt mode was on, then libvirt's own file.
LEASE_DB_LIBVIRT_DIR=none VIR_BRIDGE_NAME= DNSMASQ_INTERFACE=virbr1 \
	helper add 52:54:00:00:01:01 10.0.1.1 before1
cat >"$T/lv/virbr1.status" <<JSON
[
  {
    "ip-address": "10.0.1.2",
    "mac-address": "52:54:00:00:01:02",
    "hostname": "theirs",
    "expiry-time": 0
  }
]
JSON
VIR_BRIDGE_NAME=virbr1 DNSMASQ_INTERFACE=virbr1 helper init >/dev/null
ok $? "first use of virbr1 (init)"
is "... the file gets the lease the master had before libvirt mode" \
	"$(jq -r 'map(.["ip-address"]) | sort | join(" ")' "$T/lv/virbr1.status")" "10.0.1.1 10.0.1.2"
is "... and the master the file's" \
	"$(dump --master --json -a | jq -r 'map(select(.interface == "virbr1") | .["ip-address"]) | sort | join(" ")')" \
	"10.0.1.1 10.0.1.2"
is "... the master's lease as libvirt's helper writes one" \
	"$(jq -c '.[] | select(.["ip-address"] == "10.0.1.1") | keys_unsorted' "$T/lv/virbr1.status")" \
	'["ip-address","mac-address","hostname","expiry-time"]'

# --- 3. a .status that cannot be libvirt's ----------------------------------------
n=10
odd() { # WHAT: the event on a bridge whose .status was just made odd
	local what=$1 err
	n=$((n + 1))
	err=$(timeout 20 env VIR_BRIDGE_NAME=odd DNSMASQ_INTERFACE=odd "$HELPER" add "52:54:00:00:02:$n" "10.0.2.$n" "odd$n" 2>&1)
	is "$what: the event succeeds" "$?" 0
	check "... warning, naming the file and what is wrong: $err" grep -q "odd.status: .*; moved aside to .*/odd.status.invalid" <<<"$err"
	check "... the event's lease is recorded" grep -q "10.0.2.$n" <<<"$(dump --master -a)"
	is "... and master and file agree" \
		"$(if [ -f "$T/lv/odd.status" ] && [ ! -L "$T/lv/odd.status" ]; then
			timeout 10 jq -r 'map(.["ip-address"]) | sort | join(" ")' "$T/lv/odd.status" 2>&1
		else echo "not a regular file"; fi)" \
		"$(dump --master --json -a | jq -r 'map(select(.interface == "odd") | .["ip-address"]) | sort | join(" ")')"
	ok_if '[ -e "$T/lv/odd.status.invalid" ] || [ -L "$T/lv/odd.status.invalid" ]' "... the odd file is kept aside"
	rm -rf "$T/lv/odd.status.invalid"
}
echo '[{"ip-address":"10.9.0.1","mac-address":"52:54:00:09:00:01","hostname":"elsewhere","expiry-time":0}]' >"$T/target.json"
ln -s "$T/target.json" "$T/lv/odd.status"
odd "a symbolic link (first use)"
check_not "... whose target is not imported" grep -q 10.9.0.1 <<<"$(dump --master -a)"
rm -f "$T/lv/odd.status" && ln -s "$T/target.json" "$T/lv/odd.status"
odd "a symbolic link (the bridge known)"
rm -f "$T/lv/odd.status" && ln -s /dev/zero "$T/lv/odd.status"
odd "a symbolic link to /dev/zero"
rm -f "$T/lv/odd.status" && mkfifo "$T/lv/odd.status"
odd "a FIFO"
rm -f "$T/lv/odd.status" && mkdir "$T/lv/odd.status"
odd "a directory"
rm -f "$T/lv/odd.status" && truncate -s 65M "$T/lv/odd.status"
odd "a 65 MiB file"
printf '[ oops' >"$T/lv/odd.status"
odd "invalid JSON"
is "the bridge's leases survived every one of them" \
	"$(dump --master --json -a | jq -r 'map(select(.interface == "odd")) | length')" 7
done_testing
