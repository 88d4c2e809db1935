# Throwaway network namespaces with a real dnsmasq running lease-db-helper
# and real DHCP clients; shared by tests/dnsmasq.sh and demo.sh.
# Needs: root, iproute2, dnsmasq-base, isc-dhcp-client. Uses $T (state dir),
# $HELPER, LEASE_DB_DIR and LEASE_DB_SNAPSHOT.

NS_ID=${NS_ID:-ldb$$}
NS_S=${NS_ID}s
NS_C=${NS_ID}c

ns_up() {
	ip netns add "$NS_S" && ip netns add "$NS_C" || return 1
	ip link add "${NS_ID}a" type veth peer name "${NS_ID}b" || return 1
	ip link set "${NS_ID}a" netns "$NS_S" && ip link set "${NS_ID}b" netns "$NS_C" || return 1
	# DAD off before link up, or dhclient -6 fails silently.
	ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.${NS_ID}a.accept_dad=0"
	ip netns exec "$NS_C" sysctl -qw "net.ipv6.conf.${NS_ID}b.accept_dad=0"
	ip -n "$NS_S" addr add 10.77.0.1/24 dev "${NS_ID}a"
	ip -n "$NS_S" addr add fd77::1/64 dev "${NS_ID}a" nodad
	ip -n "$NS_S" link set lo up && ip -n "$NS_S" link set "${NS_ID}a" up
	ip -n "$NS_C" link set lo up && ip -n "$NS_C" link set "${NS_ID}b" up
	# Only addresses on the namespace's interface: the stock script would
	# rewrite /etc/resolv.conf. The address is needed to unicast a release.
	cat >"$T/dhclient-script" <<'SCRIPT'
#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/24" dev "$interface" ;;
BOUND6|RENEW6|REBIND6) ip -6 addr replace "$new_ip6_address/128" dev "$interface" nodad ;;
RELEASE|EXPIRE|STOP) [ -n "$old_ip_address" ] && ip addr del "$old_ip_address/24" dev "$interface" ;;
RELEASE6|EXPIRE6|STOP6) [ -n "$old_ip6_address" ] && ip -6 addr del "$old_ip6_address/128" dev "$interface" ;;
esac
exit 0
SCRIPT
	chmod 755 "$T/dhclient-script"
}

# ns_dnsmasq [extra dnsmasq options...]: start dnsmasq with our helper.
ns_dnsmasq() {
	ip netns exec "$NS_S" env LEASE_DB_DIR="$LEASE_DB_DIR" LEASE_DB_SNAPSHOT="$LEASE_DB_SNAPSHOT" \
		dnsmasq --conf-file=/dev/null --keep-in-foreground --pid-file="$T/dnsmasq.pid" \
		--log-facility="$T/dnsmasq.log" --log-dhcp --port=0 --interface="${NS_ID}a" \
		--bind-interfaces --except-interface=lo \
		--dhcp-range=10.77.0.50,10.77.0.150,255.255.255.0,1h \
		--dhcp-range=fd77::10,fd77::ff,64,1h --enable-ra --dhcp-authoritative --no-ping \
		--domain=lan.test --dhcp-script="$HELPER" --leasefile-ro "$@" &
	NS_DNSMASQ=$!
	for _ in $(seq 50); do
		[ -s "$T/dnsmasq.pid" ] && return 0
		sleep 0.1
	done
	return 1
}

ns_dnsmasq_stop() {
	[ -n "${NS_DNSMASQ:-}" ] || return 0
	kill "$NS_DNSMASQ" 2>/dev/null
	wait "$NS_DNSMASQ" 2>/dev/null
	NS_DNSMASQ=
	rm -f "$T/dnsmasq.pid"
}

# ns_dhclient 4|6 HOSTNAME [-r]: obtain (or with -r release) a lease.
ns_dhclient() {
	local fam=$1 name=$2
	shift 2
	if [ "$fam" = 4 ]; then
		printf 'send host-name "%s";\n' "$name" >"$T/dh4.conf"
	else
		printf 'send fqdn.fqdn "%s";\n' "$name" >"$T/dh6.conf"
	fi
	timeout 40 ip netns exec "$NS_C" dhclient -"$fam" -1 -cf "$T/dh$fam.conf" -sf "$T/dhclient-script" \
		-pf "$T/dh$fam.pid" -lf "$T/dh$fam.leases" "$@" "${NS_ID}b" 2>>"$T/dhclient.log"
}

# Wait until dnsmasq has run the helper for everything it queued.
ns_settle() {
	local want=$1
	for _ in $(seq 100); do
		grep -q "$want" "$T/dnsmasq.log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

ns_down() {
	ns_dnsmasq_stop
	for f in "$T"/dh4.pid "$T"/dh6.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	# dhclient stays in the background once it has a lease, and each call
	# overwrites the pid file (after its parent has returned): every
	# dhclient naming this test's files goes.
	pkill -f "dhclient .*$T/" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	return 0
}
