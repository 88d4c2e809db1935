#!/bin/bash
# Real dnsmasq as libvirt runs it (--leasefile-ro, VIR_BRIDGE_NAME in its
# environment), two networks at once writing into one database, real DHCP
# clients (dhclient v4 and v6, busybox udhcpc), libvirt's status files kept,
# names resolved through getaddrinfo as nobody.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
for cmd in dnsmasq dhclient busybox ip; do
	command -v $cmd >/dev/null || skip_all "$cmd not installed"
done
setup_state
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
ID=lv$$
S=${ID}s
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for f in "$T"/*.pid; do [ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
	wait 2>/dev/null
	for n in 0 1; do ip netns del ${ID}c$n 2>/dev/null; done
	ip netns del "$S" 2>/dev/null
	cleanup_state
}
trap cleanup EXIT

# Network n: bridge-like interface ${ID}a$n in the server namespace,
# 10.7$n.0.0/24 and fd7$n::/64, the client side in namespace ${ID}c$n.
ip netns add "$S" || bail "ip netns add"
ip -n "$S" link set lo up
for n in 0 1; do
	C=${ID}c$n
	ip netns add "$C"
	ip link add ${ID}a$n type veth peer name ${ID}b$n
	ip link set ${ID}a$n netns "$S"
	ip link set ${ID}b$n netns "$C"
	ip netns exec "$S" sysctl -qw net.ipv6.conf.${ID}a$n.accept_dad=0
	ip netns exec "$C" sysctl -qw net.ipv6.conf.${ID}b$n.accept_dad=0
	ip -n "$S" addr add 10.7$n.0.1/24 dev ${ID}a$n
	ip -n "$S" addr add fd7$n::1/64 dev ${ID}a$n nodad
	ip -n "$S" link set ${ID}a$n up
	ip -n "$C" link set lo up
	ip -n "$C" link set ${ID}b$n up
done

start_dnsmasq() { # start_dnsmasq N
	local n=$1
	ip netns exec "$S" env VIR_BRIDGE_NAME=${ID}a$n LEASE_DB_DIR="$LEASE_DB_DIR" \
		LEASE_DB_SNAPSHOT="$LEASE_DB_SNAPSHOT" LEASE_DB_LIBVIRT_DIR="$L" \
		dnsmasq --conf-file=/dev/null --keep-in-foreground --pid-file="$T/dnsmasq$n.pid" \
		--log-facility="$T/dnsmasq$n.log" --port=0 --interface=${ID}a$n --bind-interfaces \
		--except-interface=lo --dhcp-range=10.7$n.0.50,10.7$n.0.250,255.255.255.0,1h \
		--dhcp-range=fd7$n::10,fd7$n::ff,64,1h --enable-ra --dhcp-authoritative --no-ping \
		--domain=net$n.test --dhcp-script="$HELPER" --leasefile-ro &
	DNSMASQ[$n]=$!
	for _ in $(seq 50); do [ -s "$T/dnsmasq$n.pid" ] && return 0; sleep 0.1; done
	return 1
}
stop_dnsmasq() {
	kill "${DNSMASQ[$1]}" 2>/dev/null
	wait "${DNSMASQ[$1]}" 2>/dev/null
	rm -f "$T/dnsmasq$1.pid"
}

# Clients: addresses applied in their own namespace only.
cat >"$T/dhclient-script" <<'SCRIPT'
#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/24" dev "$interface" ;;
BOUND6|RENEW6|REBIND6) ip -6 addr replace "$new_ip6_address/128" dev "$interface" nodad ;;
RELEASE|EXPIRE|STOP) [ -n "$old_ip_address" ] && ip addr del "$old_ip_address/24" dev "$interface" ;;
esac
exit 0
SCRIPT
cat >"$T/udhcpc-script" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew) ip addr replace "$ip/24" dev "$interface" ;;
deconfig) ip addr flush dev "$interface" scope global ;;
esac
exit 0
SCRIPT
chmod 755 "$T/dhclient-script" "$T/udhcpc-script"

dhc() { # dhc N FAMILY NAME [extra args]: dhclient on network N
	local n=$1 fam=$2 name=$3
	shift 3
	if [ "$fam" = 4 ]; then
		printf 'send host-name "%s";\n' "$name" >"$T/dh$n-$fam.conf"
	else
		printf 'send fqdn.fqdn "%s";\n' "$name" >"$T/dh$n-$fam.conf"
	fi
	timeout 40 ip netns exec ${ID}c$n dhclient -$fam -1 -cf "$T/dh$n-$fam.conf" -sf "$T/dhclient-script" \
		-pf "$T/dh$n-$fam.pid" -lf "$T/dh$n-$fam.leases" "$@" ${ID}b$n 2>>"$T/dhclient.log"
}

# poll NAME WANT: up to 10 s until NAME resolves (as nobody) to WANT
poll() {
	local got
	for _ in $(seq 100); do
		got=$(resolve nobody "$1" 2>/dev/null | tr '\n' ' ')
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}
gone() { # gone NAME: up to 10 s until NAME no longer resolves
	for _ in $(seq 100); do
		resolve nobody "$1" >/dev/null 2>&1
		[ $? -eq 2 ] && return 0
		sleep 0.1
	done
	return 1
}
status_ips() { jq -r '.[]["ip-address"]' "$L/${ID}a$1.status" 2>/dev/null | sort | tr '\n' ' '; }

start_dnsmasq 0 && start_dnsmasq 1
ok $? "two dnsmasq instances, one per network, both running lease-db-helper"

dhc 0 4 alpha
ok $? "dhclient -4 on network 0 as alpha"
a4=$(sed -n 's/^ *fixed-address \(.*\);/\1/p' "$T/dh0-4.leases" | tail -1)
is "alpha resolves" "$(poll alpha "$a4 ")" "$a4 "
dhc 0 6 alpha
ok $? "dhclient -6 on network 0 as alpha"
a6=$(sed -n 's/^ *iaaddr \([^ ]*\) {/\1/p' "$T/dh0-6.leases" | tail -1)
is "alpha resolves to both leases" "$(poll alpha "$a4 $a6 ")" "$a4 $a6 "
is "alpha.net0.test resolves" "$(resolve nobody -4 alpha.net0.test)" "$a4"

timeout 30 ip netns exec ${ID}c1 busybox udhcpc -i ${ID}b1 -f -q -n -t 5 -T 2 -x hostname:bravo \
	-s "$T/udhcpc-script" >"$T/udhcpc.log" 2>&1
ok $? "udhcpc on network 1 as bravo"
b4=$(ip -n ${ID}c1 -4 -o addr show dev ${ID}b1 | awk '{print $4}' | cut -d/ -f1)
is "bravo resolves" "$(poll bravo "$b4 ")" "$b4 "

is "libvirt's status file for network 0 lists alpha's leases" "$(status_ips 0)" "$(printf '%s\n' "$a4" "$a6" | sort | tr '\n' ' ')"
is "... and for network 1 bravo's" "$(status_ips 1)" "$b4 "

# Hostname change: the client asks again under a new name.
ip netns exec ${ID}c0 dhclient -4 -x -pf "$T/dh0-4.pid" ${ID}b0 2>/dev/null
dhc 0 4 alpha2
ok $? "dhclient -4 asks again as alpha2"
is "alpha2 resolves to the same address" "$(poll alpha2 "$a4 ")" "$a4 "
is "alpha now only has its IPv6 lease" "$(poll alpha "$a6 ")" "$a6 "
is "status file follows the new name" \
	"$(jq -r --arg ip "$a4" '.[] | select(.["ip-address"]==$ip) | .hostname' "$L/${ID}a0.status")" alpha2

# dnsmasq restart: init prints the leases back, none is lost.
before=$("$DUMP" --json | jq -S 'map(del(.["expiry-time"]))')
stop_dnsmasq 0
start_dnsmasq 0
ok $? "dnsmasq on network 0 restarted (init)"
sleep 1
is "every lease survives the restart" "$("$DUMP" --json | jq -S 'map(del(.["expiry-time"]))')" "$before"
is "alpha2 still resolves" "$(resolve nobody -4 alpha2)" "$a4"

# Release removes the name.
dhc 0 4 alpha2 -r
ok $? "dhclient -4 releases"
gone alpha2
ok $? "alpha2 no longer resolves"
is "its record left the status file" "$(status_ips 0)" "$a6 "

# Many clients on both networks at once: every event recorded.
K=8
for n in 0 1; do
	for i in $(seq $K); do
		ip -n ${ID}c$n link add m$i link ${ID}b$n type macvlan mode bridge
		ip -n ${ID}c$n link set m$i up
	done
done
for n in 0 1; do
	for i in $(seq $K); do
		timeout 60 ip netns exec ${ID}c$n busybox udhcpc -i m$i -f -q -n -t 8 -T 2 \
			-x hostname:burst$n-$i -s "$T/udhcpc-script" >>"$T/burst.log" 2>&1 &
		PIDS+=($!)
	done
done
failed=0
for p in "${PIDS[@]}"; do wait "$p" || failed=$((failed + 1)); done
PIDS=()
is "$((2 * K)) clients on two networks got leases at once" "$failed" 0
missing=0
for n in 0 1; do
	for i in $(seq $K); do
		want=$(ip -n ${ID}c$n -4 -o addr show dev m$i | awk '{print $4}' | cut -d/ -f1)
		got=$(poll burst$n-$i "$want ")
		[ "$got" = "$want " ] || { missing=$((missing + 1)); echo "# burst$n-$i: got '$got' want '$want'"; }
	done
done
is "every one of them resolves to its own address" "$missing" 0
is "network 0's status file has all of its clients" "$(jq '[.[] | select(.hostname // "" | startswith("burst0-"))] | length' "$L/${ID}a0.status")" $K
is "network 1's status file has all of its clients" "$(jq '[.[] | select(.hostname // "" | startswith("burst1-"))] | length' "$L/${ID}a1.status")" $K
# dnsmasq logs every DHCP exchange and each failed helper run.
for n in 0 1; do
	check "dnsmasq $n's log holds its DHCP exchanges" grep -q DHCPACK "$T/dnsmasq$n.log"
	check_not "... and no helper failure" grep -q "script process exited with status" "$T/dnsmasq$n.log"
done
done_testing
