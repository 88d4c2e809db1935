#!/bin/bash
# lease-db-helper keeps <bridge>.status exactly as Debian's
# libvirt_leaseshelper does: the same event sequences are fed to both and
# the files compared after every event, as JSON and byte for byte.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
LV=$(find_libvirt_helper) || skip_all "libvirt_leaseshelper not available (apt-get download libvirt-daemon)"
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
mkdir -p "$T/lv" "$T/ours"
export LEASE_DB_LIBVIRT_DIR=$T/ours

# event NAME ENV... -- ARGS... : run one event through both helpers
event() {
	local what=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	in_libvirt_dir "$T/lv" env -u DNSMASQ_INTERFACE "${envs[@]}" "$LV" "$@" >"$T/lv.out" 2>&1
	local lrc=$?
	env "${envs[@]}" "$HELPER" "$@" >"$T/ours.out" 2>&1
	local orc=$?
	ok_if '(( lrc == 0 && orc == 0 ))' "$what: both helpers succeed ($lrc, $orc)"
	is "... same JSON in virbr0.status" "$(jq -S . "$T/ours/virbr0.status" 2>&1)" "$(jq -S . "$T/lv/virbr0.status" 2>&1)"
	cmp -s "$T/ours/virbr0.status" "$T/lv/virbr0.status"
	ok $? "... byte for byte"
}

B0=VIR_BRIDGE_NAME=virbr0
E1=DNSMASQ_LEASE_EXPIRES=$(( $(now) + 3600 ))
E2=DNSMASQ_LEASE_EXPIRES=$(( $(now) + 7200 ))
event "IPv4 add, every variable" $B0 $E1 DNSMASQ_INTERFACE=virbr0 DNSMASQ_DOMAIN=lan.test \
	DNSMASQ_CLIENT_ID=01:52:54:00:00:00:01 DNSMASQ_SUPPLIED_HOSTNAME=alpha -- add 52:54:00:00:00:01 192.168.122.10 alpha
event "IPv4 add, optional variables missing" $B0 -- add 52:54:00:00:00:02 192.168.122.11
event "IPv4 add, hostname only from the client" $B0 $E1 DNSMASQ_SUPPLIED_HOSTNAME=gamma -- add 52:54:00:00:00:03 192.168.122.12
event "IPv6 add with MAC, IAID, server DUID" $B0 $E1 DNSMASQ_IAID=1234 DNSMASQ_MAC=52:54:00:00:00:01 \
	DNSMASQ_SERVER_DUID=00:01:00:01:2c:aa:bb:cc:52:54:00:12:34:56 -- add 00:01:00:01:32:96:52:8b:52:54:00:00:00:01 fd00::10 alpha
event "IPv6 add, server DUID only in the file" $B0 $E1 DNSMASQ_IAID=T99 DNSMASQ_MAC=52:54:00:00:00:02 -- \
	add 00:01:00:01:32:96:52:8b:52:54:00:00:00:02 fd00::11 beta
event "IPv6 add without DNSMASQ_MAC (libvirt skips it)" $B0 $E1 DNSMASQ_IAID=5 -- add 00:01:00:01:aa fd00::12 nomac
event "renewal via old" $B0 $E2 DNSMASQ_INTERFACE=virbr0 DNSMASQ_CLIENT_ID=01:52:54:00:00:00:01 -- old 52:54:00:00:00:01 192.168.122.10 alpha
event "hostname change, step 1: old without a name" $B0 $E2 DNSMASQ_OLD_HOSTNAME=alpha -- old 52:54:00:00:00:01 192.168.122.10
event "hostname change, step 2: old with the new name" $B0 $E2 -- old 52:54:00:00:00:01 192.168.122.10 alpha2
event "del IPv4" $B0 -- del 52:54:00:00:00:02 192.168.122.11
event "del IPv6" $B0 DNSMASQ_IAID=T99 -- del 00:01:00:01:32:96:52:8b:52:54:00:00:00:02 fd00::11 beta
event "del of an unknown address" $B0 -- del 52:54:00:00:00:09 192.168.122.99
for a in 10 12; do
	event "del until empty ($a)" $B0 -- del 52:54:00:00:00:01 192.168.122.$a
done
event "del the last IPv6 lease" $B0 DNSMASQ_IAID=1234 -- del 00:01 fd00::10

# Fields lease-db does not serve: the lease is recorded all the same, and
# the status file gets them as libvirt's helper writes them.
hex() { # hex N: N octets of colon hex
	local i out=00:01
	for ((i = 2; i < $1; i++)); do out+=:$(printf '%02x' $((i % 256))); done
	printf '%s' "$out"
}
event "hostname my_vm (underscore)" $B0 $E1 -- add 52:54:00:00:01:01 192.168.122.21 my_vm
event "hostname trailing- (final hyphen)" $B0 $E1 -- add 52:54:00:00:01:02 192.168.122.22 trailing-
event "a reserved hostname argument" $B0 $E1 -- add 52:54:00:00:01:03 192.168.122.23 wpad
event "no hostname argument: dnsmasq refused the client's, control characters and all" $B0 $E1 \
	DNSMASQ_SUPPLIED_HOSTNAME=$'\x01trusted\tx\x1f\x7f"\\/' -- add 52:54:00:00:01:04 192.168.122.24
event "no hostname argument: the client sent UTF-8" $B0 $E1 DNSMASQ_SUPPLIED_HOSTNAME=$'caf\xc3\xa9' -- \
	add 52:54:00:00:01:05 192.168.122.25
event "a malformed DNSMASQ_CLIENT_ID, an invalid DNSMASQ_DOMAIN" $B0 $E1 DNSMASQ_CLIENT_ID=zz:1 \
	DNSMASQ_DOMAIN='lan test' -- add 52:54:00:00:01:06 192.168.122.26 cid1
event "a DNSMASQ_CLIENT_ID of 256 octets" $B0 $E1 DNSMASQ_CLIENT_ID=$(hex 256) -- \
	add 52:54:00:00:01:07 192.168.122.27 cid2
event "IPv6: a client DUID of 200 octets" $B0 $E1 DNSMASQ_IAID=7 DNSMASQ_MAC=52:54:00:00:01:08 -- \
	add "$(hex 200)" fd00::28 duid200
event "IPv6: a client DUID of 300 octets, a server DUID of 140" $B0 $E1 DNSMASQ_IAID=8 \
	DNSMASQ_MAC=52:54:00:00:01:09 DNSMASQ_SERVER_DUID=$(hex 140) -- add "$(hex 300)" fd00::29 duid300
event "IPv6: malformed DNSMASQ_MAC and DNSMASQ_IAID" $B0 $E1 DNSMASQ_IAID=x9 DNSMASQ_MAC=zz -- \
	add 00:01:00:01:09 fd00::2a badmac
rows=$(dump --json -a | jq -r '.[] | "\(.["ip-address"]) \(.hostname // "-") \(.domain // "-") \(.["client-id"] // "-" | length)"' | sort)
is "... each lease is recorded, with only what lease-db serves" "$(grep -E '192.168.122.2[1-7]|fd00::2' <<<"$rows" | tr '\n' ' ')" \
	"192.168.122.21 my_vm - 1 192.168.122.22 trailing- - 1 192.168.122.23 - - 1 192.168.122.24 - - 1 192.168.122.25 - - 1 192.168.122.26 cid1 - 1 192.168.122.27 cid2 - 1 fd00::28 duid200 - 599 fd00::29 duid300 - 764 fd00::2a badmac - 14 "
# Where libvirt's helper fails the event (its JSON writer refuses a string
# that is not UTF-8), ours records the lease and leaves the value out.
in_libvirt_dir "$T/lv" env VIR_BRIDGE_NAME=virbr0 $E1 DNSMASQ_SUPPLIED_HOSTNAME=$'caf\xe9' "$LV" add 52:54:00:00:01:0a 192.168.122.30 >/dev/null 2>&1
is "libvirt's helper fails on a supplied hostname that is not UTF-8" "$?" 1
env VIR_BRIDGE_NAME=virbr0 $E1 DNSMASQ_SUPPLIED_HOSTNAME=$'caf\xe9' "$HELPER" add 52:54:00:00:01:0a 192.168.122.30
ok $? "ours records that lease (exit 0)"
is "... in the status file without a hostname" \
	"$(jq -c '.[] | select(.["ip-address"]=="192.168.122.30") | [.hostname, .["mac-address"]]' "$T/ours/virbr0.status")" \
	'[null,"52:54:00:00:01:0a"]'
cp "$T/ours/virbr0.status" "$T/lv/virbr0.status"
for a in 21 22 23 24 25 26 27 30; do
	event "del 192.168.122.$a" $B0 -- del 52:54:00:00:01:00 192.168.122.$a
done
for a in 28 29 2a; do
	event "del fd00::$a" $B0 DNSMASQ_IAID=1 -- del 00:01 fd00::$a
done

ls -l "$T/ours/virbr0.status" "$T/lv/virbr0.status" >/dev/null
is "the file is mode 0644 like libvirt's" "$(stat -c %a "$T/ours/virbr0.status")" "$(stat -c %a "$T/lv/virbr0.status")"
is "no temporary files left" "$(ls -A "$T/ours")" "virbr0.status"
touch "$T/ours/virbr0.status.AbC123.tmp"
VIR_BRIDGE_NAME=virbr0 "$HELPER" del 52:54:00:00:00:09 192.168.122.99
is "a temporary file left by a killed helper is removed by the next one" "$(ls -A "$T/ours")" "virbr0.status"
# Bridge "a.status" has the file a.status.status: an event on bridge "a"
# must not take it for one of its temporary files.
VIR_BRIDGE_NAME=a.status "$HELPER" add 52:54:00:00:0a:01 192.168.10.1 dotted
VIR_BRIDGE_NAME=a "$HELPER" add 52:54:00:00:0a:02 192.168.10.2 plain
is "an event on bridge a leaves bridge a.status's file alone" \
	"$(jq -c 'map(.["ip-address"])' "$T/ours/a.status.status" 2>&1)" '["192.168.10.1"]'
rm -f "$T/ours/a.status" "$T/ours/a.status.status"

# Where libvirt's helper silently loses every lease, ours moves the invalid
# file aside (named in a warning), records the event and writes its file.
printf '[ { "ip-address": "192.168.122.50", "mac-address": "52:54:00:00:00:50", "expiry-time": 0 }, oops' >"$T/ours/virbr1.status"
cp "$T/ours/virbr1.status" "$T/lv/virbr1.status"
in_libvirt_dir "$T/lv" env VIR_BRIDGE_NAME=virbr1 "$LV" add 52:54:00:00:00:51 192.168.122.51 x >/dev/null 2>&1
is "libvirt's helper wipes an invalid file (its bug)" "$(jq length "$T/lv/virbr1.status")" 1
before=$(cat "$T/ours/virbr1.status")
err=$(VIR_BRIDGE_NAME=virbr1 "$HELPER" add 52:54:00:00:00:51 192.168.122.51 x 2>&1)
ok $? "ours records the event"
check "... warning, naming the file and the problem: $err" grep -q 'virbr1.status: invalid JSON.*moved aside to .*virbr1.status.invalid' <<<"$err"
is "... keeps the invalid file aside" "$(cat "$T/ours/virbr1.status.invalid")" "$before"
is "... and the event's lease is recorded" "$(dump --json -n x | jq -r '.[0]["ip-address"]')" 192.168.122.51
is "... and in the new status file" "$(jq -c 'map(.["ip-address"])' "$T/ours/virbr1.status")" '["192.168.122.51"]'
rm -f "$T/ours/virbr1.status.invalid"

# Taking over from libvirt's helper on an ordinary event (not init).
cat >"$T/ours/virbr3.status" <<JSON
[ { "ip-address": "192.168.3.10", "mac-address": "52:54:00:00:03:10", "hostname": "kept", "expiry-time": 0 },
  { "ip-address": "192.168.3.11", "mac-address": "not-a-mac", "hostname": "bad", "expiry-time": 0 } ]
JSON
err=$(VIR_BRIDGE_NAME=virbr3 "$HELPER" add 52:54:00:00:03:20 192.168.3.20 newone 2>&1)
ok $? "first event on a bridge with a status file"
check "... imports the leases libvirt's helper had" grep -q 192.168.3.10 <<<"$(dump -a)"
is "... without the names .status gives (dnsmasq may have refused them)" "$(dump --json -n kept | jq length)" 0
check "... skipping, and naming, a record that does not validate" grep -q 'skipping invalid lease' <<<"$err"
is "... which stays in the status file" "$(jq -r '.[]["ip-address"]' "$T/ours/virbr3.status" | tr '\n' ' ')" "192.168.3.10 192.168.3.11 192.168.3.20 "
VIR_BRIDGE_NAME=virbr3 "$HELPER" del 52:54:00:00:03:10 192.168.3.10 kept
is "a later del is not undone by a second import" "$(dump --json -a | jq -c 'map(select(.["ip-address"] == "192.168.3.10"))')" '[]'

# What libvirt's helper stored from dnsmasq: a DUID dnsmasq cut (100
# octets and a ':'), a client-id that does not validate. The leases are
# imported, without what does not validate.
cat >"$T/ours/virbr4.status" <<JSON
[ { "iaid": "7", "ip-address": "fd00:4::10", "mac-address": "52:54:00:00:04:10", "hostname": "cutduid",
    "client-id": "$(hex 100):", "server-duid": "00:01:00:01:2c", "expiry-time": 0 },
  { "ip-address": "192.168.4.11", "mac-address": "52:54:00:00:04:11", "hostname": "my_vm4", "client-id": "zz", "expiry-time": 0 } ]
JSON
VIR_BRIDGE_NAME=virbr4 "$HELPER" add 52:54:00:00:04:20 192.168.4.20 newone4
ok $? "an event on a bridge whose status file has a cut DUID and a bad client-id"
is "... imports both leases (DUID kept, the bad client-id and .status's names left out)" \
	"$(dump --json -a | jq -r '.[] | select(.interface=="virbr4") | "\(.["ip-address"]) \(.hostname // "-") \(.["client-id"] // "-" | length)"' | sort | tr '\n' ' ')" \
	"192.168.4.11 - 1 192.168.4.20 newone4 1 fd00:4::10 - 299 "

# Switched off: LEASE_DB_LIBVIRT_DIR=none leaves libvirt's files alone.
LEASE_DB_LIBVIRT_DIR=none VIR_BRIDGE_NAME=virbr2 "$HELPER" add 52:54:00:00:00:60 192.168.122.60 off
ok $? "LEASE_DB_LIBVIRT_DIR=none: event recorded"
check "... and no status file written" test ! -e "$T/ours/virbr2.status"
done_testing
