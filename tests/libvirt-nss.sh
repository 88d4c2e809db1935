#!/bin/bash
# libvirt's own NSS test cases (tests/nsstest.c: two bridges, a name with
# leases on both, expired and infinite leases, mixed case, IPv6, AF_UNSPEC,
# guest lookups by domain), answered by Debian's libnss_libvirt and by
# lease-db's modules from the same lease files. The answers must be the same
# except where libvirt is wrong; each such case is named and both answers
# are pinned.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
LIBVIRT_SO=
for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib $(dirname "$(ldconfig -p | sed -n 's/.*libnss_libvirt.so.2 .*=> //p' | head -1)" 2>/dev/null); do
	[ -f "$d/libnss_libvirt.so.2" ] && { LIBVIRT_SO=$d/libnss_libvirt.so.2; break; }
done
[ -n "$LIBVIRT_SO" ] || skip_all "libnss_libvirt not installed (apt-get install libnss-libvirt)"
LIBVIRT_GUEST_SO=${LIBVIRT_SO%/*}/libnss_libvirt_guest.so.2
setup_state
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
N=$(now)

cat >"$L/virbr0.status" <<JSON
[
  { "ip-address": "192.168.122.197", "mac-address": "52:54:00:a4:6f:91", "hostname": "fedora", "expiry-time": $((N + 3600)) },
  { "ip-address": "192.168.122.198", "mac-address": "52:54:00:a4:6f:92", "hostname": "gentoo", "expiry-time": $((N + 2000)) },
  { "iaid": "1", "ip-address": "2001:1234:dead:beef::2", "mac-address": "52:54:00:a4:6f:91", "hostname": "fedora",
    "client-id": "00:01:00:01:aa", "server-duid": "00:01:00:01:bb", "expiry-time": $((N + 3500)) },
  { "ip-address": "192.168.122.3", "mac-address": "52:54:00:a4:6f:93", "hostname": "expired", "expiry-time": $((N - 100)) },
  { "ip-address": "192.168.122.4", "mac-address": "52:54:00:a4:6f:94", "hostname": "Infinite", "expiry-time": 0 },
  { "ip-address": "192.168.122.5", "mac-address": "52:54:00:a4:6f:95", "expiry-time": $((N + 100)) },
  { "ip-address": "192.168.122.6", "mac-address": "52:54:00:a4:6f:96", "hostname": "future", "expiry-time": $((N + 3600)) },
  { "ip-address": "192.168.122.7", "mac-address": "52:54:00:a4:6f:97", "hostname": "future", "expiry-time": 5000000000 }
]
JSON
cat >"$L/virbr1.status" <<JSON
[
  { "ip-address": "192.168.100.1", "mac-address": "52:54:00:b4:00:01", "hostname": "fedora", "expiry-time": $((N + 1800)) },
  { "ip-address": "192.168.100.2", "mac-address": "52:54:00:b4:00:02", "hostname": "FEDORA", "expiry-time": 0 },
  { "ip-address": "192.168.100.3", "mac-address": "52:54:00:b4:00:03", "hostname": "v6less", "expiry-time": 0 }
]
JSON
cat >"$L/default.macs" <<JSON
[
  { "domain": "fedora-vm", "macs": [ "52:54:00:a4:6f:91" ] },
  { "domain": "nohost-vm", "macs": [ "52:54:00:a4:6f:95" ] },
  { "domain": "cross-vm", "macs": [ "52:54:00:b4:00:01", "52:54:00:a4:6f:92" ] }
]
JSON
cp "$L/virbr0.status" "$T/virbr0.before"

# Taking over: the first init on each bridge imports its status file.
for br in virbr0 virbr1; do
	out=$(VIR_BRIDGE_NAME=$br "$HELPER" init)
	ok $? "init on $br imports libvirt's $br.status"
done
# Names come back as dnsmasq renews each lease with the name it accepted.
for br in virbr0 virbr1; do
	renew_from_status "$L/$br.status" "$br"
	ok $? "the guests on $br renew their leases"
done
is "init prints the imported leases back to dnsmasq" "$(VIR_BRIDGE_NAME=virbr0 "$HELPER" init | LC_ALL=C sort)" \
"$(LC_ALL=C sort <<EOF
$((N + 100)) 52:54:00:a4:6f:95 192.168.122.5 * *
$((N + 2000)) 52:54:00:a4:6f:92 192.168.122.198 gentoo *
$((N + 3500)) 1 2001:1234:dead:beef::2 fedora 00:01:00:01:aa
$((N + 3600)) 52:54:00:a4:6f:91 192.168.122.197 fedora *
$((N + 3600)) 52:54:00:a4:6f:96 192.168.122.6 future *
$((N - 100)) 52:54:00:a4:6f:93 192.168.122.3 expired *
0 52:54:00:a4:6f:94 192.168.122.4 Infinite *
5000000000 52:54:00:a4:6f:97 192.168.122.7 future *
duid 00:01:00:01:bb
EOF
)"
cmp -s "$L/virbr0.status" "$T/virbr0.before"
ok $? "init leaves the status file untouched"
is "a second init imports nothing twice" "$(VIR_BRIDGE_NAME=virbr0 "$HELPER" init | wc -l)" 9

theirs() { in_libvirt_dir "$L" "$NSSQ" "$@"; }
ours() { "$NSSQ" "$@"; }

# compare SERVICE CALL FAMILY NAME [EXCEPTION LIBVIRT-ANSWER OUR-ANSWER]
compare() {
	local svc=$1 call=$2 fam=$3 name=$4 lso=$LIBVIRT_SO oso=$NSSLIB/libnss_leasedb.so.2 osvc=leasedb
	if [ "$svc" = guest ]; then
		lso=$LIBVIRT_GUEST_SO oso=$NSSLIB/libnss_leasedb_guest.so.2 osvc=leasedb_guest svc=libvirt_guest
	else
		svc=libvirt
	fi
	local l o norm='s/^(NOTFOUND|UNAVAIL) [^ ]+/\1 -/'
	# errno means nothing beside NOTFOUND/UNAVAIL; libvirt leaves junk there.
	l=$(theirs "$lso" "$svc" "$call" "$fam" "$name" ${BUFLEN:-} | sed -E "$norm")
	o=$(ours "$oso" "$osvc" "$call" "$fam" "$name" ${BUFLEN:-} | sed -E "$norm")
	# Two empty answers (nssq did not run) are no agreement.
	l=${l:-"(no answer from libvirt's module)"} o=${o:-"(no answer from ours)"}
	if [ $# -gt 4 ]; then
		is "$osvc $call $fam '$name': libvirt differs ($5)" "$l" "$6"
		is "... ours is right" "$o" "$7"
	else
		is "$osvc $call $fam '$name': same answer: $o" "$o" "$l"
	fi
}

for call in 1 2 3 4; do
	fams="inet"
	[ $call -ge 2 ] && [ $call -le 3 ] && fams="inet inet6 unspec"
	for fam in $fams; do
		for name in gentoo expired Infinite nosuch; do
			[ $fam = inet6 ] && [ $name != expired ] && [ $name != nosuch ] && continue
			compare host $call $fam $name
		done
	done
done
# A name on two bridges, mixed case in query and data.
compare host 3 inet fedora "expiry order: libvirt puts an infinite lease last" \
	"SUCCESS 0 0 fedora 192.168.122.197 192.168.100.1 192.168.100.2" \
	"SUCCESS 0 0 fedora 192.168.100.2 192.168.122.197 192.168.100.1"
compare host 3 inet FeDoRa "expiry order: libvirt puts an infinite lease last" \
	"SUCCESS 0 0 FeDoRa 192.168.122.197 192.168.100.1 192.168.100.2" \
	"SUCCESS 0 0 FeDoRa 192.168.100.2 192.168.122.197 192.168.100.1"
compare host 3 inet6 fedora
compare host 2 unspec fedora "expiry order: libvirt puts an infinite lease last" \
	"SUCCESS 0 0 fedora 192.168.122.197 192.168.100.1 192.168.100.2" \
	"SUCCESS 0 0 fedora 192.168.100.2 192.168.122.197 192.168.100.1"
compare host 4 unspec fedora "expiry order: libvirt puts an infinite lease last" \
	"SUCCESS 0 0 fedora 192.168.122.197 2001:1234:dead:beef::2 192.168.100.1 192.168.100.2" \
	"SUCCESS 0 0 fedora 192.168.100.2 192.168.122.197 2001:1234:dead:beef::2 192.168.100.1"
compare host 3 inet future "64-bit expiry order: libvirt truncates the difference to int" \
	"SUCCESS 0 0 future 192.168.122.6 192.168.122.7" \
	"SUCCESS 0 0 future 192.168.122.7 192.168.122.6"
for call in 2 3; do
	for name in v6less gentoo Infinite; do
		compare host $call inet6 $name "a name without an address of the family: libvirt says UNAVAIL, glibc's files NOTFOUND" \
			"UNAVAIL - NO_DATA" "NOTFOUND - HOST_NOT_FOUND"
	done
done
compare host 3 inet fedora. "trailing dot: libvirt does not strip it" \
	"NOTFOUND - HOST_NOT_FOUND" "SUCCESS 0 0 fedora 192.168.100.2 192.168.122.197 192.168.100.1"
compare host 4 unspec gentoo.example.com
BUFLEN=64 compare host 4 unspec fedora "ERANGE: libvirt answers a small buffer with ENOMEM, which glibc does not retry" \
	"TRYAGAIN ENOMEM TRY_AGAIN" "TRYAGAIN ERANGE NETDB_INTERNAL"
# Guest module: by libvirt domain name, through the lease's MAC, any bridge.
for call in 1 3 4; do
	compare guest $call inet fedora-vm
	compare guest $call inet NOHOST-VM
done
compare guest 3 inet6 fedora-vm
compare guest 4 unspec fedora-vm
compare guest 4 unspec cross-vm
compare guest 4 unspec nosuch-vm "guest module, unknown name: libvirt says UNAVAIL" \
	"UNAVAIL - NO_RECOVERY" "NOTFOUND - HOST_NOT_FOUND"
compare guest 4 unspec gentoo "guest module, unknown name: libvirt says UNAVAIL" \
	"UNAVAIL - NO_RECOVERY" "NOTFOUND - HOST_NOT_FOUND"
done_testing
