#!/bin/bash
# make install puts every file where the design says, leaves no .la behind,
# installs man pages that render without warnings; make uninstall removes all.
. "$TOP_SRCDIR/tests/lib.sh"
setup_state
D=$T/dest
make -s -C "$B" install DESTDIR="$D" >"$T/install.log" 2>&1
ok $? "make install DESTDIR=..."
prefix=$(sed -n 's/^prefix = //p' "$B/Makefile")
exec_prefix=$(sed -n 's/^exec_prefix = //p' "$B/Makefile" | sed "s|\${prefix}|$prefix|")
libdir=$(sed -n 's/^libdir = //p' "$B/Makefile" | sed "s|\${exec_prefix}|$exec_prefix|")
for f in "$libdir/libnss_leasedb.so.2" "$libdir/libnss_leasedb_guest.so.2" "$exec_prefix/libexec/lease-db-helper" \
	"$exec_prefix/sbin/lease-db-dump" "$exec_prefix/sbin/lease-db-admin" \
	"$prefix/share/man/man8/lease-db-helper.8" "$prefix/share/man/man8/lease-db-admin.8" \
	"$prefix/share/man/man8/lease-db-dump.8" "$prefix/share/man/man8/nss-leasedb.8" \
	"$prefix/share/man/man5/lease-db.5" "$prefix/lib/tmpfiles.d/lease-db.conf"; do
	check "installed $f" test -f "$D$f"
done
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$B/Makefile" | sed "s|\${prefix}|$prefix|")
for d in qemu.d network.d; do
	check "libvirt hook $sysconfdir/libvirt/hooks/$d/lease-db installed, executable" \
		test -x "$D$sysconfdir/libvirt/hooks/$d/lease-db"
done
check "... it runs the installed lease-db-admin" \
	grep -qF "$exec_prefix/sbin/lease-db-admin sync-guests" "$D$sysconfdir/libvirt/hooks/qemu.d/lease-db"
is "no libtool archive installed" "$(find "$D" -name '*.la' 2>&1)" ""
if command -v systemd-tmpfiles >/dev/null; then
	R=$T/root
	systemd-tmpfiles --create --root="$R" "$D$prefix/lib/tmpfiles.d/lease-db.conf" 2>/dev/null
	snapdir=$(sed -n 's/^d \([^ ]*\) 0755 .*/\1/p' "$D$prefix/lib/tmpfiles.d/lease-db.conf")
	masterdir=$(sed -n 's/^d \([^ ]*\) 0700 .*/\1/p' "$D$prefix/lib/tmpfiles.d/lease-db.conf")
	is "tmpfiles.d creates the run directory 0755" "$(stat -c %a "$R$snapdir" 2>&1)" 755
	is "tmpfiles.d creates the state directory 0700" "$(stat -c %a "$R$masterdir" 2>&1)" 700
else
	skip "systemd-tmpfiles not installed (it applies tmpfiles.d/lease-db.conf)"
fi
if command -v man >/dev/null; then
	for m in "$D$prefix"/share/man/man8/*.8 "$D$prefix"/share/man/man5/*.5; do
		w=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)
		is "$(basename "$m") renders without warnings" "$w" ""
	done
	# Paths carry "\:" break points after each slash.
	check "man pages carry the configured paths" \
		grep -qF "$libdir/libnss_leasedb.so.2" <<<"$(sed 's/\\://g' "$D$prefix/share/man/man8/nss-leasedb.8")"
else
	skip "man not installed (it renders the man pages)"
fi
make -s -C "$B" uninstall DESTDIR="$D" >>"$T/install.log" 2>&1
ok $? "make uninstall"
is "make uninstall removes every installed file" "$(find "$D" -type f -o -type l 2>&1)" ""
done_testing
