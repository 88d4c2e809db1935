#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A replaced master is republished (issue 11, point 6); a deleted one is
# rebuilt from the published snapshot by the next helper, losing nothing. Each master has an
# identity (meta master-id) that the counter file records with the
# transaction it published. Coalescing used to compare transaction ids
# alone, of two different masters: after the master was deleted (and a new
# one made) or restored from an older copy while the run directory kept
# the counter file, helpers exited 0 and published nothing, a deleted lease
# kept resolving, a new one never did, and lease-db-dump --check said the
# snapshot was fresh. Also: a master an older helper made (no identity)
# gets one on the next event, transparently. Each case runs with full
# copies and with deltas.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_host
setup_state
export LEASE_DB_LIBVIRT_DIR=none

# ev add|del NAME ADDRESS
ev() {
	DNSMASQ_LEASE_EXPIRES=0 DNSMASQ_INTERFACE=eth0 \
		helper "$1" "$(printf '52:54:00:1d:%02x:%02x' "$(cut -d. -f3 <<<"$3")" "${3##*.}")" "$3" "$2"
}
# The --check lines about the master and freshness.
fresh() { dump --check 2>/dev/null | grep '^[a-zA-Z]* *snapshot fresh'; }
master_line() { dump --check 2>/dev/null | grep '^[a-zA-Z]* *master '; }

scenario() {
	local mode=$1
	rm -rf "$LEASE_DB_DIR" "${LEASE_DB_SNAPSHOT%/*}" "$T/backup" "$T/elsewhere"

	# --- the master deleted, a new one made, /run kept -------------------
	ev add alpha 10.6.0.1 && ev add beta 10.6.0.2 || bail "helper"
	for i in 1 2 3 4 5 6; do ev add filler$i 10.6.1.$i || bail "helper"; done
	is "$mode: alpha resolves" "$(lookup nobody -4 alpha)" 10.6.0.1
	check "$mode: --check: fresh" grep -q '^ok    snapshot fresh' <<<"$(fresh)"
	check "$mode: --check shows the master's identity" \
		grep -Eq '^ok    master .*\(identity [0-9a-f]{32}, transaction [0-9]+\)' <<<"$(master_line)"
	# --- the master deleted (a bad restore, /var/lib not mounted) ---------
	# The next helper rebuilds it from the published snapshot, which came
	# from it: no lease is lost, and events go on (issue 11, point 6).
	rm -rf "$LEASE_DB_DIR"
	err=$(ev add gamma 10.6.0.3 2>&1)
	ok $? "$mode: master deleted: the next event exits 0"
	check "$mode: ... saying it rebuilt the master from the snapshot: $err" \
		grep -q "warning: no master database in $LEASE_DB_DIR, but the published snapshot .* rebuilt the master from it" <<<"$err"
	is "$mode: ... its lease resolves" "$(lookup nobody -4 gamma)" 10.6.0.3
	is "$mode: ... no lease is lost" "$(dump --master | tail -n +2 | wc -l)" 9
	is "$mode: ... alpha (the deleted master's) still resolves" "$(lookup nobody -4 alpha)" 10.6.0.1
	ev del beta 10.6.0.2
	ok $? "$mode: ... a del exits 0"
	is "$mode: ... and the lease no longer resolves" "$(lookup nobody -4 beta)" "not found"
	check "$mode: ... --check: fresh" grep -q '^ok    snapshot fresh' <<<"$(fresh)"
	rm -rf "$LEASE_DB_DIR"
	out=$(helper init 2>"$T/init.err")
	ok $? "$mode: master deleted, dnsmasq restarts: init exits 0"
	is "$mode: ... and gives dnsmasq every lease" "$(wc -l <<<"$out")" 8
	check "$mode: ... with the warning" grep -q 'rebuilt the master from it' "$T/init.err"
	# A failed event never makes a master (an empty one would hide the
	# snapshot's leases from the next event).
	rm -rf "$LEASE_DB_DIR"
	DNSMASQ_INTERFACE=eth0 helper add zz:zz 10.6.0.9 bad 2>/dev/null
	is "$mode: master deleted, a refused event: exit 2" "$?" 2
	check "$mode: ... and no master made" test ! -e "$LEASE_DB_DIR/data.mdb"
	ev add gamma 10.6.0.3 2>/dev/null || bail "helper"
	is "$mode: ... the next event rebuilds: alpha resolves" "$(lookup nobody -4 alpha)" 10.6.0.1

	# --- the master replaced by a new, empty one ------------------------
	rm -rf "$LEASE_DB_DIR"
	# A new master (a helper publishing elsewhere makes it).
	LEASE_DB_SNAPSHOT=$T/elsewhere/leases.mdb helper init >/dev/null || bail "init"
	check "$mode: master deleted and made again: --check says the snapshot comes from another master" \
		grep -q '^FAIL  snapshot fresh .*another master' <<<"$(fresh)"
	ev add gamma 10.6.0.3
	ok $? "$mode: an event on the new master exits 0"
	is "$mode: ... its lease resolves" "$(lookup nobody -4 gamma)" 10.6.0.3
	is "$mode: ... a lease only the deleted master had no longer resolves" "$(lookup nobody -4 alpha)" "not found"
	check "$mode: ... --check: fresh" grep -q '^ok    snapshot fresh' <<<"$(fresh)"

	# --- the master restored from an older copy of itself -----------------
	cp -a "$LEASE_DB_DIR" "$T/backup" || bail "backup"
	ev add delta 10.6.0.4 && ev del gamma 10.6.0.3 || bail "helper"
	for i in 1 2 3 4; do ev add later$i 10.6.2.$i || bail "helper"; done
	is "$mode: delta resolves" "$(lookup nobody -4 delta)" 10.6.0.4
	if [ "$mode" = deltas ]; then
		check "$mode: ... published as a delta" test -e "$LEASE_DB_SNAPSHOT.delta"
	fi
	is "$mode: gamma was deleted" "$(lookup nobody -4 gamma)" "not found"
	rm -rf "$LEASE_DB_DIR" && cp -a "$T/backup" "$LEASE_DB_DIR" || bail "restore"
	check "$mode: master restored: --check says so" \
		grep -q '^FAIL  snapshot fresh .*restored from an older copy' <<<"$(fresh)"
	ev add epsilon 10.6.0.5
	ok $? "$mode: an event on the restored master exits 0"
	is "$mode: ... its lease resolves" "$(lookup nobody -4 epsilon)" 10.6.0.5
	is "$mode: ... a lease the restored copy lacks no longer resolves" "$(lookup nobody -4 delta)" "not found"
	is "$mode: ... a lease the restored copy holds resolves again" "$(lookup nobody -4 gamma)" 10.6.0.3
	check "$mode: ... --check: fresh" grep -q '^ok    snapshot fresh' <<<"$(fresh)"

	# --- dnsmasq's init republishes a replaced master --------------------
	rm -rf "$LEASE_DB_DIR"
	LEASE_DB_SNAPSHOT=$T/elsewhere/leases.mdb ev add zeta 10.6.0.6 || bail "helper"
	out=$(helper init)
	ok $? "$mode: init on another master exits 0"
	is "$mode: ... prints its lease" "$(cut -d' ' -f3,4 <<<"$out")" "10.6.0.6 zeta"
	is "$mode: ... and publishes it" "$(lookup nobody -4 zeta)" 10.6.0.6
	is "$mode: ... epsilon (the old master's) is gone" "$(lookup nobody -4 epsilon)" "not found"
}

scenario "full copies"
export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=10000 LEASE_DB_DELTA_DIV=1
scenario "deltas"
unset LEASE_DB_DELTA_MIN LEASE_DB_DELTA_MAX LEASE_DB_DELTA_DIV

# --- a master an older helper made: no identity, and a counter without ---
rm -rf "$LEASE_DB_DIR" "${LEASE_DB_SNAPSHOT%/*}"
"$MKLEASES" -O -n 4 "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail "mkleases -O"
check "an older helper's master: --check shows no identity" \
	grep -q '^ok    master .*(identity none, ' <<<"$(master_line)"
check "... and the snapshot fresh (by transaction, as before)" grep -q '^ok    snapshot fresh' <<<"$(fresh)"
ev add eta 10.6.0.7
ok $? "an event on it exits 0"
check "... the master has an identity now" \
	grep -Eq '^ok    master .*\(identity [0-9a-f]{32}, ' <<<"$(master_line)"
is "... its lease resolves" "$(lookup nobody -4 eta)" 10.6.0.7
is "... the older leases too" "$(lookup nobody -4 host0)" 10.0.0.0
check "... --check: fresh" grep -q '^ok    snapshot fresh' <<<"$(fresh)"
id1=$(master_line)
ev add theta 10.6.0.8
is "... the identity stays the same on the next event" "$(master_line | sed 's/transaction [0-9]*//')" \
	"$(sed 's/transaction [0-9]*//' <<<"$id1")"
done_testing
