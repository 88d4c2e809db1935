#!/bin/bash
# The last test of make check (Makefile.am makes its log wait for every
# other test's): the host's lease-db and libvirt directories and
# nsswitch.conf are exactly as tests/host-before.sh found them — no test
# wrote, created, removed, replaced or chmod'ed anything there.
# On a host whose own libvirt or lease-db changes these paths while the
# suite runs (a guest renewing its lease), LEASE_DB_GUARD_IGNORE='GLOB ...'
# reports changes to matching paths without failing.
. "$TOP_SRCDIR/tests/lib.sh"
base=$B/tests/host-paths.before
[ -f "$base" ] || bail "no $base: tests/host-before.sh records it (make check runs it first)"
ignore=${LEASE_DB_GUARD_IGNORE:-}
read -r -a globs <<<"$ignore" # not expanded here: matched against paths below

# keep ROOT EXACT IGNORE: the fingerprint lines of ROOT (and, unless EXACT,
# of what is under it), without those an ignore glob matches if IGNORE.
keep() {
	local line path g
	while IFS= read -r line; do
		path=${line%%	*}
		if [ "$path" != "$1" ] && { [ -n "$2" ] || [[ $path != "$1"/* ]]; }; then
			continue
		fi
		if [ -n "$3" ]; then
			for g in "${globs[@]}"; do
				# shellcheck disable=SC2053
				[[ $path == $g ]] && continue 2
			done
		fi
		printf '%s\n' "$line"
	done
}

now=$(host_fingerprint)
for p in /var/lib/libvirt $(host_paths); do
	exact=
	[ "$p" = /var/lib/libvirt ] && exact=1
	all=$(diff <(keep "$p" "$exact" "" <"$base") <(keep "$p" "$exact" "" <<<"$now"))
	d=$(diff <(keep "$p" "$exact" 1 <"$base") <(keep "$p" "$exact" 1 <<<"$now"))
	ok_if '[ -z "$d" ]' "$p unchanged by the suite"
	if [ -n "$d" ]; then
		echo "# changed during the run (< before, > after):"
		sed 's/^/#   /' <<<"$d"
	elif [ -n "$all" ]; then
		echo "# changed, but LEASE_DB_GUARD_IGNORE='$ignore' covers it:"
		sed 's/^/#   /' <<<"$all"
	fi
done
done_testing
