#!/bin/bash
# Guests choose their hostnames, the administrator libvirt domain names. A
# guest sending another machine's domain name as its hostname must not be
# answered for it by leasedb, whichever module comes first in
# nsswitch.conf; a guest whose hostname is its own domain name still is.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
setup_state
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
E=$(( $(now) + 3600 ))

cat >"$L/default.macs" <<'JSON'
[ { "domain": "db-prod", "macs": [ "52:54:00:00:00:01" ] },
  { "domain": "web", "macs": [ "52:54:00:00:00:02" ] },
  { "domain": "db.vm", "macs": [ "52:54:00:00:00:05" ] },
  { "domain": "evil", "macs": [ "52:54:00:00:00:03" ] },
  { "domain": "wpad", "macs": [ "52:54:00:00:00:0a" ] } ]
JSON

add() { # add DOMAIN MAC ADDRESS HOSTNAME
	local dom=$1
	shift
	VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=$E DNSMASQ_DOMAIN=$dom helper add "$@" ||
		bail "add $*"
}
add lan.test 52:54:00:00:00:01 192.168.122.10 dbhost  # VM db-prod, another hostname
add lan.test 52:54:00:00:00:03 192.168.122.30 db-prod # VM evil, claims db-prod
add lan.test 52:54:00:00:00:02 192.168.122.20 web     # VM web, its own name
add lan.test 52:54:00:00:00:06 192.168.122.60 web     # no VM of libvirt's, claims web
add vm 52:54:00:00:00:05 192.168.122.50 dbvm          # VM db.vm
add vm 52:54:00:00:00:04 192.168.122.40 db            # claims db.vm as host.domain
add lan.test 52:54:00:00:00:07 192.168.122.70 plain   # nobody's domain name
add lan.test 52:54:00:00:00:0a 192.168.122.100 proxy  # VM wpad, a reserved name

for order in "leasedb leasedb_guest" "leasedb_guest leasedb"; do
	printf 'hosts: files %s\n' "$order" >"$T/nsswitch.conf"
	for u in root nobody; do
		is "$order, $u: db-prod is the VM db-prod, not the guest claiming it" \
			"$(resolve $u -4 db-prod)" 192.168.122.10
		is "$order, $u: ... also as db-prod.lan.test" "$(resolve $u -4 db-prod.lan.test)" \
			192.168.122.10
		is "$order, $u: web is the VM web only" "$(resolve $u -4 web)" 192.168.122.20
		is "$order, $u: a domain name with a dot is not host.domain of a guest" \
			"$(resolve $u -4 db.vm)" 192.168.122.50
		is "$order, $u: other hostnames still resolve" "$(resolve $u -4 plain)" 192.168.122.70
		is "$order, $u: a domain named wpad is not answered either" \
			"$(lookup $u -4 wpad)" "not found"
	done
done

# leasedb alone: what it answers itself.
printf 'hosts: files leasedb\n' >"$T/nsswitch.conf"
is "leasedb alone: db-prod is another machine's domain name, not found" "$(lookup nobody db-prod)" "not found"
is "leasedb alone: ... nor db-prod.lan.test" "$(lookup nobody db-prod.lan.test)" "not found"
is "leasedb alone: a guest's own domain name as hostname is fine" "$(resolve nobody -4 web)" \
	192.168.122.20
is "leasedb alone: ... also as web.lan.test" "$(resolve nobody -4 web.lan.test)" 192.168.122.20
is "leasedb alone: the domain's own guest under its hostname" "$(resolve nobody -4 dbhost)" \
	192.168.122.10
is "leasedb alone: db.vm (a domain name) is not the guest named db in vm" "$(lookup nobody db.vm)" "not found"
is "lease-db-dump -n matches as the module does: not db-prod" \
	"$(dump --json -n db-prod | jq -c 'map(.["ip-address"])')" '[]'
is "... web.lan.test, its own VM only" \
	"$(dump --json -n WEB.lan.test. | jq -r '.[]["ip-address"]')" 192.168.122.20

# A domain appears in the .macs files after the lease that claims its name:
# the next event publishes the new guest tables and the claim ends there.
add lan.test 52:54:00:00:00:08 192.168.122.80 newvm
is "... a guest takes it" "$(resolve nobody -4 newvm)" 192.168.122.80
cat >"$L/default.macs.new" <<'JSON'
[ { "domain": "db-prod", "macs": [ "52:54:00:00:00:01" ] },
  { "domain": "web", "macs": [ "52:54:00:00:00:02" ] },
  { "domain": "db.vm", "macs": [ "52:54:00:00:00:05" ] },
  { "domain": "evil", "macs": [ "52:54:00:00:00:03" ] },
  { "domain": "newvm", "macs": [ "52:54:00:00:00:09" ] } ]
JSON
mv "$L/default.macs.new" "$L/default.macs"
add lan.test 52:54:00:00:00:09 192.168.122.90 newvm-host
is "after libvirt names a VM newvm, leasedb no longer answers the guest that claimed it" \
	"$(lookup nobody -4 newvm)" "not found"
printf 'hosts: files leasedb leasedb_guest\n' >"$T/nsswitch.conf"
is "... and with both modules, newvm is the VM" "$(resolve nobody -4 newvm)" 192.168.122.90
if [ -n "${LEASE_DB_DELTA_MIN:-}" ]; then
	check "the guest tables came from a delta" test -s "$LEASE_DB_SNAPSHOT.delta"
fi
done_testing
