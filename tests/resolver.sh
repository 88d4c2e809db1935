#!/bin/bash
# The real glibc resolver (getaddrinfo, getnameinfo, getent) through
# libnss_leasedb, in a private mount namespace, as root and as nobody.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state

E=$(( $(now) + 3600 ))
add4() { DNSMASQ_LEASE_EXPIRES=${3:-$E} DNSMASQ_INTERFACE=v0 DNSMASQ_DOMAIN=lan.test helper add "52:54:00:00:00:${4:-01}" "$1" "$2"; }
add6() { DNSMASQ_LEASE_EXPIRES=${3:-$E} DNSMASQ_INTERFACE=v0 DNSMASQ_DOMAIN=lan.test DNSMASQ_IAID=1 DNSMASQ_MAC=52:54:00:00:00:01 helper add 00:01:00:01:aa:bb "$1" "$2"; }

for u in root nobody; do
	is "$u: no snapshot yet: not found, no error" "$(lookup $u nothing-yet)" "not found"
done

add4 10.77.0.50 guest
add6 fd77::50 guest
add4 10.77.0.60 expired 1000 02
add4 10.77.0.70 Camel $E 03
for i in $(seq 1 20); do
	add4 10.78.0.$i many $E $(printf %02x $((i + 16)))
	DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_INTERFACE=v0 DNSMASQ_IAID=$i helper add 00:01:00:01:cc:$(printf %02x $i) fd78::$i many
done

for u in root nobody; do
	is "$u: IPv4 via getaddrinfo" "$(resolve $u -4 guest)" 10.77.0.50
	is "$u: IPv6 via getaddrinfo" "$(resolve $u -6 guest)" fd77::50
	is "$u: both families via getaddrinfo" "$(resolve $u guest | tr '\n' ' ')" "10.77.0.50 fd77::50 "
	is "$u: unknown name: EAI_NONAME" "$(lookup $u nosuchguest)" "not found"
	is "$u: expired lease not returned" "$(lookup $u expired)" "not found"
	is "$u: mixed case" "$(resolve $u -4 cAmEl)" 10.77.0.70
	is "$u: trailing dot" "$(resolve $u -4 guest.)" 10.77.0.50
	is "$u: name.domain" "$(resolve $u -4 GUEST.lan.test)" 10.77.0.50
	is "$u: name.otherdomain not found" "$(lookup $u guest.other.test)" "not found"
	is "$u: reverse IPv4" "$(as $u "$GAI" -r 10.77.0.50)" guest.lan.test
	is "$u: reverse IPv6" "$(as $u "$GAI" -r fd77::50)" guest.lan.test
	is "$u: 40 addresses through getaddrinfo (ERANGE retry)" "$(resolve $u many | wc -l)" 40
	is "$u: getent ahostsv4" "$(as $u getent ahostsv4 guest | awk '{print $1}' | sort -u)" 10.77.0.50
	is "$u: getent hosts (gethostbyname2)" "$(as $u getent hosts 10.77.0.70)" "10.77.0.70      Camel.lan.test Camel"
done

# The module is silent unless LEASE_DB_DEBUG=1.
err=$(as nobody getent hosts guest 2>&1 >/dev/null; as nobody getent hosts nosuchguest 2>&1 >/dev/null)
is "the module prints nothing by default" "$err" ""
err=$(LEASE_DB_DEBUG=1 as nobody getent hosts guest 2>&1 >/dev/null)
check "LEASE_DB_DEBUG=1 explains on stderr: $(head -1 <<<"$err")" grep -q '^nss_leasedb: "guest": 1 address' <<<"$err"

DNSMASQ_LEASE_EXPIRES=$E helper del 52:54:00:00:00:01 10.77.0.50 guest
for u in root nobody; do
	is "$u: after del only the IPv6 lease answers" "$(resolve $u guest)" fd77::50
done

DNSMASQ_OLD_HOSTNAME=guest DNSMASQ_LEASE_EXPIRES=$E helper old 00:01:00:01:aa:bb fd77::50
DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_INTERFACE=v0 DNSMASQ_IAID=1 helper old 00:01:00:01:aa:bb fd77::50 newname
for u in root nobody; do
	is "$u: hostname change via old: old name gone" "$(lookup $u guest)" "not found"
	is "$u: ... new name answers" "$(resolve $u newname)" fd77::50
done

# A snapshot that may not be trusted is not answered from.
chmod 0664 "$LEASE_DB_SNAPSHOT"
for u in root nobody; do
	is "$u: group-writable snapshot: not answered" "$(lookup $u newname)" "not found"
done
chmod 0644 "$LEASE_DB_SNAPSHOT"
chown 65534 "$LEASE_DB_SNAPSHOT"
is "root: snapshot owned by another user: not answered" "$(lookup root newname)" "not found"
is "nobody: a snapshot the reader owns is trusted" "$(resolve nobody newname)" fd77::50
chown 0 "$LEASE_DB_SNAPSHOT"

# UNAVAIL lets the next service answer; NOTFOUND with [NOTFOUND=return] stops.
printf '10.99.0.1 newname\n' >>"$T/hosts"
printf 'hosts: leasedb [NOTFOUND=return] files\n' >"$T/nsswitch.conf"
mv "$LEASE_DB_SNAPSHOT" "$T/saved.mdb"
is "missing snapshot: UNAVAIL, the next service answers" "$(as root "$GAI" -4 newname)" 10.99.0.1
mv "$T/saved.mdb" "$LEASE_DB_SNAPSHOT"
out=$(as root "$GAI" -4 unknownname 2>&1)
check "unknown name: NOTFOUND stops at [NOTFOUND=return]" grep -q 'Name or service not known' <<<"$out"
done_testing
