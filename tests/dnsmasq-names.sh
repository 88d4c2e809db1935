#!/bin/bash
# Real dnsmasq, real DHCP clients (busybox udhcpc, each with its own MAC):
# only the name dnsmasq accepted (the script's hostname argument) ever
# resolves. A name pinned to another MAC with dhcp-host, or refused by
# dhcp-ignore-names, arrives only as DNSMASQ_SUPPLIED_HOSTNAME and must
# not resolve; every such lease is still recorded and handed back at init.
# Names dnsmasq accepts (my_vm, trailing-) are recorded and resolve.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
for cmd in dnsmasq busybox ip jq; do
	command -v $cmd >/dev/null || skip_all "$cmd not installed"
done
setup_state
ID=names$$
S=${ID}s
C=${ID}c
cleanup() {
	[ -s "$T/dnsmasq.pid" ] && kill "$(cat "$T/dnsmasq.pid")" 2>/dev/null
	[ -n "${DNSMASQ:-}" ] && wait "$DNSMASQ" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	cleanup_state
}
trap cleanup EXIT

ip netns add "$S" && ip netns add "$C" || bail "ip netns add"
ip link add ${ID}a type veth peer name ${ID}b || bail "ip link add"
ip link set ${ID}a netns "$S" && ip link set ${ID}b netns "$C" || bail "ip link set netns"
ip -n "$S" addr add 10.79.0.1/24 dev ${ID}a
ip -n "$S" addr add fd79::1/64 dev ${ID}a nodad
ip -n "$S" link set lo up && ip -n "$S" link set ${ID}a up
ip -n "$C" link set lo up && ip -n "$C" link set ${ID}b up

# dnsmasq runs the helper through a wrapper that logs each call's
# arguments and DNSMASQ_SUPPLIED_HOSTNAME, so the test sees what dnsmasq
# passed.
cat >"$T/script" <<EOF
#!/bin/sh
echo "\$* supplied=\${DNSMASQ_SUPPLIED_HOSTNAME:-}" >>"$T/calls"
exec "$HELPER" "\$@"
EOF
cat >"$T/udhcpc-script" <<'EOF'
#!/bin/sh
case "$1" in
bound|renew) ip addr replace "$ip/24" dev "$interface" ;;
esac
exit 0
EOF
chmod 755 "$T/script" "$T/udhcpc-script"

TRUSTED=52:54:00:79:00:01
start_dnsmasq() {
	rm -f "$T/dnsmasq.pid"
	ip netns exec "$S" env LEASE_DB_DIR="$LEASE_DB_DIR" LEASE_DB_SNAPSHOT="$LEASE_DB_SNAPSHOT" \
		dnsmasq --conf-file=/dev/null --keep-in-foreground --pid-file="$T/dnsmasq.pid" \
		--log-facility="$T/dnsmasq.log" --log-dhcp --port=0 --interface=${ID}a \
		--bind-interfaces --except-interface=lo \
		--dhcp-range=10.79.0.50,10.79.0.150,255.255.255.0,1h --dhcp-range=fd79::10,fd79::ff,64,1h \
		--dhcp-authoritative --no-ping \
		--domain=lan.test --dhcp-script="$T/script" --leasefile-ro \
		--dhcp-host=$TRUSTED,trusted --dhcp-host=52:54:00:79:00:11,pinned2 \
		--dhcp-host=52:54:00:79:00:03,set:rogue --dhcp-ignore-names=tag:rogue \
		--dhcp-name-match=set:wpad-ignore,wpad --dhcp-ignore-names=tag:wpad-ignore &
	DNSMASQ=$!
	for _ in $(seq 50); do
		[ -s "$T/dnsmasq.pid" ] && return 0
		sleep 0.1
	done
	return 1
}
stop_dnsmasq() {
	kill "$DNSMASQ" 2>/dev/null
	wait "$DNSMASQ" 2>/dev/null
	DNSMASQ=
}

# client MAC NAME: a client on its own macvlan (named after the MAC's last
# octet) asks for a lease sending host-name NAME; prints the address.
client() {
	local mac=$1 name=$2 dev=m${1##*:}
	if ! ip -n "$C" link show $dev >/dev/null 2>&1; then
		ip -n "$C" link add $dev link ${ID}b address "$mac" type macvlan mode bridge &&
			ip -n "$C" link set $dev up || return 1
	fi
	timeout 30 ip netns exec "$C" busybox udhcpc -i $dev -f -q -n -t 5 -T 2 -x hostname:"$name" \
		-s "$T/udhcpc-script" >>"$T/udhcpc.log" 2>&1 || return 1
	ip -n "$C" -4 -o addr show dev $dev | awk '{print $4}' | cut -d/ -f1
}
# settle ADDR: wait until dnsmasq has run the script for ADDR's lease
settle() {
	for _ in $(seq 100); do
		grep -q " $1 " "$T/calls" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3 # the script may still be running
}
dumped() { # dumped ADDR: "hostname" of ADDR's lease in lease-db-dump, "-" if none, "missing"
	dump --json | jq -r --arg a "$1" '[.[] | select(.["ip-address"] == $a)] |
		if length == 0 then "missing" else .[0].hostname // "-" end'
}

start_dnsmasq || bail "dnsmasq did not start: $(cat "$T/dnsmasq.log" 2>/dev/null)"

# (a) A name pinned to a MAC with dhcp-host.
a1=$(client $TRUSTED whatever)
ok_if '[[ $a1 == 10.79.0.* ]]' "the trusted client ($TRUSTED, dhcp-host=...,trusted) got $a1"
settle "$a1"
is "dnsmasq named its lease trusted" "$(grep " $a1 " "$T/calls" | tail -1 | awk '{print $4}')" trusted
is "trusted resolves to it (getaddrinfo, as nobody)" "$(lookup nobody trusted)" "$a1"

a2=$(client 52:54:00:79:00:02 trusted)
ok_if '[[ $a2 == 10.79.0.* ]]' "a rogue client sending host-name trusted got $a2"
settle "$a2"
is "dnsmasq refused it the name: no hostname argument, only DNSMASQ_SUPPLIED_HOSTNAME" \
	"$(grep " $a2 " "$T/calls" | tail -1)" "add 52:54:00:79:00:02 $a2 supplied=trusted"
is "trusted still resolves only to the trusted client" "$(lookup nobody trusted)" "$a1"
is "... through gethostbyname2 too (getent hosts)" \
	"$(as nobody getent hosts trusted | awk '{print $1}' | sort | tr '\n' ' ')" "$a1 "
is "the rogue's lease is recorded, without a name" "$(dumped "$a2")" "-"
is "lease-db-dump -n trusted shows only the trusted client's lease" \
	"$(dump --json -n trusted | jq -r 'map(.["ip-address"]) | join(" ")')" "$a1"
a2b=$(client 52:54:00:79:00:02 trusted)
settle "$a2b"
is "the rogue asking again (old) changes nothing: trusted resolves to $a1" "$(lookup nobody trusted)" "$a1"

# While the pinned MAC holds no lease, dnsmasq 2.90 hands its name to
# whoever asks (lease-db follows the hostname argument); when the pinned
# client arrives, dnsmasq takes the name back (old, no hostname argument)
# and so does lease-db.
a12=$(client 52:54:00:79:00:12 pinned2)
settle "$a12"
is "pinned2's MAC has no lease: dnsmasq gives another client the name pinned2" \
	"$(grep " $a12 " "$T/calls" | tail -1 | awk '{print $4}')" pinned2
a11=$(client 52:54:00:79:00:11 whatever2)
settle "$a11"
for _ in $(seq 50); do
	[ "$(dumped "$a12")" = - ] && break
	sleep 0.1
done
is "once the pinned client has its lease, dnsmasq takes the name from the other one" \
	"$(grep " $a12 " "$T/calls" | tail -1)" "old 52:54:00:79:00:12 $a12 supplied="
is "... pinned2 resolves only to the pinned client" "$(lookup nobody pinned2)" "$a11"
is "... the other lease is kept, without a name" "$(dumped "$a12")" "-"

# (b) dhcp-ignore-names, for a tagged client and for wpad as dnsmasq's
# manual recommends.
a3=$(client 52:54:00:79:00:03 rogue-name)
ok_if '[[ $a3 == 10.79.0.* ]]' "a client tagged for dhcp-ignore-names, sending rogue-name, got $a3"
settle "$a3"
is "dnsmasq passed no hostname argument" "$(grep " $a3 " "$T/calls" | tail -1)" \
	"add 52:54:00:79:00:03 $a3 supplied=rogue-name"
is "rogue-name does not resolve" "$(lookup nobody rogue-name)" "not found"
is "... nor rogue-name.lan.test" "$(lookup nobody rogue-name.lan.test)" "not found"
is "its lease is recorded (lease-db-dump), without a name" "$(dumped "$a3")" "-"
a4=$(client 52:54:00:79:00:04 wpad)
settle "$a4"
is "a client sending wpad (dhcp-name-match, dhcp-ignore-names): wpad does not resolve" \
	"$(lookup nobody wpad)" "not found"
is "... its lease is recorded" "$(dumped "$a4")" "-"

# (c) Names dnsmasq accepts that are no RFC 1123 labels.
a5=$(client 52:54:00:79:00:05 my_vm)
settle "$a5"
is "dnsmasq passes my_vm as the hostname argument" "$(grep " $a5 " "$T/calls" | tail -1 | awk '{print $4}')" my_vm
is "my_vm is recorded" "$(dumped "$a5")" my_vm
is "my_vm resolves (getaddrinfo, as nobody)" "$(lookup nobody my_vm)" "$a5"
is "... MY_VM.lan.test too" "$(lookup nobody MY_VM.lan.test)" "$a5"
is "... and through getent hosts" "$(as nobody getent hosts my_vm | awk '{print $1}')" "$a5"
is "reverse lookup names it" "$(as nobody "$GAI" -r "$a5")" my_vm.lan.test
a6=$(client 52:54:00:79:00:06 trailing-)
settle "$a6"
is "trailing- is recorded" "$(dumped "$a6")" trailing-
is "trailing- resolves (getaddrinfo, as nobody)" "$(lookup nobody trailing-)" "$a6"
is "... and through getent hosts" "$(as nobody getent hosts trailing- | awk '{print $1}')" "$a6"
is "lease-db-dump -n trailing- finds it" "$(dump --json -n trailing- | jq -r 'map(.["ip-address"]) | join(" ")')" "$a6"
a7=$(client 52:54:00:79:00:07 -lead)
settle "$a7"
is "a name dnsmasq refuses (-lead): no hostname argument" "$(grep " $a7 " "$T/calls" | tail -1)" \
	"add 52:54:00:79:00:07 $a7 supplied=-lead"
is "... the lease is recorded without a name" "$(dumped "$a7")" "-"

check_not "no helper call failed" grep -q "script process exited with status" "$T/dnsmasq.log"
init=$("$HELPER" init)
for a in "$a1" "$a2" "$a3" "$a4" "$a5" "$a6" "$a7"; do
	check "init hands $a back to dnsmasq" grep -q " $a " <<<"$init"
done

# (d) DHCPv6 client DUIDs longer than RFC 8415's 130 octets. ISC dhclient
# sends at most about 120 octets from its default-duid, so the helper is
# called here with exactly the arguments and environment dnsmasq 2.90
# gives an IPv6 add; the restart below has real dnsmasq hand them back.
hex() { # hex N: N octets of colon hex, a DUID-EN
	local i out=00:02
	for ((i = 2; i < $1; i++)); do out+=:$(printf '%02x' $(((i * 7) % 256))); done
	printf '%s' "$out"
}
duid200=$(hex 200)
duid300=$(hex 300)
v6add() { # v6add DUID ADDRESS IAID MAC NAME
	env DNSMASQ_IAID=$3 DNSMASQ_MAC=$4 DNSMASQ_SERVER_DUID=00:01:00:01:2c:aa:bb:cc:52:54:00:79:00:99 \
		DNSMASQ_INTERFACE=${ID}a DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) DNSMASQ_TIME_REMAINING=3600 \
		DNSMASQ_DOMAIN=lan.test DNSMASQ_SUPPLIED_HOSTNAME=$5 DNSMASQ_TAGS="dhcpv6 ${ID}a" \
		"$HELPER" add "$1" "$2" "$5"
}
v6add "$duid200" fd79::20 4242 52:54:00:79:00:20 duid200
ok $? "an IPv6 add with a 200-octet client DUID is recorded (exit 0)"
is "... with its DUID" "$(dump --json -n duid200 | jq -r '.[0]["client-id"]')" "$duid200"
is "... and duid200 resolves" "$(lookup nobody duid200)" "fd79::20"
err=$(v6add "$duid300" fd79::21 4343 52:54:00:79:00:21 duid300 2>&1)
ok $? "an IPv6 add with a 300-octet client DUID is recorded (exit 0)"
check "... with one warning line: $(head -c 100 <<<"$err")..." \
	test "$(grep -c "client DUID .* is longer than 255 octets, cut to them" <<<"$err")" = 1
is "... its DUID cut to 255 octets (what dnsmasq reads back at init)" \
	"$(dump --json -n duid300 | jq -r '.[0]["client-id"]')" "$(hex 255)"
is "... and duid300 resolves" "$(lookup nobody duid300)" "fd79::21"

# dnsmasq restarted (leasefile-ro): it takes the leases from init and
# calls old for each; nothing changes.
# (The DUIDs aside: dnsmasq hands back only 100 octets of each, below.)
keep='map(del(.["expiry-time"]) | if .["ip-address"] | contains(":") then del(.["client-id"]) else . end)'
before=$(dump --json | jq -S "$keep")
olds=$(grep -c "^old " "$T/calls")
leases=$(dump --json | jq length)
stop_dnsmasq
start_dnsmasq || bail "dnsmasq did not restart"
for _ in $(seq 100); do
	[ "$(grep -c "^old " "$T/calls")" -ge $((olds + leases)) ] && break
	sleep 0.1
done
sleep 0.5
is "after a dnsmasq restart every lease is as it was" "$(dump --json | jq -S "$keep")" "$before"
is "trusted resolves only to $a1" "$(lookup nobody trusted)" "$a1"
is "rogue-name does not resolve" "$(lookup nobody rogue-name)" "not found"
is "my_vm resolves" "$(lookup nobody my_vm)" "$a5"
# dnsmasq 2.90 passes a DUID of more than 100 octets cut to its first 100
# and a trailing ':' (seen here).
check "dnsmasq took the 200-octet DUID back from init: old with its first 100 octets" \
	grep -q "^old $(hex 100): fd79::20 duid200" "$T/calls"
is "... and records it as dnsmasq passed it" "$(dump --json -n duid200 | jq -r '.[0]["client-id"]')" "$(hex 100)"
is "duid200 and duid300 still resolve" "$(lookup nobody duid200) $(lookup nobody duid300)" "fd79::20 fd79::21"
check_not "no helper call failed" grep -q "script process exited with status" "$T/dnsmasq.log"
done_testing
