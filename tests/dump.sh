#!/bin/bash
# lease-db-dump: table, JSON, filters, expired leases, errors and exit codes.
. "$TOP_SRCDIR/tests/lib.sh"
setup_state

err=$(dump 2>&1); rc=$?
is "no database: exit 2" "$rc" 2
check "... the message names the file: $err" grep -qF "$LEASE_DB_SNAPSHOT" <<<"$err"
dump --bogus >/dev/null 2>&1
is "unknown option: exit 1" "$?" 1
dump extra >/dev/null 2>&1
is "stray argument: exit 1" "$?" 1

E=$(( $(now) + 7200 ))
DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_INTERFACE=virbr0 DNSMASQ_DOMAIN=lan.test \
	helper add 52:54:00:00:00:01 10.0.0.1 alpha
DNSMASQ_LEASE_EXPIRES=0 DNSMASQ_INTERFACE=virbr1 helper add 52:54:00:aa:bb:02 10.1.0.2 a-much-longer-name
DNSMASQ_LEASE_EXPIRES=1000 DNSMASQ_INTERFACE=virbr0 helper add 52:54:00:00:00:03 10.0.0.3 gone
DNSMASQ_LEASE_EXPIRES=0 DNSMASQ_INTERFACE=virbr1 DNSMASQ_IAID=9 DNSMASQ_MAC=52:54:00:aa:bb:02 \
	helper add 00:01:00:01:aa fd00::2 a-much-longer-name

table=$(dump); rc=$?
ok $rc "table: exit 0"
is "table has a header and one line per unexpired lease" "$(wc -l <<<"$table")" 4
check "header columns" grep -q '^HOSTNAME  *IP ADDRESS  *MAC ADDRESS  *INTERFACE  *EXPIRES$' <<<"$(head -1 <<<"$table")"
cols=$(awk '{print index($0, $2)}' <<<"$table" | sort -u | wc -l)
is "columns are aligned" "$cols" 1
check "expiry in human terms" grep -q 'alpha .* 10.0.0.1 .* 52:54:00:00:00:01 .* virbr0 .* in 1h 59m\|alpha .* in 2h 0m' <<<"$table"
check "infinite lease: never" grep -q 'a-much-longer-name .* never' <<<"$table"
check_not "expired lease hidden" grep -q gone <<<"$table"
check "--all shows it as expired" grep -q 'gone .*expired .* ago' <<<"$(dump --all)"

is "--name matches case-insensitively" "$(dump -n ALPHA | tail -n +2 | awk '{print $2}')" 10.0.0.1
is "--name matches host.domain" "$(dump -n alpha.lan.test. | tail -n +2 | awk '{print $2}')" 10.0.0.1
is "--interface filters" "$(dump -i virbr1 | tail -n +2 | awk '{print $2}' | sort | tr '\n' ' ')" "10.1.0.2 fd00::2 "

json=$(dump --json)
if command -v jq >/dev/null; then
	is "--json is valid JSON with one object per lease" "$(jq length <<<"$json")" 3
	is "--json libvirt field names" "$(jq -r '.[] | select(.hostname=="alpha") | [.["ip-address"], .["mac-address"], .["expiry-time"], .interface, .domain] | join(" ")' <<<"$json")" \
		"10.0.0.1 52:54:00:00:00:01 $E virbr0 lan.test"
	is "--json IPv6: iaid and client-id" "$(jq -r '.[] | select(.["ip-address"]=="fd00::2") | [.iaid, .["client-id"]] | join(" ")' <<<"$json")" "9 00:01:00:01:aa"
else
	skip "jq not installed"
fi

is "--master shows the same leases" "$(dump --master --json)" "$json"

chmod 0666 "$LEASE_DB_SNAPSHOT"
err=$(dump 2>&1); rc=$?
is "world-writable snapshot refused: exit 3" "$rc" 3
check "... and says why: $err" grep -q 'not trusted' <<<"$err"
chmod 0644 "$LEASE_DB_SNAPSHOT"
printf 'garbage' >"$T/bad.mdb"
LEASE_DB_SNAPSHOT=$T/bad.mdb "$DUMP" >/dev/null 2>&1
is "invalid snapshot: exit 3" "$?" 3
done_testing
