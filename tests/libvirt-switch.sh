#!/bin/bash
# Switching a libvirt network back and forth (issue 11, point 8):
# lease-db-helper -> Debian's libvirt_leaseshelper -> lease-db-helper on
# the same <bridge>.status. When lease-db finds a .status it did not write,
# that file is the truth for its bridge: leases taken in between resolve,
# leases released in between neither resolve nor come back through init.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
LV=$(find_libvirt_helper) || skip_all "libvirt_leaseshelper not available (apt-get download libvirt-daemon)"
command -v jq >/dev/null || skip_all "jq not installed"
setup_state
mkdir -p "$T/lv"
export LEASE_DB_LIBVIRT_DIR=$T/lv DNSMASQ_INTERFACE=virbr0 VIR_BRIDGE_NAME=virbr0
export DNSMASQ_LEASE_EXPIRES=$(($(now) + 3600))

ours() { "$HELPER" "$@"; }
theirs() { in_libvirt_dir "$T/lv" "$LV" "$@"; }
# served NAME: the addresses lease-db answers for NAME, space-separated
served() { dump --json -n "$1" | jq -r 'map(.["ip-address"]) | sort | join(" ")'; }
in_init() { ours init | grep -c " $1 "; }
status_ips() { jq -r 'map(.["ip-address"]) | sort | join(" ")' "$T/lv/virbr0.status"; }

# 1. lease-db first.
for i in 10 11 12 13; do
	ours add 52:54:00:00:00:$i 192.168.122.$i host$i || bail "lease-db add host$i"
done
is "lease-db: four leases" "$(served host11)" "192.168.122.11"

# 2. libvirt's helper in between: takes two, releases two, renews one.
theirs add 52:54:00:00:00:20 192.168.122.20 taken20 && theirs add 52:54:00:00:00:21 192.168.122.21 taken21 &&
	theirs del 52:54:00:00:00:11 192.168.122.11 host11 && theirs del 52:54:00:00:00:12 192.168.122.12 &&
	theirs old 52:54:00:00:00:13 192.168.122.13 renamed13
ok $? "libvirt's helper ran on the same status file"
is "... which now lists" "$(status_ips)" "192.168.122.10 192.168.122.13 192.168.122.20 192.168.122.21"
cp "$T/lv/virbr0.status" "$T/between.status"

# 3. Back to lease-db: its first event on the bridge.
ours add 52:54:00:00:00:30 192.168.122.30 host30
ok $? "lease-db's next event"
# .status holds the name each client sent, accepted by dnsmasq or not: an
# imported lease has no name until dnsmasq passes it again (renewal).
is "a lease taken in between is recorded" \
	"$(dump --json | jq -r 'map(select(.["ip-address"] == "192.168.122.20") | .hostname // "-") | join(" ")')" "-"
is "... without the name .status gives, until renewed" "$(served taken20)$(served taken21)" ""
is "a lease released in between does not" "$(served host11)" ""
is "... nor the other one" "$(served host12)" ""
is "a lease renamed in between goes by neither name until renewed" "$(served renamed13) / $(served host13)" " / "
is "... and the event's own lease is there" "$(served host30)" "192.168.122.30"
is "init hands dnsmasq no released lease" "$(in_init 192.168.122.11)$(in_init 192.168.122.12)" "00"
is "... and the leases taken in between" "$(in_init 192.168.122.20)$(in_init 192.168.122.21)" "11"
# The file, as libvirt's helper would have written it for that event.
mkdir -p "$T/ref"
cp "$T/between.status" "$T/ref/virbr0.status"
in_libvirt_dir "$T/ref" "$LV" add 52:54:00:00:00:30 192.168.122.30 host30
cmp -s "$T/ref/virbr0.status" "$T/lv/virbr0.status"
ok $? "the status file is what libvirt's helper would have made of it, byte for byte"
is "the master and the file agree" "$(dump --json | jq -r 'map(.["ip-address"]) | sort | join(" ")')" "$(status_ips)"
# The guests renew: dnsmasq passes the names it accepted.
ours old 52:54:00:00:00:20 192.168.122.20 taken20 && ours old 52:54:00:00:00:21 192.168.122.21 taken21 &&
	ours old 52:54:00:00:00:13 192.168.122.13 renamed13
ok $? "the guests renew their leases"
is "renewed, the leases taken in between resolve" "$(served taken20) $(served taken21)" "192.168.122.20 192.168.122.21"
is "... and the renamed one by its new name" "$(served renamed13) / $(served host13)" "192.168.122.13 / "

# 4. Our own files are not imported again: a del after the switch sticks.
ours del 52:54:00:00:00:20 192.168.122.20
ours add 52:54:00:00:00:31 192.168.122.31 host31
is "lease-db's own status file is not re-imported (a del sticks)" "$(served taken20)" ""

# 5. Again, with init as lease-db's first call after libvirt's helper
# (dnsmasq restarted with lease-db-helper).
theirs del 52:54:00:00:00:10 192.168.122.10 && theirs add 52:54:00:00:00:40 192.168.122.40 taken40
ok $? "libvirt's helper runs a second time"
out=$(ours init)
ok $? "lease-db init"
check_not "init does not print the lease released in between" grep -q " 192.168.122.10 " <<<"$out"
check "init prints the lease taken in between, without the name .status gives" grep -q " 192.168.122.40 \* " <<<"$out"
is "... which resolves only once dnsmasq passes it" "$(served taken40)" ""
is "... and the released one does not" "$(served host10)" ""
before=$(cat "$T/lv/virbr0.status")
ours add 52:54:00:00:00:41 192.168.122.41 host41
ours init >/dev/null
ours add 52:54:00:00:00:42 192.168.122.42 host42
is "after init, lease-db's events keep the file (nothing re-imported)" \
	"$(status_ips)" "$(jq -r 'map(.["ip-address"]) + ["192.168.122.41", "192.168.122.42"] | sort | join(" ")' <<<"$before")"

# 6. Another bridge is left alone by a re-import of virbr0.
VIR_BRIDGE_NAME=virbr1 DNSMASQ_INTERFACE=virbr1 ours add 52:54:00:00:01:10 192.168.122.10 other
theirs del 52:54:00:00:00:41 192.168.122.41
ours add 52:54:00:00:00:43 192.168.122.43 host43
is "a re-import replaces only its bridge's leases" "$(served other)" "192.168.122.10"
is "... and applies the deletion on its own" "$(served host41)" ""
is "virbr0's file (its records are followed by virbr1's in the master) is whole" \
	"$(status_ips)" "$(dump --json | jq -r 'map(select(.interface == "virbr0") | .["ip-address"]) | sort | join(" ")')"

# 7. A name dnsmasq refused (passed only as DNSMASQ_SUPPLIED_HOSTNAME) is in
# .status, as libvirt's helper writes it, but never served, even after
# anything changes the file's identity (touch, rsync, a reboot) and the
# file is imported again; the lease's domain survives the re-import.
ours add 52:54:00:00:00:50 192.168.122.50 host50
DNSMASQ_SUPPLIED_HOSTNAME=host50 DNSMASQ_DOMAIN=lan.test ours add 52:54:00:00:00:51 192.168.122.51
ok $? "a rogue client asks for host50, dnsmasq refuses the name"
is "... which .status records, as libvirt's helper does" \
	"$(jq -r '.[] | select(.["ip-address"] == "192.168.122.51") | .hostname' "$T/lv/virbr0.status")" host50
is "... and lease-db does not serve" "$(served host50)" "192.168.122.50"
touch -d '1 minute ago' "$T/lv/virbr0.status"
ours add 52:54:00:00:00:52 192.168.122.52 host52
is "the file touched and imported again: the refused name is still not served" "$(served host50)" "192.168.122.50"
is "... the lease is kept, without a name" \
	"$(dump --json | jq -r '.[] | select(.["ip-address"] == "192.168.122.51") | .hostname // "-"')" "-"
is "... with its domain" \
	"$(dump --json | jq -r '.[] | select(.["ip-address"] == "192.168.122.51") | .domain // "-"')" lan.test
is "... and the accepted names stay" "$(served host52) $(served host43)" "192.168.122.52 192.168.122.43"
done_testing
