#!/bin/bash
# lease-db-dump --check on a broken and on a working set-up. It looks at
# the host (nsswitch.conf, the modules glibc finds, every dnsmasq in /proc):
# the test runs in its own mount and PID namespaces, where the host is what
# the test sets up, whatever is installed or running outside.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v jq >/dev/null || skip_all "jq not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"

# run_check NSSWITCH-LINE [env...]: run --check with that hosts: line
# (written into the file bound over /etc/nsswitch.conf).
run_check() {
	local line=$1
	shift
	printf '%s\n' "$line" >"$T/nsswitch.conf"
	env "$@" "$DUMP" --check ${JSON:+--json}
}

out=$(run_check "hosts: files dns")
rc=$?
echo "$out" | sed 's/^/# /'
is "broken set-up: exit 4" "$rc" 4
check "names the missing nsswitch entry" grep -q '^FAIL  nsswitch leasedb .*not on the hosts: line' <<<"$out"
check "names the module glibc cannot find" grep -q '^FAIL  module leasedb .*not found where glibc looks' <<<"$out"
check "names the missing snapshot" grep -q '^FAIL  snapshot .*missing' <<<"$out"
check "ends with a verdict" grep -q '^verdict: .* problems found' <<<"$out"
is "one line per check" "$(grep -vc '^verdict' <<<"$out")" 8
is "--json: the verdict for machines" "$(JSON=1 run_check "hosts: files dns" | jq -r .verdict)" problems

out=$(run_check "hosts: files resolve [!UNAVAIL=return] leasedb dns" LD_LIBRARY_PATH="$NSSLIB")
check "flags [!UNAVAIL=return] before leasedb" grep -q '^FAIL  nsswitch leasedb .*never reached.*\[!UNAVAIL=return\]' <<<"$out"
out=$(run_check "hosts: files dns [NOTFOUND=return] leasedb" LD_LIBRARY_PATH="$NSSLIB")
check "flags [NOTFOUND=return] before leasedb" grep -q '^FAIL  nsswitch leasedb .*never reached' <<<"$out"
out=$(run_check "hosts: files dns leasedb" LD_LIBRARY_PATH="$NSSLIB")
check "warns when DNS comes first" grep -q '^warn  nsswitch leasedb .*after DNS' <<<"$out"

# A working set-up: a real dnsmasq running the helper, a lease, the modules.
. "$TOP_SRCDIR/tests/netns.sh"
trap 'ns_down; cleanup_state' EXIT
ns_up && ns_dnsmasq || bail "dnsmasq"
DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add 52:54:00:00:00:01 10.77.0.99 checkme || bail "helper"
out=$(run_check "hosts: files leasedb leasedb_guest dns" LD_LIBRARY_PATH="$NSSLIB")
rc=$?
echo "$out" | sed 's/^/# /'
is "working set-up: exit 0" "$rc" 0
check "finds the module" grep -q '^ok    module leasedb .*libnss_leasedb.so.2' <<<"$out"
check "counts the leases in the snapshot" grep -q '^ok    snapshot .*1 leases' <<<"$out"
check "the snapshot is fresh" grep -q '^ok    snapshot fresh' <<<"$out"
check "finds dnsmasq running the helper" grep -q "^ok    dnsmasq .*1 running with lease-db-helper (pid $(cat "$T/dnsmasq.pid"))" <<<"$out"
check "a real lookup of a known lease works" grep -q '^ok    lookup .*"checkme").*10.77.0.99' <<<"$out"
is "--json verdict ok" "$(JSON=1 run_check "hosts: files leasedb leasedb_guest dns" LD_LIBRARY_PATH="$NSSLIB" | jq -r .verdict)" ok

# Interfaces: the real dnsmasq serves its interface; stopped, the leases
# on it are left with no dnsmasq, and --check names the way to forget them.
IF=${NS_ID}a
DNSMASQ_INTERFACE=$IF DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add 52:54:00:00:00:03 10.77.0.97 onif || bail "helper"
out=$(run_check "hosts: files leasedb dns" LD_LIBRARY_PATH="$NSSLIB")
check "the running dnsmasq serves its interface" grep -q '^ok    interfaces  *1 interface with unexpired leases, each served by a running dnsmasq' <<<"$out"
ns_dnsmasq_stop
out=$(run_check "hosts: files leasedb dns" LD_LIBRARY_PATH="$NSSLIB")
check "dnsmasq gone: its interface's leases are flagged, with the forget command" \
	grep -q "^warn  interfaces  *$IF: 1 lease still answered, but no running dnsmasq serves it; .*lease-db-admin forget $IF\$" <<<"$out"

# The master moved on without a publication: stale.
LEASE_DB_SNAPSHOT=$T/elsewhere/leases.mdb DNSMASQ_LEASE_EXPIRES=0 "$HELPER" add 52:54:00:00:00:02 10.77.0.98 other
out=$(run_check "hosts: files leasedb dns" LD_LIBRARY_PATH="$NSSLIB")
check "a stale snapshot is flagged" grep -q '^FAIL  snapshot fresh .*changes the snapshot lacks' <<<"$out"
done_testing
