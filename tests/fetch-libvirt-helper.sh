#!/bin/bash
# Unpack Debian's libvirt_leaseshelper (the helper lease-db replaces) into
# DIR without installing libvirt-daemon: apt-get download + dpkg -x. With
# it come libvirtd and its network driver, and virsh from libvirt-clients,
# which tests/libvirt-hook-real.sh runs in namespaces of its own.
# Used by run-tests.sh and make bench; tests SKIP when it is unavailable.
dir=${1:?usage: fetch-libvirt-helper.sh DIR}
[ -x "$dir/usr/lib/libvirt/libvirt_leaseshelper" ] && [ -x "$dir/usr/bin/virsh" ] && exit 0
command -v apt-get >/dev/null || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download libvirt-daemon libvirt-clients >/dev/null 2>&1) &&
	dpkg -x "$tmp"/libvirt-daemon_*.deb "$dir" &&
	dpkg -x "$tmp"/libvirt-clients_*.deb "$dir" &&
	[ -x "$dir/usr/lib/libvirt/libvirt_leaseshelper" ]
