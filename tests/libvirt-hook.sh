#!/bin/bash
# The libvirt hook (issue 11, point 10): libvirt rewrites <bridge>.macs and
# then runs network.d/lease-db (port-created, port-deleted) and
# qemu.d/lease-db (started, release, ...) with the object's name, the
# operation, the sub-operation and "-" as arguments and the XML on stdin.
# Called exactly so, the hook makes a domain's start and stop visible to
# leasedb_guest at once, for new processes and for one already running;
# it always exits 0, never writes to stdout (libvirt would take it as a
# new domain XML) and never holds libvirt up for long.
# tests/libvirt-hook-real.sh does the same under a real libvirtd.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
printf 'hosts: files leasedb_guest\n' >"$T/nsswitch.conf"

# The hook as installed, calling this build's lease-db-admin.
hook_install() { # hook_install SBINDIR
	local d
	for d in qemu.d network.d; do
		mkdir -p "$T/hooks/$d" &&
			sed -e "s|@SBINDIR@|$1|g" -e "s|@LIBVIRTHOOKSDIR@|$T/hooks|g" "$S/hooks/lease-db.in" \
				>"$T/hooks/$d/lease-db" && chmod 755 "$T/hooks/$d/lease-db" || return 1
	done
}
hook_install "$B/helper" || bail "cannot install the hook"
# What the hook tells syslog goes to a file here.
mkdir "$T/bin" && printf '#!/bin/sh\necho "$*" >>"%s"\n' "$T/syslog" >"$T/bin/logger" &&
	chmod 755 "$T/bin/logger" || bail "cannot make a fake logger"
export PATH=$T/bin:$PATH

# libvirt's writes: <bridge>.macs replaced atomically (virFileRewrite).
macs() { # macs 'DOMAIN MAC'...
	local e first=1
	{
		printf '['
		for e in "$@"; do
			[ $first = 1 ] || printf ','
			first=0
			printf '\n  {\n    "domain": "%s",\n    "macs": [\n      "%s"\n    ]\n  }' "${e% *}" "${e#* }"
		done
		printf '\n]\n'
	} >"$L/virbr0.macs.new" && mv "$L/virbr0.macs.new" "$L/virbr0.macs"
}
net_xml() { # net_xml DOMAIN MAC: what networkRunHook() writes for a port
	cat <<XML
<hookData>
  <network>
    <name>default</name>
    <uuid>5b4e1d0e-7b0a-4c1e-9b8e-2f3c1a9d0001</uuid>
    <forward mode='nat'/>
    <bridge name='virbr0' stp='on' delay='0'/>
    <ip address='192.168.122.1' netmask='255.255.255.0'>
      <dhcp>
        <range start='192.168.122.2' end='192.168.122.254'/>
      </dhcp>
    </ip>
  </network>
  <networkport>
    <uuid>7c1d2e3f-0000-4000-8000-00000000000$((RANDOM % 10))</uuid>
    <owner>
      <name>$1</name>
      <uuid>11111111-2222-3333-4444-555555555555</uuid>
    </owner>
    <mac address='$2'/>
    <plug type='network' bridge='virbr0'/>
  </networkport>
</hookData>
XML
}
dom_xml() { # dom_xml DOMAIN MAC
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='KiB'>65536</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <interface type='network'>
      <mac address='$2'/>
      <source network='default' bridge='virbr0'/>
      <rom enabled='no'/>
    </interface>
  </devices>
</domain>
XML
}
# hook KIND NAME OP SUBOP XML: run as libvirt does; HOOK is then
# "rc=N stdout=...", HOOK_MS how long libvirt waited.
hook() {
	local t0 t1 out rc
	t0=$(date +%s%N)
	out=$(printf '%s\n' "$5" | "$T/hooks/$1.d/lease-db" "$2" "$3" "$4" -)
	rc=$?
	t1=$(date +%s%N)
	HOOK_MS=$(((t1 - t0) / 1000000))
	HOOK="rc=$rc stdout=${out}"
}

M1=52:54:00:a1:00:01 M2=52:54:00:a1:00:02 M3=52:54:00:a1:00:03
macs "web $M1" "db $M2"
for i in 1 2 3; do
	VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=0 helper add "52:54:00:a1:00:0$i" "192.168.122.1$i" "host$i" ||
		bail "helper add"
done
is "running domains resolve" "$(lookup nobody -4 web) $(lookup nobody -4 db)" "192.168.122.11 192.168.122.12"
is "a domain not running does not" "$(lookup nobody -4 late)" "not found"

: >"$T/reader.err"
reader_start nobody "$GAILOOP" -4
is "a long-running process resolves web" "$(reader_ask web)" 192.168.122.11

# virsh destroy web: libvirt drops web from virbr0.macs, then its hooks.
macs "db $M2"
is "the .macs change alone reaches no lookup" "$(lookup nobody -4 web)" 192.168.122.11
hook network default port-deleted begin "$(net_xml web $M1)"
is "network hook, port-deleted: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
is "at once, a new process: the stopped domain is gone" "$(lookup nobody -4 web)" "not found"
is "... and the running process too" "$(reader_ask web)" NOTFOUND
is "... the other domain still resolves" "$(reader_ask db)" 192.168.122.12
ok_if '(( HOOK_MS < 1000 ))' "the hook took $HOOK_MS ms (< 1 s)"
hook qemu web stopped end "$(dom_xml web $M1)"
is "qemu hook, stopped: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
hook qemu web release end "$(dom_xml web $M1)"
is "qemu hook, release: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="

# virsh start late: libvirt adds it to virbr0.macs, then port-created.
macs "db $M2" "late $M3"
hook network default port-created begin "$(net_xml late $M3)"
is "network hook, port-created: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
is "at once, a new process: the started domain resolves" "$(lookup nobody -4 late)" 192.168.122.13
is "... and the running process too" "$(reader_ask late)" 192.168.122.13
ok_if '(( HOOK_MS < 1000 ))' "the hook took $HOOK_MS ms (< 1 s)"

# The qemu hook alone (the network hook not installed) does it as well.
macs "db $M2" "late $M3" "web $M1"
hook qemu web started begin "$(dom_xml web $M1)"
is "qemu hook, started: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
is "... web resolves again" "$(reader_ask web)" 192.168.122.11
reader_stop
ok $? "the long-running process exited 0"
is "... with nothing on stderr" "$(cat "$T/reader.err")" ""

# Operations where nothing changed: no work, and above all no stdout
# (for migrate and restore libvirt reads it as the domain's new XML).
hook qemu web migrate begin "$(dom_xml web $M1)"
is "qemu migrate: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
hook qemu web prepare begin "$(dom_xml web $M1)"
is "qemu prepare: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
hook network default started begin "$(net_xml web $M1)"
is "network started with unchanged .macs files: exit 0" "$HOOK" "rc=0 stdout="

# Whatever goes wrong, libvirt goes on: a damaged master, no master, a
# lease-db-admin that hangs.
truncate -s 10 "$LEASE_DB_DIR/data.mdb"
hook network default port-created begin "$(net_xml web $M1)"
is "damaged master: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
check "... the failure goes to syslog: $(cat "$T/syslog" 2>&1)" grep -q 'lease-db-admin rebuild' "$T/syslog"
rm "$LEASE_DB_DIR/data.mdb"
hook network default port-created begin "$(net_xml web $M1)"
is "no master: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
check "... and none was created" test ! -e "$LEASE_DB_DIR/data.mdb"
mkdir "$T/hung"
printf '#!/bin/sh\necho noise\nexec sleep 60\n' >"$T/hung/lease-db-admin"
chmod 755 "$T/hung/lease-db-admin"
hook_install "$T/hung" || bail "cannot install the hook"
hook network default port-created begin "$(net_xml web $M1)"
is "lease-db-admin hangs: exit 0, nothing on stdout" "$HOOK" "rc=0 stdout="
ok_if '(( HOOK_MS < 7000 ))' "... libvirt waited $HOOK_MS ms (the hook gives up after 5 s)"
done_testing
