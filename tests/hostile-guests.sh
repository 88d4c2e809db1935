#!/bin/bash
# A guest controls the hostname it sends. It cannot claim localhost (or a
# variant), wpad, isatap or this host's name, cannot smuggle dots, NULs or
# bad characters in, and cannot make a lookup for another guest's name
# return its address.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
printf 'hosts: leasedb\n' >"$T/nsswitch.conf" # nothing else may answer
export LEASE_DB_LIBVIRT_DIR=none
self=$(hostname | cut -d. -f1)
add() { DNSMASQ_DOMAIN=lan.test DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add "$@"; }

add 52:54:00:00:00:01 10.0.0.1 alpha || bail "add alpha"
reserved="localhost LocalHost localhost4 localhost6 ip6-localhost ip6-loopback wpad WPAD isatap $self"
for name in $reserved; do
	err=$(add 52:54:00:00:00:02 10.0.0.2 "$name" 2>&1)
	ok $? "hostname '$name': the lease is still recorded (exit 0)"
	check "... with a warning: $err" grep -q "hostname '$name' is reserved" <<<"$err"
	is "... but without the name" "$(dump --json | jq -r '.[] | select(.["ip-address"]=="10.0.0.2") | .hostname // "none"')" none
	is "... and '$name' is not served" "$(lookup nobody "$name")" "not found"
done

# Not served, whoever passes them (dnsmasq never does): the lease is
# recorded without the name, with one warning line.
for name in alpha. alpha.lan.test _alpha "alp ha" -alpha "alpha%00" "$(printf 'alpha\tx')" "$(printf 'caf\xc3\xa9')"; do
	err=$(add 52:54:00:00:00:03 10.0.0.3 "$name" 2>&1)
	ok $? "hostname '$name': the lease is recorded (exit 0)"
	is "... with one warning line: $err" "$(grep -c "is not a name lease-db serves" <<<"$err")" 1
	is "... without the name" "$(dump --json | jq -r '.[] | select(.["ip-address"]=="10.0.0.3") | .hostname // "none"')" none
done
is "alpha still resolves only to alpha's lease" "$(resolve nobody alpha)" 10.0.0.1
add 52:54:00:00:00:03 10.0.0.3 alpha-2
is "a guest named alpha-2 does not answer for alpha" "$(resolve nobody alpha)" 10.0.0.1
is "... nor for alpha.lan.test" "$(resolve nobody alpha.lan.test)" 10.0.0.1
is "the domain is dnsmasq's, not the guest's: alpha-2.other is not found" "$(lookup nobody alpha-2.other)" "not found"

# Leases taken over from libvirt's status file, which stored anything.
L=$T/libvirt
mkdir -p "$L"
cat >"$L/virbr0.status" <<'JSON'
[ { "ip-address": "10.1.0.1", "mac-address": "52:54:00:00:01:01", "hostname": "localhost", "expiry-time": 0 },
  { "ip-address": "10.1.0.2", "mac-address": "52:54:00:00:01:02", "hostname": "evil\u0000alpha", "expiry-time": 0 },
  { "ip-address": "10.1.0.3", "mac-address": "52:54:00:00:01:03", "hostname": "bad name", "expiry-time": 0 },
  { "ip-address": "10.1.0.4", "mac-address": "52:54:00:00:01:04", "hostname": "wpad", "expiry-time": 0 },
  { "ip-address": "10.1.0.5", "mac-address": "52:54:00:00:01:05", "hostname": "ip6-localhost", "expiry-time": 0 },
  { "ip-address": "10.1.0.6", "mac-address": "52:54:00:00:01:06", "hostname": "ISATAP", "expiry-time": 0 } ]
JSON
LEASE_DB_LIBVIRT_DIR=$L VIR_BRIDGE_NAME=virbr0 "$HELPER" init >/dev/null 2>&1
ok $? "importing a status file with hostile names"
is "... the leases are kept, their names dropped" \
	"$(dump --json | jq -r '.[] | select(.interface=="virbr0") | "\(.["ip-address"]) \(.hostname // "-")"' | tr '\n' ' ')" \
	"10.1.0.1 - 10.1.0.2 - 10.1.0.3 - 10.1.0.4 - 10.1.0.5 - 10.1.0.6 - "
# (alpha is the lease added above, outside 10.1.0.0/24; nothing else resolves)
for name in localhost evil alpha wpad ip6-localhost isatap; do
	want="not found"
	[ "$name" = alpha ] && want=10.0.0.1
	is "... '$name' does not resolve to an imported lease" "$(lookup nobody "$name")" "$want"
done
is "reverse lookup of such a lease gives no name" "$(lookup nobody -r 10.1.0.1)" "not found"

# Leases that carry such names all the same (recorded by an older version,
# or before the host was renamed): the module does not answer them.
export LEASE_DB_DIR=$T/old LEASE_DB_SNAPSHOT=$T/old-run/leases.mdb
mkdir -p "$T/old-run"
"$MKLEASES" "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" <<EOF || bail "mkleases"
fine 10.2.0.1 0 lan.test 52:54:00:00:02:01
wpad 10.2.0.2 0 lan.test 52:54:00:00:02:02
isatap 10.2.0.3 0 lan.test 52:54:00:00:02:03
localhost 10.2.0.4 0 localdomain 52:54:00:00:02:04
localhost6 10.2.0.5 0 lan.test 52:54:00:00:02:05
ip6-loopback 10.2.0.6 0 lan.test 52:54:00:00:02:06
$self 10.2.0.7 0 example.org 52:54:00:00:02:07
-dash 10.2.0.8 0 lan.test 52:54:00:00:02:08
_under 10.2.0.9 0 lan.test 52:54:00:00:02:09
my_vm 10.2.0.10 0 lan.test 52:54:00:00:02:10
EOF
is "a lease's own name still resolves" "$(resolve nobody -4 fine)" 10.2.0.1
for name in wpad WPAD. wpad.lan.test isatap localhost.localdomain localhost6 ip6-loopback \
	"$self" "$self.example.org"; do
	is "'$name' is not answered from a lease that claims it" \
		"$(lookup nobody -4 "$name")" "not found"
	is "... lease-db-dump -n '$name' shows nothing either" \
		"$(dump --json -n "$name" | jq -c 'map(.["ip-address"])')" '[]'
done
is "... while lease-db-dump -n fine shows its lease" \
	"$(dump --json -n fine | jq -c 'map(.["ip-address"])')" '["10.2.0.1"]'
is "reverse lookup of the wpad lease gives no name" "$(lookup nobody -r 10.2.0.2)" "not found"
# Names outside the served-name rule, held by leases all the same: the
# modules and lease-db-dump apply the rule the helper records names by.
for name in -dash _under; do
	is "'$name' (not a served name) is not answered from a lease that holds it" \
		"$(lookup nobody -4 -- "$name")" "not found"
	is "... lease-db-dump -n '$name' shows nothing either" \
		"$(dump --json -n "$name" | jq -c 'map(.["ip-address"])')" '[]'
done
is "reverse lookup of the -dash lease gives no name" "$(lookup nobody -r 10.2.0.8)" "not found"
is "a served name with an underscore resolves: my_vm" "$(resolve nobody -4 my_vm)" 10.2.0.10
is "... My_VM.lan.test too" "$(resolve nobody -4 My_VM.lan.test)" 10.2.0.10
done_testing
