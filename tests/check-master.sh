#!/bin/bash
# What lease-db-dump --check says about the master must lead the way back:
# a damaged master is named with the recovery command (which then works),
# and a failure record that does not decode is shown as such, not as an
# event that failed in 1970.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
trap cleanup_state EXIT
export LEASE_DB_LIBVIRT_DIR=none
ADMIN=$B/helper/lease-db-admin
E=$(($(now) + 3600))
run_check() {
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check 2>&1)
	RC=$?
	echo "$OUT" | grep -E '^(ok|warn|FAIL) +(master|helper events)' | sed 's/^/# /'
}

DNSMASQ_INTERFACE=eth0 DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add 52:54:00:00:03:01 10.3.0.1 vm1 ||
	bail "the helper did not record a lease"

# A failure record that does not decode (written as no helper would).
"$B/tests/tools/metaput" "$LEASE_DB_DIR" failure:eth9 "not a failure record" || bail metaput
run_check
check "an undecodable failure record is shown as such, with its interface" \
	grep -q '^FAIL  helper events  *eth9: a failure record that cannot be decoded ("not a failure record")' <<<"$OUT"
check_not "... not as an event that failed long ago" grep -qE 'helper events .*(1970|s ago)' <<<"$OUT"
DNSMASQ_INTERFACE=eth9 DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add 52:54:00:00:03:09 10.3.0.9 vm9 ||
	bail "the helper did not record a lease"
run_check
check "the next event on it that succeeds removes it, as the line says" \
	grep -q '^ok    helper events' <<<"$OUT"

# A damaged master: the recovery command named, and it works.
size=$(stat -c %s "$LEASE_DB_DIR/data.mdb")
truncate -s $((size / 2)) "$LEASE_DB_DIR/data.mdb"
run_check
ok_if "[ $RC != 0 ]" "a damaged master: --check fails (exit $RC)"
check "... naming the file and the recovery command" \
	grep -qF "FAIL  master                 $LEASE_DB_DIR/data.mdb is damaged (empty, truncated or not an LMDB file): rebuild it with \`lease-db-admin rebuild\`" <<<"$OUT"
"$ADMIN" rebuild >/dev/null 2>&1
is "lease-db-admin rebuild: exit 0" "$?" 0
run_check
check "then the master opens" grep -q '^ok    master ' <<<"$OUT"
done_testing
