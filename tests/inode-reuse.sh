#!/bin/bash
# A published file's inode number is no identity: a filesystem hands a
# freed inode number to the next file it creates (ext4 does so at once).
# A long-running process answers every lookup through getaddrinfo in the
# same process while helpers publish, deltas and new bases alternating;
# after each helper exits, that process must resolve the name the helper
# just added — a stale answer is a failure. Each helper's removal of the
# old delta (after its counter bump) is delayed by strace, as a busy host
# may deschedule it, and the process looks a name up meanwhile: it then
# sees the new base beside the old delta, which the next delta's file may
# replace under the same inode number. On a loop-mounted ext4 and on
# tmpfs, in a private mount namespace.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
private_mounts "$@"
command -v strace >/dev/null || skip_all "strace not installed (it delays the helper's unlink)"
setup_state
trap 'umount -l "$T/ext4" "$T/tmpfs" 2>/dev/null; cleanup_state' EXIT
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_LEASE_EXPIRES=0
# A delta after each new base, a new base after each delta.
export LEASE_DB_DELTA_MIN=1 LEASE_DB_DELTA_MAX=1 LEASE_DB_DELTA_DIV=1
EVENTS=${INODE_EVENTS:-24}

# mount_fs ext4|tmpfs: the filesystem at $T/<fs>, or a reason on stdout.
mount_fs() {
	mkdir "$T/$1" || return 1
	if [ "$1" = tmpfs ]; then
		mount -t tmpfs -o mode=755 lease-db-test "$T/tmpfs" || echo "cannot mount a tmpfs"
		return
	fi
	command -v mkfs.ext4 >/dev/null || { echo "mkfs.ext4 not installed"; return; }
	truncate -s 32M "$T/ext4.img" && mkfs.ext4 -q -F "$T/ext4.img" >/dev/null 2>&1 ||
		{ echo "mkfs.ext4 failed"; return; }
	mount -o loop "$T/ext4.img" "$T/ext4" 2>/dev/null ||
		echo "cannot mount a loop device (none available?)"
}

for fs in ext4 tmpfs; do
	why=$(mount_fs $fs)
	if [ -n "$why" ]; then
		skip "$fs: $why"
		continue
	fi
	mkdir -m 755 "$T/$fs/run"
	export LEASE_DB_DIR=$T/master-$fs LEASE_DB_SNAPSHOT=$T/$fs/run/leases.mdb
	helper add 52:54:00:00:ff:01 10.55.255.1 stable || bail "helper add"
	: >"$T/reader.err"
	reader_start root "$GAILOOP" -4
	is "$fs: the long-running process resolves" "$(reader_ask stable)" 10.55.255.1
	stale=0 wrong=0 failed=0 reused=0
	declare -A seen=()
	for i in $(seq "$EVENTS"); do
		a=10.55.$((i >> 8)).$((i & 255))
		# LeakSanitizer refuses to run under ptrace.
		ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e inject=unlinkat:delay_enter=300000 \
			"$HELPER" add "52:54:00:01:$(printf %02x:%02x $((i >> 8)) $((i & 255)))" "$a" "new$i" &
		hpid=$!
		sleep 0.1
		got=$(reader_ask stable)
		[ "$got" = 10.55.255.1 ] || { wrong=$((wrong + 1)); echo "# event $i: stable: $got"; }
		wait $hpid || failed=$((failed + 1))
		ino=$(stat -c %i "$LEASE_DB_SNAPSHOT.delta" 2>/dev/null) &&
			[ -n "${seen[$ino]:-}" ] && reused=$((reused + 1))
		[ -n "$ino" ] && seen[$ino]=1
		got=$(reader_ask "new$i")
		if [ "$got" != "$a" ]; then
			stale=$((stale + 1))
			[ "$stale" -le 5 ] && echo "# $fs, event $i: new$i: got '$got', want $a"
		fi
	done
	unset seen
	reader_stop
	ok $? "$fs: the long-running process exited 0"
	is "$fs: the helpers exited 0" "$failed" 0
	is "$fs: lookups during publication answered right" "$wrong" 0
	is "$fs: after each of $EVENTS publications the new name resolved at once ($reused deltas reused an inode number)" \
		"$stale stale" "0 stale"
	is "$fs: nothing on stderr" "$(cat "$T/reader.err")" ""
	umount -l "$T/$fs"
done
done_testing
