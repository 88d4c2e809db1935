#!/bin/bash
# Statically linked programs load NSS modules too (glibc's static dlopen,
# which honours LD_LIBRARY_PATH): a `gcc -static` getaddrinfo client and
# Debian's busybox-static ping, through `hosts: files leasedb dns` (and
# leasedb_guest), as root and as nobody. A lease resolves to its address,
# a name that is no lease fails cleanly (as the dynamic client does), and
# nothing crashes. Runs in a network namespace of its own, so the `dns`
# step and ping touch nothing outside.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
# valgrind cannot follow a static glibc program (its own start-up and
# malloc are reported before the module is loaded): run them natively.
VG=
# A module built with AddressSanitizer needs ASan's runtime loaded first,
# which a static program cannot do.
[ -z "${LEASE_DB_PRELOAD:-}" ] || skip_all "the module is built with sanitizers: a static program cannot load their runtime"
if [ -z "${LDB_STATIC_NETNS:-}" ]; then
	exec unshare -n env LDB_STATIC_NETNS=1 bash "$0" "$@"
fi
ip link set lo up || bail "loopback in the test's network namespace"
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip_all "no C compiler ($CC) to build a static client"
case $("$CC" -print-file-name=libc.a) in
/*) ;;
*) skip_all "no static C library (libc.a): install libc6-dev" ;;
esac
setup_state
"$CC" -static -O1 -I"$B" -o "$T/stage/gai-static" "$S/tests/tools/gai.c" 2>"$T/cc.err" ||
	bail "cannot link a static client: $(head -3 "$T/cc.err")"
GAIS=$T/stage/gai-static
readelf -lW "$GAIS" | grep -q INTERP && bail "gai-static is not static"

L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
printf '[ { "domain": "static-vm", "macs": [ "52:54:00:00:00:01" ] } ]\n' >"$L/default.macs"
VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=0 helper add 52:54:00:00:00:01 10.91.0.5 statichost ||
	bail "helper add"

# run USER CLIENT ARGS...: "rc=N" and the client's output, one line.
run() {
	local out rc
	out=$(as "$@" 2>/dev/null)
	rc=$?
	echo "rc=$rc ${out//$'\n'/ }"
}

for svc in leasedb leasedb_guest; do
	printf 'hosts: files %s dns\n' "$svc" >"$T/nsswitch.conf"
	name=statichost
	[ "$svc" = leasedb_guest ] && name=static-vm
	for u in root nobody; do
		is "$svc, $u: static getaddrinfo, a lease: its address" \
			"$(run $u "$GAIS" -4 "$name")" "rc=0 10.91.0.5"
		got=$(run $u "$GAIS" -4 no-such-lease)
		is "$svc, $u: static getaddrinfo, no lease: fails as the dynamic client does" \
			"$got" "$(run $u "$GAI" -4 no-such-lease)"
		rc=${got%% *} rc=${rc#rc=}
		ok_if '(( rc > 0 && rc < 128 ))' "$svc, $u: ... and cleanly (exit $rc: a failure, not a signal)"
	done
done

# busybox-static's ping, to the lease's address held by a veth interface
# of this namespace.
BB=/bin/busybox
if [ ! -x "$BB" ] || readelf -lW "$BB" 2>/dev/null | grep -q INTERP ||
	! "$BB" --list 2>/dev/null | grep -qx ping; then
	skip "no static busybox with ping at $BB (Debian: busybox-static)"
else
	ip link add ldbst0 type veth peer name ldbst1 && ip addr add 10.91.0.5/24 dev ldbst0 &&
		ip link set ldbst0 up && ip link set ldbst1 up || bail "veth interface"
	printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
	out=$(as root "$BB" ping -c1 -W3 statichost 2>&1)
	rc=$?
	is "busybox ping, a lease: exit 0" "$rc" 0
	check "busybox ping, a lease: the lease's address answered: $(head -2 <<<"$out" | tr '\n' ' ')" \
		grep -q '^64 bytes from 10\.91\.0\.5:' <<<"$out"
	out=$(as root "$BB" ping -c1 -W3 no-such-lease 2>&1)
	rc=$?
	ok_if '(( rc > 0 && rc < 128 ))' "busybox ping, no lease: fails cleanly (exit $rc, not a signal)"
	check "busybox ping, no lease: says so: $out" grep -q 'bad address' <<<"$out"
fi
done_testing
