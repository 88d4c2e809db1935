#!/bin/bash
# The libvirt hook under a real libvirtd (issue 11, point 10): Debian's
# libvirtd with its network driver, in mount and network namespaces of the
# test's own (/etc, /var/lib and /var/log are overlays, /run a tmpfs: the
# host's files are never written). A network port created for a domain
# (`virsh net-port-create`, what a domain's start does through the network
# driver) makes libvirt write <bridge>.macs and run network.d/lease-db;
# the domain name resolves through leasedb_guest as soon as virsh returns,
# and stops resolving as soon as the port is deleted.
. "$TOP_SRCDIR/tests/lib.sh"
need_root

# libvirtd, virsh and the network driver: installed, or unpacked by
# tests/fetch-libvirt-helper.sh into the build directory.
find_libvirtd() {
	local root drv
	for root in "${LIBVIRT_ROOT:-}" "$B/libvirt" ""; do
		[ -x "$root/usr/sbin/libvirtd" ] && [ -x "$root/usr/bin/virsh" ] || continue
		drv=$(find "$root/usr/lib" -path '*/connection-driver/libvirt_driver_network.so' 2>/dev/null | head -1)
		[ -n "$drv" ] || continue
		echo "$root|$drv"
		return 0
	done
	return 1
}
found=$(find_libvirtd) ||
	skip_all "libvirtd, virsh and its network driver not available (tests/fetch-libvirt-helper.sh $B/libvirt unpacks them)"
command -v ip >/dev/null || skip_all "ip (iproute2) not installed"
LVROOT=${found%|*} NETDRV=${found#*|}

# Once: into private mount and network namespaces (libvirtd makes a bridge).
if [ -z "${LDB_LIBVIRTD_NS:-}" ]; then
	unshare -m -n true 2>/dev/null || skip_all "cannot create mount and network namespaces"
	LDB_LIBVIRTD_NS=1 exec unshare -m -n --propagation private bash "$0" "$@"
fi
setup_state
mount --make-rprivate / || bail "mount --make-rprivate"
for d in /etc /var/lib /var/log; do
	n=$(tr / _ <<<"$d")
	mkdir -p "$T/ov/$n/up" "$T/ov/$n/work" &&
		mount -t overlay overlay -o "lowerdir=$d,upperdir=$T/ov/$n/up,workdir=$T/ov/$n/work" "$d" ||
		skip_all "cannot lay an overlay over $d"
done
mount -t tmpfs -o mode=0755 tmpfs /run || bail "tmpfs on /run"
ip link set lo up

L=$T/libvirt
mkdir -p "$L" /var/lib/libvirt/dnsmasq /etc/libvirt/hooks/network.d /etc/libvirt/hooks/qemu.d /run/libvirt &&
	mount --bind "$L" /var/lib/libvirt/dnsmasq || bail "libvirt's directories"
export LEASE_DB_LIBVIRT_DIR=$L
printf 'hosts: files leasedb_guest\n' >"$T/nsswitch.conf"

# The hook as installed. libvirt runs hooks with a bare environment, so the
# lease-db-admin it calls is a wrapper naming the test's paths.
mkdir "$T/sbin" && cat >"$T/sbin/lease-db-admin" <<EOF && chmod 755 "$T/sbin/lease-db-admin" || bail "wrapper"
#!/bin/sh
LEASE_DB_DIR='$LEASE_DB_DIR' LEASE_DB_SNAPSHOT='$LEASE_DB_SNAPSHOT' LEASE_DB_LIBVIRT_DIR='$L' \\
	exec $VG '$B/helper/lease-db-admin' "\$@"
EOF
for d in qemu.d network.d; do
	sed -e "s|@SBINDIR@|$T/sbin|g" -e "s|@LIBVIRTHOOKSDIR@|/etc/libvirt/hooks|g" "$S/hooks/lease-db.in" \
		>"/etc/libvirt/hooks/$d/lease-db" && chmod 755 "/etc/libvirt/hooks/$d/lease-db" || bail "hook"
done

# libvirtd with the network driver alone (the others need more libraries).
mkdir "$T/drivers" && ln -s "$NETDRV" "$T/drivers/" || bail "driver directory"
LIBVIRT_DRIVER_DIR=$T/drivers "$LVROOT/usr/sbin/libvirtd" -p /run/libvirtd.pid >"$T/libvirtd.log" 2>&1 &
LIBVIRTD=$!
trap 'kill $LIBVIRTD 2>/dev/null; wait $LIBVIRTD 2>/dev/null; cleanup_state' EXIT
virsh() { "$LVROOT/usr/bin/virsh" -q -c network:///system "$@"; }
for i in $(seq 100); do
	[ -S /run/libvirt/libvirt-sock ] && virsh net-list >/dev/null 2>&1 && break
	sleep 0.1
done
check "libvirtd $("$LVROOT/usr/sbin/libvirtd" --version | awk '{print $NF}') answers in the namespace" virsh net-list
cat >"$T/net.xml" <<'XML'
<network>
  <name>ldbhook</name>
  <bridge name='admvirbr0'/>
  <forward mode='open'/>
  <dns enable='no'/>
  <ip address='10.77.0.1' netmask='255.255.255.0'/>
</network>
XML
virsh net-define "$T/net.xml" >/dev/null && virsh net-start ldbhook >/dev/null ||
	bail "cannot start the network: $(tail -3 "$T/libvirtd.log")"

port_xml() { # port_xml DOMAIN MAC UUID
	cat <<XML
<networkport>
  <uuid>$3</uuid>
  <owner><name>$1</name><uuid>11111111-2222-3333-4444-55555555555$4</uuid></owner>
  <mac address='$2'/>
</networkport>
XML
}
M1=52:54:00:a2:00:01 M2=52:54:00:a2:00:02
U1=aaaaaaaa-bbbb-cccc-dddd-000000000001 U2=aaaaaaaa-bbbb-cccc-dddd-000000000002
# The guests already hold leases (dnsmasq's events on the bridge).
for i in 1 2; do
	VIR_BRIDGE_NAME=admvirbr0 DNSMASQ_LEASE_EXPIRES=0 helper add "52:54:00:a2:00:0$i" "10.77.0.1$i" "host$i" ||
		bail "helper add"
done
is "no domain is running: web does not resolve" "$(lookup nobody -4 web)" "not found"
: >"$T/reader.err"
reader_start nobody "$GAILOOP" -4
is "... nor for a long-running process" "$(reader_ask web)" NOTFOUND

# A domain starts: libvirt creates its port, writes admvirbr0.macs, runs
# network.d/lease-db port-created.
port_xml web $M1 $U1 1 >"$T/port1.xml"
t0=$(date +%s%N)
check "virsh net-port-create (web)" virsh net-port-create ldbhook "$T/port1.xml"
ms=$((($(date +%s%N) - t0) / 1000000))
check "libvirt wrote admvirbr0.macs with web" grep -q '"web"' "$L/admvirbr0.macs"
is "as soon as virsh returns ($ms ms): web resolves" "$(lookup nobody -4 web)" 10.77.0.11
is "... for the long-running process too" "$(reader_ask web)" 10.77.0.11
port_xml db $M2 $U2 2 >"$T/port2.xml"
check "virsh net-port-create (db)" virsh net-port-create ldbhook "$T/port2.xml"
is "a second domain: db resolves at once" "$(reader_ask db)" 10.77.0.12

# The domain stops: libvirt deletes its port, rewrites the file, runs
# port-deleted.
check "virsh net-port-delete (web)" virsh net-port-delete ldbhook $U1
check_not "libvirt dropped web from admvirbr0.macs" grep -q '"web"' "$L/admvirbr0.macs"
is "as soon as virsh returns: web no longer resolves" "$(lookup nobody -4 web)" "not found"
is "... for the long-running process too" "$(reader_ask web)" NOTFOUND
is "... and db still does" "$(reader_ask db)" 10.77.0.12
reader_stop
ok $? "the long-running process exited 0"
is "libvirtd logged no hook failure" "$(grep -i 'hook' "$T/libvirtd.log" | grep -i error)" ""

virsh net-destroy ldbhook >/dev/null
virsh net-undefine ldbhook >/dev/null
done_testing
