#!/bin/bash
# End to end: real dnsmasq in a network namespace runs lease-db-helper; a
# real DHCP client sends a hostname; the name resolves through getaddrinfo
# as an unprivileged user; a release removes it.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
for cmd in dnsmasq dhclient ip; do
	command -v $cmd >/dev/null || skip_all "$cmd not installed"
done
setup_state
. "$TOP_SRCDIR/tests/netns.sh"
trap "ns_down; [ -n \"${KEEP:-}\" ] || cleanup_state" EXIT

# poll USER NAME WANT: wait up to 10 s for NAME to resolve to WANT
poll() {
	local got
	for _ in $(seq 100); do
		got=$(resolve "$1" "$2" 2>/dev/null | tr '\n' ' ')
		[ "$got" = "$3" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}

ns_up || bail "could not create network namespaces"
check "dnsmasq started with --dhcp-script=lease-db-helper --leasefile-ro" ns_dnsmasq ||
	bail "dnsmasq did not start: $(cat "$T/dnsmasq.log" 2>/dev/null)"

ns_dhclient 4 guest4
ok $? "dhclient -4 obtained a lease, sending host-name guest4"
addr4=$(sed -n 's/^ *fixed-address \(.*\);/\1/p' "$T/dh4.leases" | tail -1)
ok_if '[[ $addr4 == 10.77.0.* ]]' "... address $addr4"
is "guest4 resolves for nobody via getaddrinfo" "$(poll nobody guest4 "$addr4 ")" "$addr4 "
is "guest4.lan.test resolves" "$(resolve nobody guest4.lan.test | tr '\n' ' ')" "$addr4 "
is "reverse lookup names it" "$(as nobody "$GAI" -r "$addr4")" guest4.lan.test

ns_dhclient 6 guest6
ok $? "dhclient -6 obtained a lease, sending fqdn guest6"
addr6=$(sed -n 's/^ *iaaddr \([^ ]*\) {/\1/p' "$T/dh6.leases" | tail -1)
ok_if '[[ $addr6 == fd77::* ]]' "... address $addr6"
is "guest6 resolves to its IPv6 lease" "$(poll nobody guest6 "$addr6 ")" "$addr6 "

row=$("$DUMP" -n guest4 | tail -n +2)
check "lease-db-dump shows the lease: $row" grep -q "guest4 *$addr4 .* ${NS_ID}a .*in " <<<"$row"

# dnsmasq restart: init prints the leases back, old re-adds them.
ns_dnsmasq_stop
ns_dnsmasq || bail "dnsmasq did not restart"
is "after a dnsmasq restart (init) guest4 still resolves" "$(poll nobody guest4 "$addr4 ")" "$addr4 "

ns_dhclient 4 guest4 -r
ok $? "dhclient -4 released its lease"
for _ in $(seq 100); do
	resolve nobody guest4 >/dev/null 2>&1
	[ $? -eq 2 ] && break
	sleep 0.1
done
is "after the release guest4 no longer resolves" "$(lookup nobody guest4)" "not found"
is "guest6 is unaffected" "$(resolve nobody guest6 | tr '\n' ' ')" "$addr6 "
# dnsmasq logs every DHCP exchange (--log-dhcp) and each failed helper run.
check "dnsmasq's log holds its DHCP exchanges" grep -q DHCPACK "$T/dnsmasq.log"
check_not "... and no helper failure" grep -q "script process exited with status" "$T/dnsmasq.log"
done_testing
