#!/bin/bash
# Daemons close every descriptor after start-up and reuse the numbers: a
# process resolves a name, closes all descriptors above 2 (a close() loop,
# or close_range()), opens its log, which gets descriptor 3, and keeps
# resolving while new snapshots are published (new bases, and deltas). The
# module must never close or use a descriptor the daemon took over: every
# new name resolves, every log line lands in the log through fd 3, fd 3
# stays the log, and nothing the daemon writes ends up in any other file.
# As root and as nobody, through getaddrinfo in the real resolver.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0
mkdir "$T/logs" && chown 65534:65534 "$T/logs" || bail "log directory"

n=0
# publish base|delta NAME ADDRESS: one helper event, published as asked.
publish() {
	local mac
	n=$((n + 1))
	mac=52:54:00:66:$(printf %02x $((n >> 8))):$(printf %02x $((n & 255)))
	if [ "$1" = base ]; then
		LEASE_DB_DELTA_MIN=1000000 helper add "$mac" "$3" "$2" || echo "helper failed"
	else
		LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=1000 LEASE_DB_DELTA_DIV=1 \
			helper add "$mac" "$3" "$2" || echo "helper failed"
		[ -e "$LEASE_DB_SNAPSHOT.delta" ] || echo "no delta was published"
	fi
}

s=0
for user in root nobody; do
	for mode in close range; do
		for kind in base delta; do
			s=$((s + 1))
			what="$user, $mode, new ${kind}s"
			log=$T/logs/daemon$s.log
			# A fresh base, and for the delta runs a delta too, so the
			# daemon's first lookup maps every kind of file.
			out=$(publish base "first$s" "10.66.$s.1")
			[ "$kind" = delta ] && out+=$(publish delta "second$s" "10.66.$s.2")
			is "$what: set-up publications" "$out" ""
			: >"$T/reader.err"
			reader_start "$user" "$FDTHEFT" "$mode" "$log" "first$s"
			is "$what: the daemon resolved, closed its descriptors, opened its log as fd 3" \
				"$(reader_read)" ready
			want="started first$s 10.66.$s.1"
			for r in 1 2; do
				is "$what: publication $r" "$(publish "$kind" "new$s-$r" "10.66.$s.1$r")" ""
				is "$what: after publication $r the new name resolves, fd 3 is still the log" \
					"$(reader_ask "new$s-$r")" "10.66.$s.1$r fd3=ok"
				want+=$'\n'"new$s-$r 10.66.$s.1$r"
			done
			reader_stop
			ok $? "$what: the daemon exited 0 (fd 3 was its log throughout)"
			is "$what: the log holds every line the daemon wrote, nothing else" \
				"$(cat "$log")" "$want"
			others=$(grep -rlF -D skip --binary-files=text "new$s-1 10.66.$s.11" "$T" |
				grep -vxF "$log")
			is "$what: no other file got the daemon's lines" "$others" ""
			# (valgrind warns about the descriptors it keeps for itself)
			[ -n "$VG" ] || is "$what: nothing on stderr" "$(cat "$T/reader.err")" ""
		done
	done
done
done_testing
