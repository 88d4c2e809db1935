#!/bin/bash
# Root overwrites the published base in place (cp into the existing inode,
# no rename, no counter bump). A long-running process that keeps the base
# mapped must notice within about a second (the module re-checks file
# identity once a second) and then answer from the new content when it is
# a valid snapshot, or refuse it (UNAVAIL) when it is garbage — never the
# old answer, never a crash. Lookups during the second after the damage
# are not made (what liblmdb reads then cannot be vouched for), nor is a
# mapped file shortened (that cannot be survived).
# nsswitch: `leasedb [NOTFOUND=return] files`, and /etc/hosts names every
# test host at 10.56.9.9: that address means the module said UNAVAIL.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0
printf 'hosts: leasedb [NOTFOUND=return] files\n' >"$T/nsswitch.conf"
printf '10.56.9.9 orig other added1 added2 added3 added4\n' >"$T/nsswitch.conf.hosts"
UNAVAIL=10.56.9.9

# A valid snapshot, far larger than the published one, without "orig".
mkdir -m 755 "$T/other"
{
	echo "other 10.56.1.1 0"
	for i in $(seq 3000); do echo "filler$i 10.57.$((i >> 8)).$((i & 255)) 0"; done
} | LEASE_DB_DIR=$T/master-other "$MKLEASES" "$T/master-other" "$T/other/leases.mdb" ||
	bail "mkleases"
helper add 52:54:00:00:00:01 10.56.0.1 orig || bail "helper add"

# overwrite FILE: cp FILE over the published base, into its inode.
overwrite() {
	local ino
	ino=$(stat -c %i "$LEASE_DB_SNAPSHOT")
	cp "$1" "$LEASE_DB_SNAPSHOT" || return 1
	[ "$(stat -c %i "$LEASE_DB_SNAPSHOT")" = "$ino" ] || { echo "# cp made a new inode"; return 1; }
	# The module re-checks once a second; no lookup before that.
	sleep 1.2
}

# asks NAME...: the reader's answers, space-separated.
asks() {
	local n out=()
	for n in "$@"; do out+=("$(reader_ask "$n")"); done
	echo "${out[*]}"
}

ev=0
for u in root nobody; do
	# A valid snapshot of other leases, copied over the base in place.
	ev=$((ev + 1))
	helper add "52:54:00:00:01:0$ev" "10.56.2.$ev" "added$ev" || bail "helper add"
	: >"$T/reader.err"
	reader_start $u "$GAILOOP" -4
	is "$u, valid content: before, the base answers" "$(asks orig other)" "10.56.0.1 NOTFOUND"
	check "$u, valid content: cp into the base's inode" overwrite "$T/other/leases.mdb"
	is "$u, valid content: a second later, only the new content answers" \
		"$(asks other orig other "added$ev" filler3000)" "10.56.1.1 NOTFOUND 10.56.1.1 NOTFOUND 10.57.11.184"
	reader_stop
	ok $? "$u, valid content: the process exited 0"
	is "$u, valid content: nothing on stderr" "$(cat "$T/reader.err")" ""

	# Garbage of the same size, copied over the base in place.
	ev=$((ev + 1))
	helper add "52:54:00:00:01:0$ev" "10.56.2.$ev" "added$ev" || bail "helper add"
	head -c "$(stat -c %s "$LEASE_DB_SNAPSHOT")" /dev/urandom >"$T/garbage" &&
		cp "$LEASE_DB_SNAPSHOT" "$T/saved.mdb" || bail "garbage"
	: >"$T/reader.err"
	reader_start $u "$GAILOOP" -4
	is "$u, garbage: before, the base answers" "$(asks orig "added$ev")" "10.56.0.1 10.56.2.$ev"
	check "$u, garbage: cp into the base's inode" overwrite "$T/garbage"
	is "$u, garbage: a second later, the module refuses it (UNAVAIL), never the old answer" \
		"$(asks orig "added$ev" orig)" "$UNAVAIL $UNAVAIL $UNAVAIL"
	# The same inode made valid again: answered again.
	check "$u, garbage: the saved base copied back" overwrite "$T/saved.mdb"
	is "$u, garbage: a second later, the restored content answers" \
		"$(asks orig "added$ev")" "10.56.0.1 10.56.2.$ev"
	reader_stop
	ok $? "$u, garbage: the process exited 0"
	is "$u, garbage: nothing on stderr" "$(cat "$T/reader.err")" ""
done
done_testing
