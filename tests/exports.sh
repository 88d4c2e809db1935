#!/bin/bash
# The module exports only _nss_leasedb_* and links only libc and LMDB.
. "$TOP_SRCDIR/tests/lib.sh"
so=$NSSLIB/libnss_leasedb.so.2
[ -f "$so" ] || bail "$so not built"
command -v nm >/dev/null || skip_all "nm not installed"

syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
want=$(printf '%s\n' _nss_leasedb_gethostbyaddr2_r _nss_leasedb_gethostbyaddr_r \
	_nss_leasedb_gethostbyname2_r _nss_leasedb_gethostbyname3_r \
	_nss_leasedb_gethostbyname4_r _nss_leasedb_gethostbyname_r | sort)
is "exactly the six entry points are exported" "$syms" "$want"

needed=$(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v -e '^libasan' -e '^libubsan' | sort | tr '\n' ' ')
is "links only libc and LMDB" "$needed" "libc.so.6 liblmdb.so.0 "
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
is "SONAME is libnss_leasedb.so.2" "$soname" "libnss_leasedb.so.2"
done_testing
