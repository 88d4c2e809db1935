# A host that uses lease-db, for run-tests.sh to run `make check` on: the
# build installed system-wide (make install + ldconfig, as the admin guide
# says), a dnsmasq running the installed lease-db-helper with the
# compiled-in paths (in its own network namespace, on a veth pair there),
# a lease in the real master and snapshot, and, when the host has no
# libvirt, a libvirt lease directory with a status file. The suite must
# pass beside it and leave all of it as it was (tests/host-before.sh and
# tests/host-after.sh check that). decoy_down removes everything
# decoy_up added; it refuses to start where lease-db is already installed
# or in use (return 2: that host is a decoy already).
#
#   . tests/decoy.sh; decoy_up BUILDDIR && ...; decoy_down
# Needs root, iproute2, dnsmasq.

DECOY_UP=
DECOY_TMP=
DECOY_NS=
DECOY_PID=
DECOY_CREATED=()

decoy_say() { echo "decoy: $*" >&2; }

# The build's configured paths, as make expands them.
decoy_paths() {
	make -s --no-print-directory -C "$1" \
		--eval='decoy-paths: ; @printf "%s\n" "$(masterdir)" "$(snapshotdir)" "$(libvirtdir)" "$(libexecdir)"' \
		decoy-paths
}

# The first missing directory on the way to $1 (what mkdir -p creates).
decoy_first_missing() {
	local p=$1 top=
	while [ -n "$p" ] && [ "$p" != / ] && [ ! -e "$p" ]; do
		top=$p
		p=${p%/*}
	done
	echo "$top"
}

# What the decoy's paths hold: stable once dnsmasq has run its init.
decoy_state() {
	find "$@" -printf '%p %y %s %i %T@\n' 2>/dev/null | sort | md5sum
}

decoy_up() { # decoy_up BUILDDIR
	local b=$1 f paths master rundir libvirt libexec top s1 s2
	[ "$(id -u)" -eq 0 ] || { decoy_say "needs root"; return 1; }
	for f in dnsmasq ip make ldconfig; do
		command -v $f >/dev/null || { decoy_say "$f not installed"; return 1; }
	done
	paths=$(decoy_paths "$b") || { decoy_say "cannot read the paths of $b"; return 1; }
	{ read -r master; read -r rundir; read -r libvirt; read -r libexec; } <<<"$paths"
	DECOY_TMP=$(mktemp -d /tmp/lease-db-decoy.XXXXXX) || return 1
	chmod 755 "$DECOY_TMP"
	# Every file a real install creates: none may exist yet.
	make -s -C "$b" install DESTDIR="$DECOY_TMP/dest" >"$DECOY_TMP/install.log" 2>&1 ||
		{ decoy_say "make install DESTDIR failed"; cat "$DECOY_TMP/install.log" >&2; return 1; }
	(cd "$DECOY_TMP/dest" && find . ! -type d | sed 's|^\.||') >"$DECOY_TMP/files"
	rm -rf "$DECOY_TMP/dest"
	while read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			decoy_say "$f is already installed: this host is the decoy, leaving it alone"
			return 2
		fi
	done <"$DECOY_TMP/files"
	for f in "$master" "$rundir"; do
		[ -e "$f" ] && { decoy_say "$f exists: lease-db is in use here, leaving it alone"; return 2; }
	done
	DECOY_UP=1
	DECOY_BUILD=$b

	make -s -C "$b" install >>"$DECOY_TMP/install.log" 2>&1 && ldconfig ||
		{ decoy_say "make install failed"; cat "$DECOY_TMP/install.log" >&2; return 1; }
	# The master and run directories: made by the helper, removed by us.
	for f in "$master" "$rundir"; do
		top=$(decoy_first_missing "$f")
		[ -n "$top" ] && DECOY_CREATED+=("$top")
	done
	# A host running libvirt has lease files; a libvirt host's own are left
	# as they are.
	if [ -n "$libvirt" ] && [ ! -e "$libvirt" ]; then
		top=$(decoy_first_missing "$libvirt")
		mkdir -p "$libvirt" || return 1
		DECOY_CREATED+=("$top")
		printf '[\n  {\n    "ip-address": "192.168.122.44",\n    "mac-address": "52:54:00:de:c0:02",\n    "hostname": "decoy-vm",\n    "expiry-time": %s\n  }\n]\n' \
			$(($(date +%s) + 86400)) >"$libvirt/virbr0.status"
		printf '[\n  {\n    "domain": "decoy-domain",\n    "macs": [\n      "52:54:00:de:c0:02"\n    ]\n  }\n]\n' \
			>"$libvirt/default.macs"
	fi

	DECOY_NS=ldbdecoy$$
	ip netns add "$DECOY_NS" &&
		ip -n "$DECOY_NS" link set lo up &&
		ip -n "$DECOY_NS" link add decoy0 type veth peer name decoy1 &&
		ip -n "$DECOY_NS" addr add 10.254.0.1/24 dev decoy0 &&
		ip -n "$DECOY_NS" link set decoy1 up && ip -n "$DECOY_NS" link set decoy0 up || { decoy_say "network namespace"; return 1; }
	# As deployed: no LEASE_DB_* variable, the compiled-in paths.
	ip netns exec "$DECOY_NS" env -u LEASE_DB_DIR -u LEASE_DB_SNAPSHOT -u LEASE_DB_LIBVIRT_DIR \
		-u VIR_BRIDGE_NAME dnsmasq --conf-file=/dev/null --keep-in-foreground \
		--pid-file="$DECOY_TMP/dnsmasq.pid" --log-facility="$DECOY_TMP/dnsmasq.log" --port=0 \
		--interface=decoy0 --bind-interfaces --except-interface=lo \
		--dhcp-range=10.254.0.50,10.254.0.150,255.255.255.0,12h \
		--dhcp-script="$libexec/lease-db-helper" --leasefile-ro &
	DECOY_PID=$!
	for _ in $(seq 50); do
		[ -s "$DECOY_TMP/dnsmasq.pid" ] && break
		sleep 0.1
	done
	[ -s "$DECOY_TMP/dnsmasq.pid" ] || { decoy_say "dnsmasq did not start"; cat "$DECOY_TMP/dnsmasq.log" >&2; return 1; }
	env -u LEASE_DB_DIR -u LEASE_DB_SNAPSHOT -u LEASE_DB_LIBVIRT_DIR -u VIR_BRIDGE_NAME \
		DNSMASQ_INTERFACE=decoy0 DNSMASQ_LEASE_EXPIRES=0 \
		"$libexec/lease-db-helper" add 52:54:00:de:c0:01 10.254.0.77 decoy-guest ||
		{ decoy_say "the installed helper failed"; return 1; }
	# dnsmasq runs init (and old for what init printed) on its own time:
	# wait until the files stay put.
	s1=$(decoy_state "$master" "$rundir" ${libvirt:+"$libvirt"})
	for _ in $(seq 30); do
		sleep 1
		s2=$(decoy_state "$master" "$rundir" ${libvirt:+"$libvirt"})
		[ "$s1" = "$s2" ] && break
		s1=$s2
	done
	[ -f "$rundir/leases.mdb" ] && [ -d "$master" ] ||
		{ decoy_say "no master or snapshot in the default paths"; return 1; }
	decoy_say "lease-db installed ($(grep -c . "$DECOY_TMP/files") files), dnsmasq pid $(cat "$DECOY_TMP/dnsmasq.pid") running $libexec/lease-db-helper, master $master, snapshot $rundir/leases.mdb${DECOY_CREATED[*]:+, created ${DECOY_CREATED[*]}}"
	return 0
}

# Stop, uninstall, remove what decoy_up made; fails if anything is left.
decoy_down() {
	local rc=0 f
	[ -n "$DECOY_UP" ] || { [ -z "$DECOY_TMP" ] || rm -rf "$DECOY_TMP"; DECOY_TMP=; return 0; }
	DECOY_UP=
	if [ -n "$DECOY_PID" ]; then
		kill "$DECOY_PID" 2>/dev/null
		wait "$DECOY_PID" 2>/dev/null
		DECOY_PID=
	fi
	[ -z "$DECOY_NS" ] || ip netns del "$DECOY_NS" 2>/dev/null
	make -s -C "$DECOY_BUILD" uninstall >>"$DECOY_TMP/install.log" 2>&1 || { decoy_say "make uninstall failed"; rc=1; }
	ldconfig || rc=1
	for f in "${DECOY_CREATED[@]}"; do
		rm -rf "$f"
	done
	while read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			decoy_say "$f is still installed"
			rc=1
		fi
	done <"$DECOY_TMP/files"
	for f in "${DECOY_CREATED[@]}"; do
		[ -e "$f" ] && { decoy_say "$f is left"; rc=1; }
	done
	[ -z "$DECOY_NS" ] || ! ip netns list | grep -qw "$DECOY_NS" || { decoy_say "namespace $DECOY_NS is left"; rc=1; }
	rm -rf "$DECOY_TMP"
	DECOY_TMP= DECOY_NS= DECOY_CREATED=()
	[ $rc -eq 0 ] && decoy_say "stopped and removed"
	return $rc
}
