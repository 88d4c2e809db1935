#!/bin/bash
# The first test of make check (Makefile.am makes every other test's log
# wait for this one): what the host's lease-db and libvirt directories and
# nsswitch.conf hold before any test runs. tests/host-after.sh, the last,
# fails if any test changed them.
. "$TOP_SRCDIR/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || echo "# not root: what only root may read is compared by its directory entry only"
mkdir -p "$B/tests" || bail "mkdir $B/tests"
host_fingerprint >"$B/tests/host-paths.before.tmp" &&
	mv "$B/tests/host-paths.before.tmp" "$B/tests/host-paths.before"
ok $? "fingerprint of the host's paths recorded in tests/host-paths.before"
for p in /var/lib/libvirt $(host_paths); do
	if grep -q "^$p	absent" "$B/tests/host-paths.before"; then
		echo "# $p: absent"
	elif [ "$p" = /var/lib/libvirt ]; then
		echo "# $p: present (only that is compared)"
	else
		echo "# $p: $(grep "^$p[/	]" "$B/tests/host-paths.before" | grep -vc '	sha256 ') entries"
	fi
done
done_testing
