#!/bin/bash
# A stream of renewals must not starve fresh processes. With many leases,
# a helper loop sends `old` events back to back (each one publishes a
# delta and bumps the counter), while 100 fresh processes, as root and as
# nobody, each resolve one lease name through getaddrinfo: every one gets
# its lease's address. A fresh process's first lookup must not depend on
# the counter standing still for longer than a publication takes.
# The snapshot directory is a tmpfs, as $runstatedir is. RENEWALS_LEASES
# sets the number of leases (default 200,000; LEASE_DB_LONG=1: 1,000,000).
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_mounts "$@"
setup_state
mkdir "$T/run" && mount -t tmpfs -o mode=755 lease-db-test "$T/run" || bail "tmpfs for the snapshot"
trap 'umount -l "$T/run"; cleanup_state' EXIT
export LEASE_DB_LIBVIRT_DIR=none
N=${RENEWALS_LEASES:-$([ -n "${LEASE_DB_LONG:-}" ] && echo 1000000 || echo 200000)}
LOOKUPS=100
"$MKLEASES" -n "$N" "$LEASE_DB_DIR" "$LEASE_DB_SNAPSHOT" || bail "mkleases"

# Lease i (even) is hosti, 10.(i>>16).(i>>8).(i&255), MAC 52:54:(i>>16):(i>>8):(i&255):01.
addr() { echo "10.$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }
mac() { printf '52:54:%02x:%02x:%02x:01' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

renew() {
	local i=0 k e=$(($(now) + 3600))
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		k=$(((i % 64) * 2))
		DNSMASQ_LEASE_EXPIRES=$((e + i)) helper old "$(mac $k)" "$(addr $k)" "host$k" ||
			echo "renewal $i failed"
	done
	echo "$i" >"$T/renewed"
}
renew >"$T/renew.out" 2>&1 &
rpid=$!
sleep 0.5

RANDOM=7
good=0 bad=0
for j in $(seq "$LOOKUPS"); do
	k=$(((RANDOM * 32768 + RANDOM) % N / 2 * 2))
	u=root
	[ $((j % 2)) -eq 0 ] && u=nobody
	got=$(resolve $u -4 "host$k" 2>&1)
	if [ "$got" = "$(addr $k)" ]; then
		good=$((good + 1))
	else
		bad=$((bad + 1))
		[ "$bad" -le 5 ] && echo "# $u host$k: got '$got', want $(addr $k)"
	fi
done
touch "$T/stop"
wait $rpid
is "$LOOKUPS fresh processes under a renewal stream, $N leases: every lookup answered" \
	"$good of $LOOKUPS" "$LOOKUPS of $LOOKUPS"
is "the renewals never failed" "$(cat "$T/renew.out")" ""
n=$(cat "$T/renewed")
ok_if '(( n >= 20 ))' "$n renewals were published during the lookups"
check "... as deltas" test -e "$LEASE_DB_SNAPSHOT.delta"
done_testing
