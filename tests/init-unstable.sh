#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# init on a master it cannot write reads it without a reader slot (issue 11
# point 3): a writer on another mount of the filesystem may reuse the pages
# the read sees, so an unstable read is taken again. A reused page can make
# the read fail (MDB_PAGE_NOTFOUND, MDB_CORRUPTED) as well as lie: that
# failure is retried too, never init's exit 3 (review of point 3). The
# fault is injected by a preloaded shim (tests/tools/mdbfault.c, built
# here): the read's first cursor step fails and two commits appear to have
# happened meanwhile.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip_all "no C compiler to build the fault shim"
private_mounts "$@"
setup_state
export LEASE_DB_LIBVIRT_DIR=none DNSMASQ_INTERFACE=unst0
"$CC" -shared -fPIC -o "$T/mdbfault.so" "$S/tests/tools/mdbfault.c" -ldl 2>"$T/cc.err" ||
	skip_all "cannot build the fault shim: $(head -1 "$T/cc.err")"
for i in 1 2 3; do
	DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600)) helper add 52:54:00:0e:00:0$i 10.14.0.$i unst$i ||
		bail "recording lease $i"
done
mkdir "$T/ro" && mount --bind "$LEASE_DB_DIR" "$T/ro" && mount -o remount,bind,ro "$T/ro" ||
	bail "read-only bind mount"

out=$(LEASE_DB_DIR=$T/ro helper init 2>"$T/init.err")
is "init on the read-only master exits 0" "$?" 0
is "... and prints the 3 leases" "$(grep -c ' unst[0-9] ' <<<"$out")" 3

out=$(LEASE_DB_DIR=$T/ro LD_PRELOAD="${LEASE_DB_PRELOAD:+$LEASE_DB_PRELOAD }$T/mdbfault.so" \
	"$HELPER" init 2>"$T/init.err")
rc=$?
is "a read that fails while a writer elsewhere commits: init exits 0" "$rc" 0
is "... and prints the 3 leases, read again" "$(grep -c ' unst[0-9] ' <<<"$out")" 3
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/init.err"
umount "$T/ro"
done_testing
