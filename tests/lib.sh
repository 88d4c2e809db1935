# Shared by the shell tests: TAP output, paths, temporary state, and running
# commands through the real resolver in a private mount namespace.
set -u

B=${TOP_BUILDDIR:?run through make check}
S=${TOP_SRCDIR:?run through make check}
HELPER=$B/helper/lease-db-helper
DUMP=$B/helper/lease-db-dump
MKLEASES=$B/tests/tools/mkleases
GAI=$B/tests/tools/gai
NSSQ=$B/tests/tools/nssq
STRESS=$B/tests/tools/stress
GAILOOP=$B/tests/tools/gailoop
FDTHEFT=$B/tests/tools/fdtheft
NSSLIB=$B/nss/.libs
# Under make check-valgrind, the project's programs run under valgrind.
VG=${LEASE_DB_VALGRIND:-}

t_n=0
t_failed=0

ok() { # ok STATUS DESCRIPTION
	t_n=$((t_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $t_n - $2"
	else
		echo "not ok $t_n - $2"
		t_failed=$((t_failed + 1))
	fi
}

check() { # check DESCRIPTION CMD... : ok when CMD succeeds
	local d=$1
	shift
	"$@"
	ok $? "$d"
}

is() { # is DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then
		ok 0 "$1"
	else
		ok 1 "$1"
		printf '%s\n' "# got:" "$2" "# want:" "$3" | sed 's/^/#   /'
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$t_n"
	[ "$t_failed" -eq 0 ]
	exit $?
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (mount and network namespaces)"
}

# A state directory any user can traverse, removed on exit.
setup_state() {
	T=$(mktemp -d /tmp/lease-db-test.XXXXXX) || bail "mktemp"
	chmod 755 "$T"
	trap 'cleanup_state' EXIT
	export LEASE_DB_DIR=$T/master LEASE_DB_SNAPSHOT=$T/run/leases.mdb
	printf 'hosts: files leasedb\n' >"$T/nsswitch.conf"
	# What nobody runs or loads is copied here: the build tree may sit in a
	# directory only root can enter (a mktemp -d clone, say).
	mkdir "$T/stage" &&
		cp "$NSSLIB"/libnss_*.so.2 "$GAI" "$NSSQ" "$B/tests/tools/stress" "$GAILOOP" \
			"$FDTHEFT" "$T/stage/" ||
		bail "cannot stage the module and tools"
	NSSLIB=$T/stage GAI=$T/stage/gai NSSQ=$T/stage/nssq STRESS=$T/stage/stress
	GAILOOP=$T/stage/gailoop FDTHEFT=$T/stage/fdtheft
}

cleanup_state() {
	[ -n "${T:-}" ] && rm -rf "$T"
}

helper() { $VG "$HELPER" "$@"; }
dump() { $VG "$DUMP" "$@"; }

now() { date +%s; }

# as USER CMD... : run CMD with our nsswitch.conf and module, as root or as
# nobody, in a private mount namespace. Only LEASE_DB_SNAPSHOT is passed.
# When $T/nsswitch.conf.hosts exists, it is bound over /etc/hosts as well.
as() {
	local user=$1
	shift
	local pre=""
	[ "$user" = nobody ] && pre="setpriv --reuid=65534 --regid=65534 --clear-groups"
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$0" /etc/nsswitch.conf &&
		{ [ ! -e "$0.hosts" ] || mount --bind "$0.hosts" /etc/hosts; } && exec "$@"' \
		"$T/nsswitch.conf" $pre env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$NSSLIB" \
		${LEASE_DB_PRELOAD:+LD_PRELOAD=$LEASE_DB_PRELOAD} \
		LEASE_DB_SNAPSHOT="$LEASE_DB_SNAPSHOT" ${LEASE_DB_DEBUG:+LEASE_DB_DEBUG=1} $VG "$@"
}

# resolve USER [-4|-6] NAME : addresses, sorted, one per line
resolve() {
	local user=$1
	shift
	as "$user" "$GAI" "$@" | sort
	return "${PIPESTATUS[0]}"
}

# A long-running reader on FIFOs: reader_start USER CMD... runs CMD through
# `as` in the background (stdin and stdout on FIFOs in $T, stderr appended
# to $T/reader.err); reader_ask LINE writes LINE and prints CMD's one-line
# answer ("(no answer)" when it has died or says nothing for 20 s);
# reader_read prints its next line unasked; reader_stop closes its input
# and returns its exit status.
reader_start() {
	rm -f "$T/reader.in" "$T/reader.out"
	mkfifo "$T/reader.in" "$T/reader.out" || bail "mkfifo"
	# A reader that died must fail the test, not kill it with SIGPIPE.
	trap '' PIPE
	as "$@" <"$T/reader.in" >"$T/reader.out" 2>>"$T/reader.err" &
	READER_PID=$!
	exec 7>"$T/reader.in" 8<"$T/reader.out"
}

reader_ask() {
	printf '%s\n' "$1" >&7 2>/dev/null
	reader_read
}

# reader_read: the reader's next line, unasked.
reader_read() {
	local line
	if IFS= read -r -t 20 line <&8; then
		printf '%s\n' "$line"
	else
		echo "(no answer)"
	fi
}

reader_stop() {
	exec 7>&- 8<&-
	wait "$READER_PID"
}

# Debian's libvirt_leaseshelper: installed, or unpacked by run-tests.sh
# (apt-get download libvirt-daemon) into the build directory.
find_libvirt_helper() {
	local p
	for p in "${LIBVIRT_LEASESHELPER:-}" /usr/lib/libvirt/libvirt_leaseshelper \
		"$B/libvirt/usr/lib/libvirt/libvirt_leaseshelper"; do
		[ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# in_libvirt_dir DIR CMD... : run CMD with DIR as /var/lib/libvirt/dnsmasq,
# the path libvirt's helper and NSS module have compiled in.
in_libvirt_dir() {
	local dir=$1
	shift
	unshare -m sh -c 'mount --make-rprivate / || exit 1
		if [ ! -d /var/lib/libvirt/dnsmasq ]; then
			mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/libvirt/dnsmasq || exit 1
		fi
		mount --bind "$0" /var/lib/libvirt/dnsmasq && exec "$@"' "$dir" "$@"
}
