#!/bin/bash
# Each module exports only its _nss_<service>_* entry points and links only
# libc and LMDB.
. "$TOP_SRCDIR/tests/lib.sh"
command -v nm >/dev/null || skip_all "nm not installed"

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
	soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	is "$svc: SONAME is libnss_$svc.so.2" "$soname" "libnss_$svc.so.2"
done
done_testing
