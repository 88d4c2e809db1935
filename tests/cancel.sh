#!/bin/bash
# A thread cancelled in the middle of a lookup (pthread_cancel: deferred
# cancellation takes effect at open() or close(), which the module calls
# while it opens a new publication under its lock) must not leave the lock
# held: the process's next lookup would wait for ever. A process resolves
# a name, a new snapshot is published, a thread is cancelled just before
# it looks the new name up (so it is cancelled inside that lookup), then
# the main thread resolves the new name: within 10 s, and correctly. As
# root and as nobody, through getaddrinfo in the real resolver.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
cp "$B/tests/tools/cancelled" "$T/stage/" || bail "cannot stage the tool"
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0

n=0
for user in root nobody; do
	for kind in base delta; do
		n=$((n + 1))
		helper add "52:54:00:77:00:0$n" "10.77.$n.1" "first$n" || bail "helper add"
		: >"$T/reader.err"
		reader_start "$user" "$T/stage/cancelled" "first$n" "second$n"
		is "$user, new $kind: the process resolved the first name" "$(reader_read)" ready
		if [ "$kind" = base ]; then
			LEASE_DB_DELTA_MIN=1000000 helper add "52:54:00:77:01:0$n" "10.77.$n.2" "second$n"
		else
			LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=1000 LEASE_DB_DELTA_DIV=1 \
				helper add "52:54:00:77:01:0$n" "10.77.$n.2" "second$n"
		fi
		ok $? "$user, new $kind: published"
		is "$user, new $kind: after a thread was cancelled mid-lookup, the next lookup answers" \
			"$(reader_ask go)" "second$n 10.77.$n.2"
		reader_stop
		ok $? "$user, new $kind: the process exited 0"
		is "$user, new $kind: nothing on stderr" "$(cat "$T/reader.err")" ""
	done
done
done_testing
