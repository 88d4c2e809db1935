#!/bin/bash
# lease-db-helper as dnsmasq runs it: options, every bad-input case (with
# the database unchanged), ignored actions, init output, del and old.
. "$TOP_SRCDIR/tests/lib.sh"
setup_state

state() { # everything stored, and the identity of the published file
	dump --master --all --json 2>&1
	stat -c '%i' "$LEASE_DB_SNAPSHOT" 2>&1
}

out=$(helper --help 2>/dev/null); rc=$?
is "--help: exit 0" "$rc" 0
check "... usage on stdout" grep -q '^Usage' <<<"$out"
check "--version names the package" sh -c "'$HELPER' --version | grep -q '^lease-db-helper [0-9]'"
err=$(helper --bogus 2>&1 >/dev/null); rc=$?
is "unknown option: exit 1" "$rc" 1
is "... usage on stderr" "$(grep -c Usage <<<"$err")" 1

for act in tftp arp-add arp-del relay-snoop some-future-action; do
	helper $act 52:54:00:00:00:01 10.0.0.1 x >/dev/null 2>&1
	ok $? "unknown action '$act': exit 0"
done
check "... and nothing created" test ! -e "$LEASE_DB_DIR"

E=$(( $(now) + 3600 ))
DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_INTERFACE=v0 DNSMASQ_DOMAIN=lan.test \
	DNSMASQ_CLIENT_ID=01:52:54:00:00:00:01 helper add 52:54:00:00:00:01 10.0.0.1 guest4
ok $? "IPv4 add"
DNSMASQ_LEASE_EXPIRES=0 DNSMASQ_INTERFACE=v0 DNSMASQ_IAID=T7 DNSMASQ_MAC=52:54:00:00:00:01 \
	DNSMASQ_SERVER_DUID=00:01:00:01:2c:aa:bb:cc helper add 00:01:00:01:32:96 fd77::3b guest6
ok $? "IPv6 add"
# (libvirt's status files are off: lib.sh sets LEASE_DB_LIBVIRT_DIR=none)
VIR_BRIDGE_NAME=virbr1 DNSMASQ_LEASE_EXPIRES=1000 helper add 52:54:00:00:00:02 10.1.0.2 other
ok $? "IPv4 add, bridge from VIR_BRIDGE_NAME, long expired"
check "the lease is visible once the helper exited" sh -c "'$DUMP' -n guest4 | grep -q 10.0.0.1"

before=$(state)
# name|expected exit|env...|args...   (fields separated by '|')
while IFS='|' read -r what code envs args; do
	[ -z "$what" ] && continue
	err=$(env $envs "$HELPER" $args 2>&1 >/dev/null); rc=$?
	is "$what: exit $code" "$rc" "$code"
	if [ "$code" = 2 ]; then
		is "... one line on stderr: $err" "$(grep -c . <<<"$err")" 1
	fi
	is "... database unchanged" "$(state)" "$before"
done <<'CASES'
malformed MAC|2|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00 10.0.0.9 x
MAC with a bad digit|2|DNSMASQ_INTERFACE=v0|add 52:54:00:00:0g:01 10.0.0.9 x
IPv4 address out of range|2|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.256 x
IPv4 address with junk|2|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9x x
IPv6 address malformed|2|DNSMASQ_INTERFACE=v0|add 00:01:00:01 fd77:::3b x
IPv6 client DUID malformed|2|DNSMASQ_INTERFACE=v0|add 00:01:0 fd77::9 x
expiry not a number|2|DNSMASQ_LEASE_EXPIRES=soon|add 52:54:00:00:00:09 10.0.0.9 x
expiry negative|2|DNSMASQ_LEASE_EXPIRES=-5|add 52:54:00:00:00:09 10.0.0.9 x
expiry overflowing 64 bits|2|DNSMASQ_LEASE_EXPIRES=99999999999999999999|add 52:54:00:00:00:09 10.0.0.9 x
interface with a slash|2|DNSMASQ_INTERFACE=../x|add 52:54:00:00:00:09 10.0.0.9 x
bridge name too long|2|VIR_BRIDGE_NAME=abcdefghijklmnop|add 52:54:00:00:00:09 10.0.0.9 x
missing address|1|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09
too many arguments|1|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9 x extra
init with arguments|1||init extra
no action at all|1||
CASES

# A field lease-db does not serve is left out; the lease is recorded.
# what|the key the lease is recorded without|env...|args...
while IFS='|' read -r what key envs args; do
	[ -z "$what" ] && continue
	set -- $args
	err=$(env $envs "$HELPER" $args 2>&1 >/dev/null); rc=$?
	is "$what: exit 0" "$rc" 0
	is "... one line on stderr: $err" "$(grep -c . <<<"$err")" 1
	is "... the lease is recorded without $key" \
		"$(dump --json -a | jq -c --arg a "$3" --arg k "$key" '[.[] | select(.["ip-address"] == $a) | has($k)]')" '[false]'
	helper del "$2" "$3" 2>/dev/null
done <<'CASES'
DNSMASQ_MAC malformed|mac-address|DNSMASQ_MAC=zz:00 DNSMASQ_INTERFACE=v0|add 00:01:00:01 fd77::9 x
IAID not a number|iaid|DNSMASQ_IAID=12x DNSMASQ_INTERFACE=v0|add 00:01:00:01 fd77::9 x
IAID beyond 32 bits|iaid|DNSMASQ_IAID=4294967296 DNSMASQ_INTERFACE=v0|add 00:01:00:01 fd77::9 x
server DUID malformed|server-duid|DNSMASQ_SERVER_DUID=00:1 DNSMASQ_INTERFACE=v0|add 00:01:00:01 fd77::9 x
hostname with a dot|hostname|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9 a.b
hostname starting with a hyphen|hostname|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9 -abc
hostname of 64 characters|hostname|DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
domain with an empty label|domain|DNSMASQ_DOMAIN=lan..test DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9 x
client-id malformed|client-id|DNSMASQ_CLIENT_ID=01:5 DNSMASQ_INTERFACE=v0|add 52:54:00:00:00:09 10.0.0.9 x
CASES
is "... and every such lease deleted again: the database is as before" "$(dump --master --all --json)" "$(head -n -1 <<<"$before")"
err=$(DNSMASQ_INTERFACE=v0 helper add 52:54:00:00:00:09 10.0.0.9 x.y 2>&1)
check "the message names the field and value: $err" grep -q "hostname 'x.y' is not a name lease-db serves" <<<"$err"
DNSMASQ_INTERFACE=v0 helper add 52:54:00:00:00:09 10.0.0.9 bad_name
ok $? "a hostname with an underscore is recorded"
check "... and served" grep -q 10.0.0.9 <<<"$(dump -n BAD_NAME)"
helper del 52:54:00:00:00:09 10.0.0.9

# init: dnsmasq lease-file lines, IPv4 then duid then IPv6, expired included.
want="$E 52:54:00:00:00:01 10.0.0.1 guest4 01:52:54:00:00:00:01
1000 52:54:00:00:00:02 10.1.0.2 other *
duid 00:01:00:01:2c:aa:bb:cc
0 T7 fd77::3b guest6 00:01:00:01:32:96"
is "init prints every lease in lease-file order" "$(helper init)" "$want"
is "init with VIR_BRIDGE_NAME prints that bridge only (no IPv6 there: no duid)" \
	"$(VIR_BRIDGE_NAME=virbr1 LEASE_DB_LIBVIRT_DIR=none helper init)" \
	"1000 52:54:00:00:00:02 10.1.0.2 other *"

# Hostname change as dnsmasq sends it: old without a name, then with the new.
DNSMASQ_OLD_HOSTNAME=guest4 DNSMASQ_LEASE_EXPIRES=$E helper old 52:54:00:00:00:01 10.0.0.1
ok $? "old without hostname"
is "... the name is gone (the header alone)" "$(dump -n guest4 | wc -l)" 1
is "... the interface is kept" "$(dump --json | grep -c '"interface": "v0"')" "2"
DNSMASQ_LEASE_EXPIRES=$E helper old 52:54:00:00:00:01 10.0.0.1 renamed
ok $? "old with the new hostname"
check "... the new name answers" grep -q 10.0.0.1 <<<"$(dump -n renamed)"

helper del 52:54:00:00:00:01 10.0.0.1 renamed
ok $? "del"
is "... the lease is gone (the header alone)" "$(dump -n renamed | wc -l)" 1
helper del 52:54:00:00:00:01 10.0.0.1 renamed
ok $? "del of an unknown lease is not an error"

# Temporary files left by a helper that died are removed by the next one.
touch "$T/run/.leases.mdb.AbC123" "$T/run/.leases.mdb.gen.XyZ789" || bail "touch"
helper add 52:54:00:00:00:05 10.0.0.5 five
ok_if '[ ! -e "$T/run/.leases.mdb.AbC123" ] && [ ! -e "$T/run/.leases.mdb.gen.XyZ789" ]' \
	"stale temporary snapshot files removed"

# Unsafe directories are refused.
chmod 0770 "$LEASE_DB_DIR"
helper add 52:54:00:00:00:06 10.0.0.6 six 2>/dev/null
is "group-writable master directory refused (exit 3)" "$?" 3
chmod 0700 "$LEASE_DB_DIR"
mkdir "$T/elsewhere"
LEASE_DB_SNAPSHOT=$T/link/leases.mdb
ln -s "$T/elsewhere" "$T/link"
LEASE_DB_SNAPSHOT=$T/link/leases.mdb helper add 52:54:00:00:00:06 10.0.0.6 six 2>/dev/null
is "symlinked run directory refused (exit 3)" "$?" 3
is "... nothing written through the symlink" "$(ls -A "$T/elsewhere" 2>&1)" ""
LEASE_DB_SNAPSHOT=$T/run/leases.mdb

done_testing
