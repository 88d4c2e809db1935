#!/bin/bash
# Who walks a snapshot (doc/design.md, "Who walks"): a fresh process trusts
# a file the helper verified and published without reading it through (one
# mapping of the base: liblmdb's), and walks any other file first (a
# second, temporary mapping): one rewritten in place, and any file on a
# filesystem whose ctime has no nanoseconds (ext4 with 128-byte inodes),
# where a write within the second of publication would not change it.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v strace >/dev/null || skip_all "strace not installed (it counts the mappings)"
private_mounts "$@"
setup_state
export DNSMASQ_LEASE_EXPIRES=0

# maps: how many times a fresh process maps the base to resolve NAME.
maps() {
	as root env ASAN_OPTIONS=detect_leaks=0 strace -f -y -e trace=mmap -o /dev/stdout \
		"$GAI" -4 "$1" 2>/dev/null | grep -c "MAP_SHARED, [0-9]*<$LEASE_DB_SNAPSHOT>"
}

helper add 52:54:00:00:00:01 10.77.0.1 vouched || bail "helper add"
is "published by the helper: the base is mapped once (not walked)" "$(maps vouched)" 1
is "... and answers" "$(resolve root -4 vouched)" 10.77.0.1

# Same bytes, written in place: a new ctime, no longer the file vouched for.
cp "$LEASE_DB_SNAPSHOT" "$T/copy" && cat "$T/copy" >"$LEASE_DB_SNAPSHOT"
is "rewritten in place: walked before use" "$(maps vouched)" 2
is "... and, being intact, answers" "$(resolve root -4 vouched)" 10.77.0.1
helper add 52:54:00:00:00:02 10.77.0.2 again || bail "helper add"
is "published again: trusted again" "$(maps again)" 1

# A filesystem with whole-second ctimes.
truncate -s 32M "$T/fs.img" && mkfs.ext4 -q -I 128 "$T/fs.img" 2>/dev/null &&
	mkdir "$T/mnt" && mount -o loop "$T/fs.img" "$T/mnt" 2>/dev/null
if [ $? -ne 0 ]; then
	skip "ext4 with 128-byte inodes: cannot make or loop-mount one here"
else
	chmod 755 "$T/mnt"
	export LEASE_DB_SNAPSHOT=$T/mnt/run/leases.mdb
	helper add 52:54:00:00:00:03 10.77.0.3 coarse || bail "helper add"
	is "ctime without nanoseconds: walked even when just published" "$(maps coarse)" 2
	is "... and answers" "$(resolve root -4 coarse)" 10.77.0.3
	umount "$T/mnt"
fi
done_testing
