#!/bin/bash
# While every event on a bridge fails (a corrupt .status, a refused event),
# lease-db-dump --check must say so: the helper records its last failure per
# interface in the master, --check shows it with its time and message and
# exits 4, until the interface's next event succeeds.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
export LEASE_DB_LIBVIRT_DIR=$T/libvirt
mkdir "$T/libvirt" || bail "mkdir"

# run_check: the output in OUT (shown), the exit status in RC.
run_check() {
	OUT=$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check "$@")
	RC=$?
	echo "$OUT" | sed 's/^/# /'
}

# ev IFACE ACTION ARGS... : one event as dnsmasq runs it for IFACE ("" for
# none); its stderr in ERR, its exit status in EV_RC.
ev() {
	local iface=$1
	shift
	ERR=$(env ${iface:+DNSMASQ_INTERFACE=$iface} DNSMASQ_LEASE_EXPIRES=0 "$HELPER" "$@" 2>&1 >/dev/null)
	EV_RC=$?
	[ -n "$ERR" ] && echo "# helper: $ERR"
}

ev virbr7 add 52:54:00:00:07:01 10.7.0.11 good7
is "a first event on virbr7 succeeds" "$EV_RC" 0
ev virbr8 add 52:54:00:00:08:01 10.8.0.11 good8
is "a first event on virbr8 succeeds" "$EV_RC" 0
run_check
is "no failure: --check exits 0" "$RC" 0
check "no failure: says so" grep -q '^ok    helper events .*no failed event' <<<"$OUT"

# A corrupt .status that cannot be moved aside (a directory holds the
# name it would get): every event on the bridge fails.
cp "$T/libvirt/virbr7.status" "$T/virbr7.status.good"
printf '[{"ip-address": ' >"$T/libvirt/virbr7.status"
mkdir -p "$T/libvirt/virbr7.status.invalid/x"
ev virbr7 add 52:54:00:00:07:02 10.7.0.12 second
is "with a corrupt .status an add fails" "$EV_RC" 3
ev virbr7 del 52:54:00:00:07:01 10.7.0.11
is "and so does a del" "$EV_RC" 3
MSG7=${ERR#lease-db-helper: }
ok_if '[[ $MSG7 == *virbr7.status* ]]' "the helper's message names the file"
t_fail=$(date -u +%s)
run_check
is "a failing bridge: --check exits 4" "$RC" 4
check "names the interface, the failure and the helper's message" \
	grep -qF "FAIL  helper events          virbr7: an event failed " <<<"$OUT"
check "with the helper's exact message" \
	grep -qF "none on virbr7 has succeeded since: $MSG7" <<<"$OUT"
when=$(sed -n 's/^FAIL  helper events  *virbr7: an event failed \(.* UTC\) .*/\1/p' <<<"$OUT")
ok_if '[ -n "$when" ] && (( $(date -u -d "$when" +%s) >= t_fail - 5 && $(date -u -d "$when" +%s) <= t_fail ))' \
	"with the time it failed ($when)"
check "the failure record is no unpublished change: the snapshot is still fresh" \
	grep -q '^ok    snapshot fresh' <<<"$OUT"
check_not "virbr8 has not failed" grep -q 'helper events  *virbr8' <<<"$OUT"

# Refused events: one on virbr8, one naming no interface.
ev virbr8 add zz:zz 10.8.0.12 bad
is "a refused event on virbr8" "$EV_RC" 2
ev "" add 52:54:00:00:09:01 10.9.0.300
is "a refused event naming no interface" "$EV_RC" 2
run_check
check "the refused event on virbr8, with its message" \
	grep -qF "virbr8: an event failed " <<<"$OUT"
check "... invalid MAC address" grep -q "none on virbr8 has succeeded since: invalid MAC address 'zz:zz'" <<<"$OUT"
check "the event naming no interface" \
	grep -q "^FAIL  helper events  *an event naming no interface failed .*: invalid IP address '10.9.0.300'" <<<"$OUT"
is "--json: three failures" \
	"$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check --json |
		jq '[.checks[] | select(.check == "helper events" and .status == "FAIL")] | length')" 3

# The bridge repaired: its next event succeeds and clears its failure and
# the general one; virbr8's stays until virbr8 succeeds.
cp "$T/virbr7.status.good" "$T/libvirt/virbr7.status"
rm -r "$T/libvirt/virbr7.status.invalid"
ev virbr7 add 52:54:00:00:07:02 10.7.0.12 second
is "repaired, virbr7's next event succeeds" "$EV_RC" 0
run_check
check_not "virbr7's failure is gone" grep -q 'helper events  *virbr7' <<<"$OUT"
check_not "so is the general one" grep -q 'helper events  *an event naming no interface' <<<"$OUT"
check "virbr8's stays" grep -q '^FAIL  helper events  *virbr8' <<<"$OUT"
is "still exit 4" "$RC" 4
ev virbr8 add 52:54:00:00:08:02 10.8.0.12 fine
is "virbr8's next event succeeds" "$EV_RC" 0
run_check
is "no failure left: --check exits 0" "$RC" 0
check "and says so" grep -q '^ok    helper events .*no failed event' <<<"$OUT"
check "the lease of the repaired bridge resolves" grep -q '^ok    lookup' <<<"$OUT"
done_testing
