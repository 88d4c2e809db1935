#!/bin/bash
# The same address leased on two networks is two leases (issue 10): libvirt's
# own NSS test data (libvirt's tests/nssdata: 192.168.122.3 on virbr0, for
# the client "fedora", and on virbr1, for the domain "suse"), and the same
# situation built from dnsmasq events on two bridges, v4 and v6. Both
# leases resolve, Debian's libnss_libvirt gives the same answers from the
# same files, `del` and `old` on one bridge never touch the other bridge's
# lease (nor its .status entry), `init` for a bridge hands back exactly that
# bridge's leases, a reverse lookup answers from either, lease-db-dump shows
# both.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
LIBVIRT_SO=
for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64 /lib /usr/lib; do
	[ -f "$d/libnss_libvirt.so.2" ] && { LIBVIRT_SO=$d/libnss_libvirt.so.2; break; }
done
[ -n "$LIBVIRT_SO" ] || skip_all "libnss_libvirt not installed (apt-get install libnss-libvirt)"
LIBVIRT_GUEST_SO=${LIBVIRT_SO%/*}/libnss_libvirt_guest.so.2
[ -f "$LIBVIRT_GUEST_SO" ] || skip_all "libnss_libvirt_guest not installed"
setup_state
printf 'hosts: files leasedb leasedb_guest\n' >"$T/nsswitch.conf"
N=$(now)

# lease_lines [--master] ADDRESS: "interface mac hostname" of every lease on
# ADDRESS that lease-db-dump shows (expired ones included), sorted.
lease_lines() {
	local m=
	[ "$1" = --master ] && { m=--master; shift; }
	dump $m --all --json | jq -r --arg a "$1" \
		'.[] | select(.["ip-address"] == $a) | "\(.interface // "-") \(.["mac-address"] // "-") \(.hostname // "-")"' |
		LC_ALL=C sort
}

# status_lines DIR BRIDGE ADDRESS: "mac hostname" of ADDRESS's entries in
# DIR/BRIDGE.status.
status_lines() {
	jq -r --arg a "$3" '.[] | select(.["ip-address"] == $a) | "\(.["mac-address"] // "-") \(.hostname // "-")"' \
		"$1/$2.status" | LC_ALL=C sort
}

# init_for BRIDGE: what lease-db-helper init prints to dnsmasq on BRIDGE,
# sorted.
init_for() {
	VIR_BRIDGE_NAME=$1 helper init | LC_ALL=C sort
}

# norm: an nssq answer as "STATUS" or "SUCCESS ADDRESS..." with the
# addresses sorted (the order is libvirt-nss.sh's business: libvirt puts
# infinite leases last) and errno and h_errno left out.
norm() {
	local st e h name rest
	read -r st e h name rest
	if [ "$st" != SUCCESS ]; then
		echo "$st"
	else
		echo "SUCCESS $(printf '%s\n' $rest | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
	fi
}
# ours|theirs MODULE(""|_guest) FAMILY NAME: gethostbyname3_r (inet, inet6)
# or gethostbyname4_r (unspec) of lease-db's or libvirt's module.
call_for() { [ "$1" = unspec ] && echo 4 || echo 3; }
ours() { "$NSSQ" "$NSSLIB/libnss_leasedb$1.so.2" "leasedb$1" "$(call_for "$2")" "$2" "$3" | norm; }
theirs() {
	local so=$LIBVIRT_SO
	[ "$1" = _guest ] && so=$LIBVIRT_GUEST_SO
	in_libvirt_dir "$L" "$NSSQ" "$so" "libvirt$1" "$(call_for "$2")" "$2" "$3" | norm
}

# same_as_libvirt MODULE(""|_guest) FAMILY NAME WANT: ours answers WANT,
# libvirt's module (on the same .status and .macs files) too.
same_as_libvirt() {
	local o l
	o=$(ours "$1" "$2" "$3")
	l=$(theirs "$1" "$2" "$3")
	is "leasedb$1 $2 '$3': $4" "$o" "$4"
	is "... libnss_libvirt$1 answers the same" "$l" "$o"
}

# --- 1. Takeover: libvirt's tests/nssdata, imported by lease-db ------------
# The files as libvirt has them, expiry times moved from 2030 (1900000000,
# 1900000001, 1900000002) and 2033 (2000000000) to the same order from now,
# so the test does not rot; 0 (never expires) and 1 (long expired) kept.
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
E0=$((N + 86400)) E1=$((N + 86401)) E2=$((N + 86402)) E3=$((N + 172800))
cat >"$L/virbr0.status" <<JSON
[
    {
        "ip-address": "192.168.122.197",
        "mac-address": "52:54:00:a4:6f:91",
        "hostname": "fedora",
        "expiry-time": $E2
    },
    {
        "ip-address": "192.168.122.198",
        "mac-address": "52:54:00:a4:6f:92",
        "hostname": "fedora",
        "expiry-time": $E1
    },
    {
        "ip-address": "192.168.122.254",
        "mac-address": "52:54:00:3a:b5:0c",
        "hostname": "gentoo",
        "expiry-time": $E3
    },
    {
        "ip-address": "192.168.122.2",
        "mac-address": "52:54:00:11:22:33",
        "expiry-time": $E3
    },
    {
        "ip-address": "192.168.122.3",
        "mac-address": "52:54:00:a4:6f:91",
        "hostname": "fedora",
        "client-id": "01:52:54:00:a4:6f:91",
        "expiry-time": 0
    }
]
JSON
cat >"$L/virbr1.status" <<JSON
[
    {
        "ip-address": "192.168.122.199",
        "mac-address": "52:54:00:a4:6f:93",
        "hostname": "fedora",
        "expiry-time": $E0
    },
    {
        "iaid": "5",
        "ip-address": "2001:1234:dead:beef::2",
        "mac-address": "52:54:00:04:be:64",
        "client-id": "00:01:00:01:2c:5a:be:64",
        "hostname": "gentoo",
        "expiry-time": $E0
    },
    {
        "ip-address": "192.168.122.200",
        "mac-address": "52:54:00:a4:6f:94",
        "hostname": "fedora",
        "expiry-time": 1
    },
    {
        "ip-address": "192.168.122.3",
        "mac-address": "52:54:00:aa:bb:cc",
        "client-id": "01:52:54:00:aa:bb:cc",
        "expiry-time": $E3
    }
]
JSON
cat >"$L/virbr0.macs" <<'JSON'
[
  { "domain": "fedora", "macs": [ "52:54:00:a4:6f:91", "52:54:00:a4:6f:92" ] },
  { "domain": "gentoo", "macs": [ "52:54:00:3a:b5:0c" ] },
  { "domain": "debian", "macs": [ "52:54:00:11:22:33", "52:54:00:a2:37:4c", "52:54:00:f8:5b:1d" ] }
]
JSON
cat >"$L/virbr1.macs" <<'JSON'
[
  { "domain": "fedora", "macs": [ "52:54:00:a4:6f:93", "52:54:00:a4:6f:94" ] },
  { "domain": "gentoo", "macs": [ "52:54:00:04:be:64" ] },
  { "domain": "suse", "macs": [ "52:54:00:aa:bb:cc" ] }
]
JSON

V0_INIT="$(LC_ALL=C sort <<EOF
$E2 52:54:00:a4:6f:91 192.168.122.197 fedora *
$E1 52:54:00:a4:6f:92 192.168.122.198 fedora *
$E3 52:54:00:3a:b5:0c 192.168.122.254 gentoo *
$E3 52:54:00:11:22:33 192.168.122.2 * *
0 52:54:00:a4:6f:91 192.168.122.3 fedora 01:52:54:00:a4:6f:91
EOF
)"
V1_INIT="$(LC_ALL=C sort <<EOF
$E0 52:54:00:a4:6f:93 192.168.122.199 fedora *
1 52:54:00:a4:6f:94 192.168.122.200 fedora *
$E3 52:54:00:aa:bb:cc 192.168.122.3 * 01:52:54:00:aa:bb:cc
$E0 5 2001:1234:dead:beef::2 gentoo 00:01:00:01:2c:5a:be:64
EOF
)"

# virbr0 is taken over by dnsmasq's init, virbr1 by its first event (a
# lease that is not in libvirt's file): both import the bridge's file.
# Names from .status are not served (dnsmasq may have refused them) until
# dnsmasq renews each lease with the name it accepted.
nameless() { awk '{ $4 = "*"; print }' | LC_ALL=C sort; }
out=$(init_for virbr0)
ok $? "takeover: init on virbr0 imports virbr0.status"
is "... and hands back exactly virbr0's leases, 192.168.122.3 among them, without names" \
	"$out" "$(nameless <<<"$V0_INIT")"
VIR_BRIDGE_NAME=virbr1 DNSMASQ_INTERFACE=virbr1 DNSMASQ_LEASE_EXPIRES=$E0 \
	helper add 52:54:00:a4:6f:95 192.168.122.201 rawhide
ok $? "takeover: the first event on virbr1 imports virbr1.status"
for br in virbr0 virbr1; do
	renew_from_status "$L/$br.status" "$br"
	ok $? "the guests on $br renew their leases"
done
is "init on virbr1 hands back exactly virbr1's leases, its own 192.168.122.3 among them" \
	"$(init_for virbr1 | grep -v ' 192\.168\.122\.201 ')" "$V1_INIT"
is "init on virbr0 still hands back exactly virbr0's leases" "$(init_for virbr0)" "$V0_INIT"

BOTH="virbr0 52:54:00:a4:6f:91 fedora
virbr1 52:54:00:aa:bb:cc -"
is "lease-db-dump --master shows both leases on 192.168.122.3" "$(lease_lines --master 192.168.122.3)" "$BOTH"
is "lease-db-dump (the snapshot) shows both" "$(lease_lines 192.168.122.3)" "$BOTH"

for u in root nobody; do
	is "as $u: fedora resolves to its addresses on both bridges, 192.168.122.3 included" \
		"$(resolve $u -4 fedora 2>/dev/null)" "$(printf '%s\n' 192.168.122.197 192.168.122.198 192.168.122.199 192.168.122.3 | sort)"
	is "as $u: the domain suse (virbr1's 192.168.122.3, no hostname) resolves to it" \
		"$(resolve $u -4 suse 2>/dev/null)" "192.168.122.3"
	is "as $u: reverse lookup of 192.168.122.3 answers fedora (the lease of the two with a hostname)" \
		"$(as $u "$GAI" -r 192.168.122.3 2>/dev/null)" "fedora"
done
printf 'hosts: files leasedb_guest\n' >"$T/nsswitch.conf"
r=$(as root "$GAI" -r 192.168.122.3 2>/dev/null)
case $r in fedora | suse) ok 0 "leasedb_guest alone: reverse lookup of 192.168.122.3 answers one of its domains ($r)" ;;
*) ok 1 "leasedb_guest alone: reverse lookup of 192.168.122.3 answers fedora or suse, not '$r'" ;;
esac
printf 'hosts: files leasedb leasedb_guest\n' >"$T/nsswitch.conf"

same_as_libvirt "" inet fedora "SUCCESS 192.168.122.197 192.168.122.198 192.168.122.199 192.168.122.3"
same_as_libvirt "" unspec fedora "SUCCESS 192.168.122.197 192.168.122.198 192.168.122.199 192.168.122.3"
same_as_libvirt "" unspec gentoo "SUCCESS 192.168.122.254 2001:1234:dead:beef::2"
same_as_libvirt _guest inet fedora "SUCCESS 192.168.122.197 192.168.122.198 192.168.122.199 192.168.122.3"
same_as_libvirt _guest inet suse "SUCCESS 192.168.122.3"
same_as_libvirt _guest inet debian "SUCCESS 192.168.122.2"

# del on virbr0: virbr1's lease on the same address stays, in lease-db and
# in virbr1.status.
VIR_BRIDGE_NAME=virbr0 DNSMASQ_INTERFACE=virbr0 helper del 52:54:00:a4:6f:91 192.168.122.3
ok $? "del of 192.168.122.3 on virbr0"
is "... lease-db-dump --master shows virbr1's lease on it, only" "$(lease_lines --master 192.168.122.3)" \
	"virbr1 52:54:00:aa:bb:cc -"
is "... and so does the snapshot" "$(lease_lines 192.168.122.3)" "virbr1 52:54:00:aa:bb:cc -"
is "... virbr0.status has lost it" "$(status_lines "$L" virbr0 192.168.122.3)" ""
is "... virbr1.status keeps its own" "$(status_lines "$L" virbr1 192.168.122.3)" "52:54:00:aa:bb:cc -"
is "... init on virbr1 still hands it back" "$(init_for virbr1 | grep -v ' 192\.168\.122\.201 ')" "$V1_INIT"
is "... init on virbr0 no longer does" "$(init_for virbr0)" "$(grep -v ' 192\.168\.122\.3 ' <<<"$V0_INIT")"
is "... as nobody: suse still resolves to 192.168.122.3" "$(resolve nobody -4 suse 2>/dev/null)" "192.168.122.3"
same_as_libvirt "" inet fedora "SUCCESS 192.168.122.197 192.168.122.198 192.168.122.199"
same_as_libvirt _guest inet suse "SUCCESS 192.168.122.3"

# --- 2. Events: dnsmasq on two isolated networks with the same subnet -------
export LEASE_DB_DIR=$T/master2 LEASE_DB_SNAPSHOT=$T/run2/leases.mdb
L=$T/libvirt2
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
E=$((N + 3600))
ev() { # ev BRIDGE ACTION ARGS... (a libvirt network's dnsmasq on BRIDGE)
	local br=$1
	shift
	VIR_BRIDGE_NAME=$br DNSMASQ_INTERFACE=$br DNSMASQ_LEASE_EXPIRES=${EXP:-$E} helper "$@"
}
ev virbr0 add 52:54:00:a4:6f:91 192.168.122.3 fedora
ok $? "add 192.168.122.3 on virbr0 (fedora)"
ev virbr1 add 52:54:00:aa:bb:cc 192.168.122.3 suse
ok $? "add 192.168.122.3 on virbr1 (suse)"
DNSMASQ_IAID=7 DNSMASQ_MAC=52:54:00:a4:6f:91 DNSMASQ_SERVER_DUID=00:01:00:01:00:00:00:01 \
	ev virbr0 add 00:01:00:01:aa:00:00:01 fd00::3 fedora
ok $? "add fd00::3 on virbr0 (fedora, DHCPv6)"
DNSMASQ_IAID=7 DNSMASQ_MAC=52:54:00:aa:bb:cc DNSMASQ_SERVER_DUID=00:01:00:01:00:00:00:02 \
	ev virbr1 add 00:01:00:01:bb:00:00:02 fd00::3 suse
ok $? "add fd00::3 on virbr1 (suse, DHCPv6)"

is "lease-db-dump shows both leases on 192.168.122.3" "$(lease_lines 192.168.122.3)" \
	"virbr0 52:54:00:a4:6f:91 fedora
virbr1 52:54:00:aa:bb:cc suse"
is "lease-db-dump shows both leases on fd00::3" "$(lease_lines fd00::3)" \
	"virbr0 52:54:00:a4:6f:91 fedora
virbr1 52:54:00:aa:bb:cc suse"
V0_EV="$E 52:54:00:a4:6f:91 192.168.122.3 fedora *
duid 00:01:00:01:00:00:00:01
$E 7 fd00::3 fedora 00:01:00:01:aa:00:00:01"
V1_EV="$E 52:54:00:aa:bb:cc 192.168.122.3 suse *
duid 00:01:00:01:00:00:00:02
$E 7 fd00::3 suse 00:01:00:01:bb:00:00:02"
is "init on virbr0 hands back exactly virbr0's leases" "$(VIR_BRIDGE_NAME=virbr0 helper init)" "$V0_EV"
is "init on virbr1 hands back exactly virbr1's leases" "$(VIR_BRIDGE_NAME=virbr1 helper init)" "$V1_EV"
for u in root nobody; do
	for n in fedora suse; do
		is "as $u: $n resolves to both its addresses" "$(resolve $u $n 2>/dev/null)" "$(printf '%s\n' 192.168.122.3 fd00::3 | sort)"
	done
	for a in 192.168.122.3 fd00::3; do
		r=$(as $u "$GAI" -r $a 2>/dev/null)
		case $r in fedora | suse) ok 0 "as $u: reverse lookup of $a answers one of its two leases ($r)" ;;
		*) ok 1 "as $u: reverse lookup of $a answers fedora or suse, not '$r'" ;;
		esac
	done
done
is "virbr0.status holds virbr0's 192.168.122.3" "$(status_lines "$L" virbr0 192.168.122.3)" "52:54:00:a4:6f:91 fedora"
is "virbr1.status holds virbr1's 192.168.122.3" "$(status_lines "$L" virbr1 192.168.122.3)" "52:54:00:aa:bb:cc suse"
for n in fedora suse; do
	same_as_libvirt "" unspec $n "SUCCESS 192.168.122.3 fd00::3"
done

# old (a renewal) on virbr0 leaves virbr1's lease as it was.
EXP=$((N + 7200)) ev virbr0 old 52:54:00:a4:6f:91 192.168.122.3 fedora
ok $? "old (renewal) of 192.168.122.3 on virbr0"
is "... virbr1's lease on the address keeps its expiry" \
	"$(dump --master --all --json | jq -r '.[] | select(.["ip-address"] == "192.168.122.3") | "\(.interface) \(.["expiry-time"])"' | LC_ALL=C sort)" \
	"virbr0 $((N + 7200))
virbr1 $E"

# del on virbr0, v4 and v6: virbr1's leases stay everywhere.
ev virbr0 del 52:54:00:a4:6f:91 192.168.122.3 fedora
ok $? "del of 192.168.122.3 on virbr0"
DNSMASQ_IAID=7 DNSMASQ_MAC=52:54:00:a4:6f:91 ev virbr0 del 00:01:00:01:aa:00:00:01 fd00::3 fedora
ok $? "del of fd00::3 on virbr0"
is "... lease-db-dump --master: virbr1's 192.168.122.3 only" "$(lease_lines --master 192.168.122.3)" \
	"virbr1 52:54:00:aa:bb:cc suse"
is "... lease-db-dump --master: virbr1's fd00::3 only" "$(lease_lines --master fd00::3)" \
	"virbr1 52:54:00:aa:bb:cc suse"
is "... virbr1.status keeps its 192.168.122.3" "$(status_lines "$L" virbr1 192.168.122.3)" "52:54:00:aa:bb:cc suse"
is "... virbr1.status keeps its fd00::3" "$(status_lines "$L" virbr1 fd00::3)" "52:54:00:aa:bb:cc suse"
is "... virbr0.status has neither" "$(status_lines "$L" virbr0 192.168.122.3; status_lines "$L" virbr0 fd00::3)" ""
is "... init on virbr1 unchanged" "$(VIR_BRIDGE_NAME=virbr1 helper init)" "$V1_EV"
is "... init on virbr0 hands back nothing" "$(VIR_BRIDGE_NAME=virbr0 helper init)" ""
is "... as nobody: suse still resolves to both addresses" "$(resolve nobody suse 2>/dev/null)" \
	"$(printf '%s\n' 192.168.122.3 fd00::3 | sort)"
resolve nobody fedora >/dev/null 2>&1
is "... as nobody: fedora no longer resolves (exit 2, not found)" "$?" 2
is "... as nobody: reverse lookup of 192.168.122.3 answers suse" "$(as nobody "$GAI" -r 192.168.122.3 2>/dev/null)" suse
same_as_libvirt "" unspec suse "SUCCESS 192.168.122.3 fd00::3"
same_as_libvirt "" unspec fedora "NOTFOUND"
done_testing
