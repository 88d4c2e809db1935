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

# Without these a tool falls back on its compiled-in paths: the host's real
# /var/lib/lease-db, /run/lease-db/leases.mdb and /var/lib/libvirt/dnsmasq.
# A test that forgets setup_state fails on a path nobody has; libvirt's
# files are off unless a test names its own directory. (Tests set their own
# after sourcing this file; Makefile.am sets the same for the C tests.)
NO_STATE=/nonexistent/lease-db-test-without-setup_state
export LEASE_DB_DIR=$NO_STATE/master LEASE_DB_SNAPSHOT=$NO_STATE/run/leases.mdb LEASE_DB_LIBVIRT_DIR=none
unset LEASE_DB_NSSWITCH

t_n=0
t_failed=0

# The assertions. Each passes or fails one TAP test and returns 0 when it
# passed, 1 when not (so `check ... || bail ...` stops a test whose set-up
# failed). Say what is checked the way it is checked: ok takes an exit
# status, so `ok $((x == 0))` would pass when x is NOT 0; write
# `ok_if '(( x == 0 ))'` or `is DESC "$x" 0` instead.

ok() { # ok STATUS DESCRIPTION : passes when STATUS (an exit status) is 0
	t_n=$((t_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $t_n - $2"
		return 0
	fi
	echo "not ok $t_n - $2"
	t_failed=$((t_failed + 1))
	return 1
}

check() { # check DESCRIPTION CMD... : passes when CMD succeeds
	local d=$1
	shift
	"$@"
	ok $? "$d"
}

# check_not DESCRIPTION CMD... : passes when CMD answers no, with exit
# status 1 (grep finding nothing, test being false). Any other status fails
# too: grep's 2 for a file it cannot read, 127 for a missing command. A
# search of output that was never written is not "nothing found".
check_not() {
	local d=$1 rc
	shift
	"$@"
	rc=$?
	[ "$rc" -eq 1 ] && { ok 0 "$d"; return; }
	ok 1 "$d"
	echo "#   want exit status 1 (no), got $rc: $*"
	return 1
}

# ok_if CONDITION DESCRIPTION : passes when the shell CONDITION succeeds,
# run with eval where the caller's variables are seen (not its positional
# parameters): ok_if '(( deltas > 0 ))' "...", ok_if '[[ $a == 10.* ]]' "...".
ok_if() {
	eval "$1"
	ok $? "$2" && return 0
	echo "#   false: $1"
	return 1
}

is() { # is DESCRIPTION GOT WANT
	if [ "$2" = "$3" ]; then
		ok 0 "$1"
	else
		ok 1 "$1"
		printf '%s\n' "# got:" "$2" "# want:" "$3" | sed 's/^/#   /'
		return 1
	fi
}

# skip REASON : one assertion that cannot be made here, reported as SKIP
# (never as a pass) with the reason. skip_all when the whole test cannot run.
skip() {
	t_n=$((t_n + 1))
	echo "ok $t_n # SKIP $*"
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
	printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$T/hosts"
	mask_installed_modules || bail "cannot prepare to hide the installed lease-db modules"
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

# The lease-db modules the loader would find outside the build tree:
# listed in ld.so.cache or in one of glibc's system directories (and their
# hwcaps subdirectories). One path per line.
installed_modules() {
	local ldso d
	ldso=$(readelf -l /bin/sh 2>/dev/null | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	{
		ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libnss_leasedb[^ ]* .*=> //p'
		for d in $("$ldso" --help 2>/dev/null | sed -n 's/^ *\(\/[^ ]*\) (system search path)$/\1/p') \
			/lib /usr/lib /lib64 /usr/lib64; do
			[ -d "$d" ] && find "$d" -maxdepth 3 -name 'libnss_leasedb*' \( -type f -o -type l \) 2>/dev/null
		done
	} | sort -u
}

# Whiteouts (0/0 character devices) for each installed module, one
# directory of them per library directory, for isolate to lay over it
# (a read-only overlay): LDB_TEST_MASKS="whiteouts:libdir ...".
mask_installed_modules() {
	local f dir n=0 masks=""
	declare -A seen
	LDB_TEST_INSTALLED=$(installed_modules)
	for f in $LDB_TEST_INSTALLED; do
		dir=$(realpath -e "$(dirname "$f")") || continue
		if [ -z "${seen[$dir]:-}" ]; then
			n=$((n + 1))
			seen[$dir]=$T/mask/$n
			mkdir -p "$T/mask/$n" || return 1
			masks="$masks ${seen[$dir]}:$dir"
		fi
		[ -e "${seen[$dir]}/${f##*/}" ] || mknod "${seen[$dir]}/${f##*/}" c 0 0 || return 1
	done
	export LDB_TEST_MASKS=${masks# }
}

# isolate NSSWITCH HOSTS: make the caller's own (private) mount namespace
# show the host as the test set it up: its nsswitch.conf and hosts, no
# nscd to answer instead of the modules, no installed lease-db module where
# the loader looks, and the compiled-in default paths empty and read-only.
isolate() {
	local m p
	# Never the mount namespace the test was started in: that is the host's.
	[ "$(readlink /proc/self/ns/mnt)" != "$(readlink "/proc/$PPID/ns/mnt" 2>/dev/null)" ] || return 1
	mount --make-rprivate / && mount --bind "$1" /etc/nsswitch.conf &&
		mount --bind "$2" /etc/hosts || return 1
	if [ -d /var/run/nscd ]; then
		mount -t tmpfs -o ro,mode=0755 tmpfs /var/run/nscd || return 1
	fi
	for m in ${LDB_TEST_MASKS:-}; do
		mount -t overlay -o ro,lowerdir="$m" overlay "${m#*:}" || return 1
	done
	for p in ${LDB_DEFAULT_MASTER_DIR:-} ${LDB_DEFAULT_SNAPSHOT:+"${LDB_DEFAULT_SNAPSHOT%/*}"} \
		${LDB_DEFAULT_LIBVIRT_DIR:-}; do
		if [ -d "$p" ]; then
			mount -t tmpfs -o ro,mode=0755 tmpfs "$p" || return 1
		fi
	done
	return 0
}

# private_mounts: run this test (call it before setup_state) in a mount
# namespace of its own with private propagation, so whatever it mounts
# (tmpfs, loop devices) is gone when it ends and never seen by the host.
private_mounts() {
	[ -n "${LDB_PRIVATE_MOUNTS:-}" ] && return 0
	LDB_PRIVATE_MOUNTS=1 exec unshare -m --propagation private bash "$0" "$@"
}

# private_host: run this test (from here: call it before setup_state) in
# its own mount and PID namespaces, so that /proc shows only the test's own
# processes (lease-db-dump --check scans it for dnsmasq) and isolate can
# apply to the whole test.
private_host() {
	# Re-run: PID 1 of the new PID namespace.
	[ -n "${LDB_PRIVATE_HOST:-}" ] && [ $$ -eq 1 ] && return 0
	unshare -m -p -f --mount-proc true 2>/dev/null || skip_all "cannot create mount and PID namespaces"
	LDB_PRIVATE_HOST=1 exec unshare -m -p -f --mount-proc bash "$0" "$@"
}

# as USER CMD... : run CMD with our nsswitch.conf, hosts and module, as root
# or as nobody, in a private mount namespace (isolate). Only
# LEASE_DB_SNAPSHOT is passed. When $T/nsswitch.conf.hosts exists, it is the
# hosts file instead of $T/hosts.
as() {
	local user=$1
	shift
	local pre=""
	[ "$user" = nobody ] && pre="setpriv --reuid=65534 --regid=65534 --clear-groups"
	local hosts=$T/hosts
	[ -e "$T/nsswitch.conf.hosts" ] && hosts=$T/nsswitch.conf.hosts
	unshare -m bash -c '. "$0" && isolate "$1" "$2" && shift 2 && exec "$@"' \
		"$TOP_SRCDIR/tests/lib.sh" "$T/nsswitch.conf" "$hosts" $pre env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH="$NSSLIB" \
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

# lookup USER [-4|-6|-r] NAME : what resolve prints; "not found" when NAME
# does not resolve (gai's exit 2), "error N" when the lookup failed in any
# other way. An assertion that a name is not answered must not pass on a
# lookup that never happened.
lookup() {
	local out rc
	out=$(resolve "$@" 2>/dev/null)
	rc=$?
	case $rc in
	0) printf '%s\n' "$out" ;;
	2) echo "not found" ;;
	*) echo "error $rc" ;;
	esac
}

# fake_dnsmasq UID ARG... : a process called dnsmasq with these arguments
# (tests/tools/idle under that name, doing nothing), run by UID, for
# lease-db-dump --check to find in /proc; its pid in FAKE, once it runs
# under that name. fake_dnsmasq_stop ends the last one; fake_dnsmasq_stop
# all, every one (in FAKES).
fake_dnsmasq() {
	local uid=$1 pre=""
	shift
	[ -x "$T/stage/idle" ] || cp "$B/tests/tools/idle" "$T/stage/idle" || return 1
	[ "$uid" != 0 ] && pre="setpriv --reuid=$uid --regid=$uid --clear-groups"
	$pre bash -c 'exec -a dnsmasq "$0" "$@"' "$T/stage/idle" "$@" &
	FAKE=$!
	FAKES="${FAKES:-} $FAKE"
	for _ in $(seq 100); do
		[ "$(tr '\0' '\n' <"/proc/$FAKE/cmdline" 2>/dev/null | head -n 1)" = dnsmasq ] &&
			[ "$(awk '/^Uid:/ { print $2 }' "/proc/$FAKE/status")" = "$uid" ] && return 0
		sleep 0.05
	done
	return 1
}

fake_dnsmasq_stop() {
	local p
	for p in $([ "${1:-}" = all ] && echo "${FAKES:-}" || echo "$FAKE"); do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}

# Debian's libvirt_leaseshelper: installed, or unpacked by run-tests.sh
# (apt-get download libvirt-daemon) into the build directory.
# renew_from_status FILE BRIDGE: each lease of a libvirt .status file that
# has a hostname is renewed through lease-db-helper as dnsmasq does at the
# guest's next renewal (`old` with the name it accepted). A lease imported
# from .status has no name until then (doc/libvirt.md); the file itself is
# left untouched (LEASE_DB_LIBVIRT_DIR=none).
renew_from_status() {
	local f=$1 br=$2 ip mac host exp iaid cid sd
	jq -r '.[] | select(.hostname) | [.["ip-address"], .["mac-address"] // "", .hostname,
		(.["expiry-time"] | tostring), .iaid // "", .["client-id"] // "",
		.["server-duid"] // ""] | join("\u001f")' "$f" |
		while IFS=$'\x1f' read -r ip mac host exp iaid cid sd; do
			if [ -n "$iaid" ]; then
				env LEASE_DB_LIBVIRT_DIR=none DNSMASQ_INTERFACE="$br" DNSMASQ_LEASE_EXPIRES="$exp" \
					DNSMASQ_IAID="$iaid" DNSMASQ_MAC="$mac" ${sd:+DNSMASQ_SERVER_DUID="$sd"} \
					"$HELPER" old "$cid" "$ip" "$host"
			else
				env LEASE_DB_LIBVIRT_DIR=none DNSMASQ_INTERFACE="$br" DNSMASQ_LEASE_EXPIRES="$exp" \
					${cid:+DNSMASQ_CLIENT_ID="$cid"} "$HELPER" old "$mac" "$ip" "$host"
			fi || return 1
		done
}

find_libvirt_helper() {
	local p
	for p in "${LIBVIRT_LEASESHELPER:-}" /usr/lib/libvirt/libvirt_leaseshelper \
		"$B/libvirt/usr/lib/libvirt/libvirt_leaseshelper"; do
		[ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# in_libvirt_dir DIR CMD... : run CMD with DIR as /var/lib/libvirt/dnsmasq,
# the path libvirt's helper and NSS module have compiled in, and an empty
# /run: libvirt's helper takes /run/leaseshelper.pid, which the host's own
# libvirt uses.
in_libvirt_dir() {
	local dir=$1
	shift
	unshare -m sh -c 'mount --make-rprivate / || exit 1
		if [ ! -d /var/lib/libvirt/dnsmasq ]; then
			mount -t tmpfs tmpfs /var/lib && mkdir -p /var/lib/libvirt/dnsmasq || exit 1
		fi
		mount --bind "$0" /var/lib/libvirt/dnsmasq && mount -t tmpfs -o mode=0755 tmpfs /run &&
			exec "$@"' "$dir" "$@"
}

# The host paths no test may change: the lease-db and libvirt directories
# (the configured defaults as well), and nsswitch.conf. Of /var/lib/libvirt
# only whether it is there: a libvirt host changes the rest all the time.
host_paths() {
	printf '%s\n' /etc/nsswitch.conf /var/lib/lease-db /run/lease-db /var/lib/libvirt/dnsmasq \
		${LDB_DEFAULT_MASTER_DIR:-} ${LDB_DEFAULT_SNAPSHOT:+"${LDB_DEFAULT_SNAPSHOT%/*}"} \
		${LDB_DEFAULT_LIBVIRT_DIR:-} | awk '!seen[$0]++'
}

# host_fingerprint: one line per file under host_paths (type, mode, owner,
# size, inode, mtime, ctime, link target, SHA-256), "PATH absent" for what
# is not there. Lines start with the path and a tab.
host_fingerprint() {
	local p
	if [ -e /var/lib/libvirt ]; then
		printf '/var/lib/libvirt\t%s\n' "$(stat -c '%F %a %U:%G %i' /var/lib/libvirt)"
	else
		printf '/var/lib/libvirt\tabsent\n'
	fi
	for p in $(host_paths); do
		if [ ! -e "$p" ] && [ ! -L "$p" ]; then
			printf '%s\tabsent\n' "$p"
			continue
		fi
		find "$p" -printf '%p\t%y %m %u:%g %s %i %T@ %C@ %l\n' 2>&1
		find "$p" -type f -exec sha256sum {} + 2>&1 | sed 's/^\([0-9a-f]*\)  \(.*\)$/\2\tsha256 \1/'
	done | LC_ALL=C sort
}
