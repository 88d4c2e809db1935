#!/bin/bash
# Text a guest or a user controls reaches the administrator's terminal:
# a refused MAC in the helper's message, a failure record shown by
# lease-db-dump --check, a file name from a dnsmasq command line, an
# argument lease-db-admin refuses. None may carry a control sequence: C0
# controls (ESC, BEL), DEL and C1 controls, which terminals obey too, as
# bytes (0x9b is CSI) or in UTF-8 (U+009B: 0xc2 0x9b). One rule
# (ldb_str_sanitize) escapes them as \xHH, and keeps them visible.
. "$TOP_SRCDIR/tests/lib.sh"
need_root
command -v setpriv >/dev/null || skip_all "setpriv not installed"
private_host
setup_state
isolate "$T/nsswitch.conf" "$T/hosts" || bail "cannot isolate the test from the host"
printf 'hosts: files leasedb dns\n' >"$T/nsswitch.conf"
trap 'fake_dnsmasq_stop all; cleanup_state' EXIT
L=$T/libvirt
mkdir -p "$L"
export LEASE_DB_LIBVIRT_DIR=$L
ADMIN=$B/helper/lease-db-admin
E=$(($(now) + 3600))

# clean WHAT TEXT : no raw control byte in TEXT (C0 but tab and newline,
# DEL, 0x80-0x9f: as bytes, and as the second byte of U+0080..U+009F).
clean() {
	check_not "$1: no control byte" env LC_ALL=C grep -aqP '[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]' <<<"$2"
}
BAD=$(printf '\x9b31m\xc2\x9b2J\x1b]0;pwned\x07')
ESCAPED='\x9b31m\xc2\x9b2J\x1b]0;pwned\x07'

VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add 52:54:00:00:02:01 192.168.122.5 vm1 ||
	bail "the helper did not record a lease"
ERR=$(VIR_BRIDGE_NAME=virbr0 DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add "$BAD" 192.168.122.6 vm2 2>&1)
echo "$ERR" | cat -v | sed 's/^/# helper: /'
clean "the helper's refusal of a hostile MAC" "$ERR"
check "... which shows it escaped" grep -qF "invalid MAC address '$ESCAPED'" <<<"$ERR"
ERR=$(DNSMASQ_INTERFACE=eth1 DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add 52:54:00:00:02:02 10.1.1.2 \
	"$(printf 'a\xc2\x9bb\x9bc')" 2>&1)
echo "$ERR" | cat -v | sed 's/^/# helper: /'
clean "the helper's line on a name left out" "$ERR"
check "... which shows it escaped" grep -qF "'a\\xc2\\x9bb\\x9bc'" <<<"$ERR"

ERR=$(DNSMASQ_INTERFACE="$(printf 'e\xc2\x9bx')" DNSMASQ_LEASE_EXPIRES=$E "$HELPER" add \
	52:54:00:00:02:09 10.1.1.1 vm3 2>&1)
echo "$ERR" | cat -v | sed 's/^/# helper: /'
clean "the helper's refusal of a hostile interface name" "$ERR"

# A file name with controls on a dnsmasq command line.
fake_dnsmasq 0 --conf-file="$T/$BAD.conf" --leasefile-ro || bail "the stand-in dnsmasq did not start"
OUT=$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check 2>&1)
echo "$OUT" | cat -v | cut -c1-240 | sed 's/^/# /'
clean "--check" "$OUT"
check "--check shows the failure's message escaped" \
	grep -qF "virbr0: an event failed 20" <<<"$OUT"
check "... with the MAC escaped" grep -qF "invalid MAC address '$ESCAPED'" <<<"$OUT"
check "--check shows the file name escaped" grep -qF "conf-file $T/$ESCAPED.conf: " <<<"$OUT"
JSON=$(LD_LIBRARY_PATH="$NSSLIB" "$DUMP" --check --json 2>&1)
clean "--check --json" "$JSON"
is "--check --json is valid JSON, the message escaped in it" \
	"$(jq --arg m "invalid MAC address '$ESCAPED'" '[.checks[].detail | select(contains($m))] | length' <<<"$JSON")" 1
fake_dnsmasq_stop

# lease-db-admin: the arguments it refuses.
ERR=$("$ADMIN" forget "$BAD" 2>&1)
clean "lease-db-admin forget's refusal" "$ERR"
check "... shows the argument escaped" grep -qF "'$ESCAPED' is not an interface name" <<<"$ERR"
ERR=$("$ADMIN" "$BAD" 2>&1)
clean "lease-db-admin's unknown command" "$ERR"
check "... shows it escaped" grep -qF "unknown command or wrong arguments: '$ESCAPED'" <<<"$ERR"
done_testing
