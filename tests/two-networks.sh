#!/bin/bash
# The same address leased on two networks (libvirt's tests/nssdata has
# 192.168.122.3 on virbr0 and virbr1; isolated networks reuse subnets):
# two leases, keyed by interface. Real helper events, the real resolver
# as root and as nobody, lease-db-dump, init per bridge; once publishing
# full snapshots, once publishing deltas.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
export LEASE_DB_LIBVIRT_DIR=none

E=$(( $(now) + 3600 ))
A=192.168.122.3
# ev IFACE-VARIABLE=BRIDGE EXPIRY ACTION MAC ADDRESS [NAME]
ev() { env "$1" DNSMASQ_LEASE_EXPIRES="$2" "$HELPER" "${@:3}"; }
count_dumped() { dump --all 2>&1 | grep -c " $A "; }

for mode in full delta; do
	export LEASE_DB_DIR=$T/$mode/master LEASE_DB_SNAPSHOT=$T/$mode/run/leases.mdb
	mkdir -m 0755 "$T/$mode" || bail "mkdir"
	if [ $mode = delta ]; then
		export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=100 LEASE_DB_DELTA_DIV=1
		# A base to publish deltas over.
		ev DNSMASQ_INTERFACE=virbr9 $E add 52:54:00:00:00:99 10.9.9.9 base-lease
	fi
	ev DNSMASQ_INTERFACE=virbr0 $E add 52:54:00:00:00:a0 $A alpha
	ok $? "$mode: add $A on virbr0"
	ev DNSMASQ_INTERFACE=virbr1 $((E + 100)) add 52:54:00:00:00:b1 $A beta
	ok $? "$mode: add $A on virbr1"
	for u in root nobody; do
		is "$mode: $u: the virbr0 lease resolves" "$(resolve $u alpha)" $A
		is "$mode: $u: the virbr1 lease, same address, resolves" "$(resolve $u beta)" $A
		is "$mode: $u: reverse lookup answers the newest expiry" "$(as $u "$GAI" -r $A)" beta
	done
	is "$mode: lease-db-dump shows both" "$(count_dumped)" 2
	is "$mode: lease-db-dump shows both interfaces" \
		"$(dump --all 2>&1 | grep " $A " | awk '{print $4}' | sort | tr '\n' ' ')" "virbr0 virbr1 "

	out=$(DNSMASQ_INTERFACE=virbr0 "$HELPER" init)
	is "$mode: init on virbr0 hands back exactly virbr0's lease" \
		"$(grep " $A " <<<"$out" | awk '{print $2, $4}')" "52:54:00:00:00:a0 alpha"
	out=$(VIR_BRIDGE_NAME=virbr1 "$HELPER" init)
	is "$mode: init on virbr1 (VIR_BRIDGE_NAME) hands back exactly virbr1's lease" \
		"$(grep " $A " <<<"$out" | awk '{print $2, $4}')" "52:54:00:00:00:b1 beta"
	out=$("$HELPER" init)
	is "$mode: init naming no interface hands back both" "$(grep -c " $A " <<<"$out")" 2

	ev DNSMASQ_INTERFACE=virbr1 $((E + 200)) old 52:54:00:00:00:b1 $A beta2
	ok $? "$mode: old on virbr1 with a new name"
	is "$mode: root: ... the virbr0 lease still resolves" "$(resolve root alpha)" $A
	is "$mode: root: ... the new name resolves" "$(resolve root beta2)" $A
	resolve root beta >/dev/null 2>&1
	ok $(( $? != 2 )) "$mode: root: ... the old name no longer does"

	# libvirt's dnsmasq leaves DNSMASQ_INTERFACE out on del; the bridge
	# comes from VIR_BRIDGE_NAME.
	ev VIR_BRIDGE_NAME=virbr0 0 del 52:54:00:00:00:a0 $A
	ok $? "$mode: del on virbr0"
	for u in root nobody; do
		resolve $u alpha >/dev/null 2>&1
		ok $(( $? != 2 )) "$mode: $u: ... the virbr0 lease is gone"
		is "$mode: $u: ... the virbr1 lease, same address, still resolves" \
			"$(resolve $u beta2)" $A
		is "$mode: $u: ... and answers the reverse lookup" "$(as $u "$GAI" -r $A)" beta2
	done
	is "$mode: lease-db-dump shows the one left" "$(count_dumped)" 1

	# dnsmasq without libvirt names no interface on del: the lease whose
	# client it names goes, and only that one.
	ev DNSMASQ_INTERFACE=virbr0 $E add 52:54:00:00:00:a0 $A alpha
	ev DNSMASQ_LEASE_EXPIRES=0 0 del 52:54:00:00:00:b1 $A
	ok $? "$mode: del naming no interface, virbr1's client"
	is "$mode: root: ... virbr1's lease is gone" "$(resolve root beta2)" ""
	is "$mode: root: ... virbr0's stays" "$(resolve root alpha)" $A

	if [ $mode = delta ]; then
		ok $([ -f "$LEASE_DB_SNAPSHOT.delta" ]; echo $?) "$mode: answers came through a delta"
	else
		ok $([ ! -e "$LEASE_DB_SNAPSHOT.delta" ]; echo $?) "$mode: answers came from full snapshots"
	fi
done
done_testing
