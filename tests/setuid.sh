#!/bin/bash
# In a setuid or file-capability program the module ignores every LEASE_DB_*
# variable (secure_getenv): it reads only the compiled-in snapshot and never
# prints debug output. The module is found through a private ld.so.cache,
# since secure programs ignore LD_LIBRARY_PATH.
# The whole test runs where no installed lease-db module is visible: a
# private ld.so.cache would list one before ours, and it would be tested.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
DEFAULT_SNAPSHOT=$(sed -n 's/^runstatedir = //p' "$B/Makefile")/lease-db/leases.mdb
case $DEFAULT_SNAPSHOT in /run/*|/var/run/*) ;; *) skip_all "compiled-in snapshot path $DEFAULT_SNAPSHOT is not under /run" ;; esac
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
mkdir "$T/lib" "$T/evil"
cp "$NSSLIB/libnss_leasedb.so.2" "$T/lib/"
printf 'include /etc/ld.so.conf.d/*.conf\n%s\n' "$T/lib" >"$T/ld.so.conf"
# ldconfig writes /var/cache/ldconfig/aux-cache even with -C: on a tmpfs.
if [ -d /var/cache ]; then mount -t tmpfs tmpfs /var/cache || bail "mount tmpfs"; fi
ldconfig -X -C "$T/ld.so.cache" -f "$T/ld.so.conf" || bail "ldconfig"
is "the private ld.so.cache offers only the module under test" \
	"$(ldconfig -p -C "$T/ld.so.cache" | sed -n 's/^[[:space:]]*libnss_leasedb\.so\.2 .*=> //p')" "$T/lib/libnss_leasedb.so.2"
cp "$GAI" "$T/gai-setuid" && chmod 4755 "$T/gai-setuid"
cp "$GAI" "$T/gai-plain" && chmod 755 "$T/gai-plain"
have_setcap=0
if command -v setcap >/dev/null && cp "$GAI" "$T/gai-cap" && setcap cap_net_bind_service+ep "$T/gai-cap"; then
	have_setcap=1
fi
# What a caller would like the module to read instead: its own snapshot.
"$MKLEASES" "$T/evilmaster" "$T/evil/leases.mdb" <<<"evilname 10.66.0.1 0" || bail mkleases
chown -R 65534:65534 "$T/evil"

# run PROGRAM NAME: as nobody, with the hostile variables set, in a namespace
# where the compiled-in snapshot path holds "realname".
run() {
	unshare -m bash -c 'mount --make-rprivate / && mount --bind "$1/ld.so.cache" /etc/ld.so.cache &&
		mount -t tmpfs tmpfs "$(dirname "$(dirname "$2")")" &&
		"$3" "$1/realmaster" "$2" <<<"realname 10.55.0.1 0" && shift 3 &&
		exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' \
		x "$T" "$DEFAULT_SNAPSHOT" "$MKLEASES" env LEASE_DB_SNAPSHOT="$T/evil/leases.mdb" LEASE_DB_DEBUG=1 "$@" 2>&1
}

is "control: a plain program follows LEASE_DB_SNAPSHOT" "$(run "$T/gai-plain" evilname | grep -v '^nss_')" 10.66.0.1
check "control: ... and LEASE_DB_DEBUG" grep -q '^nss_leasedb:' <<<"$(run "$T/gai-plain" evilname)"
is "setuid: the compiled-in snapshot answers" "$(run "$T/gai-setuid" realname)" 10.55.0.1
# (The answer above, stderr included, was the address alone: no debug output.)
out=$(run "$T/gai-setuid" evilname)
is "setuid: LEASE_DB_SNAPSHOT is ignored: evilname is not found (exit 2)" "$?" 2
check_not "setuid: LEASE_DB_DEBUG is ignored (no output)" grep -q '^nss_leasedb' <<<"$out"
if [ $have_setcap = 1 ]; then
	is "file capability: the compiled-in snapshot answers" "$(run "$T/gai-cap" realname)" 10.55.0.1
	out=$(run "$T/gai-cap" evilname)
	is "file capability: LEASE_DB_SNAPSHOT is ignored: evilname is not found (exit 2)" "$?" 2
	check_not "file capability: LEASE_DB_DEBUG is ignored (no output)" grep -q '^nss_leasedb' <<<"$out"
else
	skip "setcap not available"
fi
done_testing
