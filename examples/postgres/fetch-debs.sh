#!/usr/bin/env bash
# Fetches PostgreSQL 15 and the Debian packages it needs that a disk image
# lacks, from the Debian mirror apt on this machine uses, into OUT_DIR: the
# closure is computed against the image's own dpkg status (read from its
# ext4 file system with debugfs, without booting it), so OUT_DIR holds
# exactly what `dpkg -i` in that image needs. The bake spec beside this
# script copies OUT_DIR into its builder VM (a file provisioner) and installs
# it there: the builder has no network, the host has the mirror.
#
#   examples/postgres/fetch-debs.sh IMAGE_DISK OUT_DIR [PACKAGE...]
#
# IMAGE_DISK: the parent image's disk (qcow2 or raw), e.g. build/kit/debian.qcow2.
# PACKAGE: default postgresql-15. apt's state (lists, cache) is a temporary
# directory's: the machine's apt is neither read for packages nor changed.
set -euo pipefail
disk=${1:?usage: fetch-debs.sh IMAGE_DISK OUT_DIR [PACKAGE...]}
out=${2:?usage: fetch-debs.sh IMAGE_DISK OUT_DIR [PACKAGE...]}
shift 2
packages=(postgresql-15)
[[ $# -gt 0 ]] && packages=("$@")
[[ -f $disk ]] || { echo "fetch-debs.sh: no disk $disk: build the kit first (make kit)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" "$tmp/apt/lists/partial" "$tmp/apt/archives/partial"

# The image's dpkg status, read from its file system.
qemu-img convert -O raw "$disk" "$tmp/disk.raw"
debugfs -R "dump /var/lib/dpkg/status $tmp/status" "$tmp/disk.raw" >/dev/null 2>&1
[[ -s $tmp/status ]] || { echo "fetch-debs.sh: $disk has no /var/lib/dpkg/status (not a Debian image?)" >&2; exit 1; }
rm -f "$tmp/disk.raw"

apt_opts=(-o "Dir::State::status=$tmp/status" -o "Dir::State::Lists=$tmp/apt/lists"
  -o "Dir::Cache=$tmp/apt" -o "Dir::Cache::archives=$tmp/apt/archives" -o Debug::NoLocking=1
  -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq >"$tmp/update.log" 2>&1 ||
  { tail -5 "$tmp/update.log" >&2; echo "fetch-debs.sh: apt-get update failed (is Debian's mirror reachable?)" >&2; exit 1; }
apt-get "${apt_opts[@]}" install -y -qq --download-only --no-install-recommends "${packages[@]}" \
  >"$tmp/install.log" 2>&1 || { tail -5 "$tmp/install.log" >&2; exit 1; }
# OUT_DIR holds this closure only: debs of an earlier fetch that it no
# longer needs are removed.
find "$out" -maxdepth 1 -name '*.deb' -delete
mv "$tmp"/apt/archives/*.deb "$out"/
echo "fetched $(ls "$out"/*.deb | wc -l) packages ($(du -ch "$out"/*.deb | tail -1 | cut -f1)) for ${packages[*]} into $out"
