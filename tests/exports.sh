#!/bin/bash
# Each module exports only its _nss_<service>_* entry points and links only
# libc and LMDB; neither module nor lease-db-dump links any code that writes
# an LMDB database.
. "$TOP_SRCDIR/tests/lib.sh"
command -v nm >/dev/null || skip_all "nm not installed"

# Every liblmdb call that changes a database or environment file, and none
# that a reader needs. mdb_txn_commit is not here: a reader commits its
# read-only transaction too (to keep the table handles), and the call cannot
# tell the two apart; without mdb_put, mdb_del, mdb_drop and the cursor
# writes a write transaction could change nothing. mdb_env_set_mapsize is
# not a write (readers map only the file's size with it).
#   mdb_put, mdb_cursor_put: add or replace records
#   mdb_del, mdb_cursor_del, mdb_drop: remove records or tables
#   mdb_env_copy, mdb_env_copy2, mdb_env_copyfd, mdb_env_copyfd2: write a copy
#   mdb_env_sync: flush dirty pages; mdb_env_set_flags: turn on write modes
#   mdb_reader_check: clears reader slots in the lock file
LMDB_WRITES="mdb_put mdb_cursor_put mdb_del mdb_cursor_del mdb_drop mdb_env_copy
	mdb_env_copy2 mdb_env_copyfd mdb_env_copyfd2 mdb_env_sync mdb_env_set_flags
	mdb_reader_check"
writes_of() { # the LMDB write calls a binary imports, space-separated
	local u
	u=$(nm -D --undefined-only "$1" | awk '{print $2}' | sed 's/@.*//' | sort -u)
	for f in $LMDB_WRITES; do grep -qx "$f" <<<"$u" && printf '%s ' "$f"; done
}
# The check itself: the helper writes, and is caught.
helper_writes=$(writes_of "$HELPER")
[ -n "$helper_writes" ]
ok $? "the write-call list catches the helper: $helper_writes"
is "lease-db-dump imports no LMDB write call" "$(writes_of "$DUMP")" ""

for svc in leasedb leasedb_guest; do
	so=$NSSLIB/libnss_$svc.so.2
	[ -f "$so" ] || bail "$so not built"
	syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
	want=$(for f in gethostbyaddr2_r gethostbyaddr_r gethostbyname2_r gethostbyname3_r \
		gethostbyname4_r gethostbyname_r; do echo "_nss_${svc}_$f"; done | sort)
	is "$svc: exactly the six entry points are exported" "$syms" "$want"
	needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
		grep -v -e '^libasan' -e '^libubsan' -e '^ld-linux' | sort | tr '\n' ' ')
	is "$svc: links only libc and LMDB" "$needed" "libc.so.6 liblmdb.so.0 "
	is "$svc: imports no LMDB write call" "$(writes_of "$so")" ""
	soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	is "$svc: SONAME is libnss_$svc.so.2" "$soname" "libnss_$svc.so.2"
done
done_testing
