#!/usr/bin/env bash
# Builds the Debian image of the kit: Debian 12 (bookworm) minbase from
# Debian's mirror, with python3 (Ansible configures it), openssh-server (for
# SSH-based tools such as Packer's communicator), busybox-static, perl and
# locales, upgraded from the host's apt sources (updates, security); the same
# kernel, init and boot rules as the busybox image (images/busybox), and
# imago's guest agent when IMAGO_GUEST_AGENT names it.
#
#   images/debian/build.sh [--cache-only] OUT_DIR [CACHE_DIR]
#
# --cache-only: fetch the kernel and run debootstrap into the cache, and stop
# (what needs the network; make test runs it beside the compiler).
#
# Writes OUT_DIR/debian.qcow2. debootstrap runs once: its tree is kept as a
# tarball in CACHE_DIR (keyed by suite and package list) and reused. Needs
# root (debootstrap chroots) and Debian's mirror (DEBIAN_MIRROR overrides the
# one in apt's sources).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache_only=
if [[ ${1:-} == --cache-only ]]; then cache_only=1; shift; fi
out=${1:?usage: build.sh [--cache-only] OUT_DIR [CACHE_DIR]}
cache=${2:-$out/cache}
mkdir -p "$out" "$cache"
start=$(date +%s.%N)
suite=bookworm
# perl and locales: what Debian's cloud images carry besides minbase, and
# what most server packages need (debconf's frontends, postgresql-common).
# In the kit they are installed natively by debootstrap, not by dpkg in a
# builder VM under software emulation: baking PostgreSQL (examples/postgres)
# spent 75 of its 200 s unpacking perl and generating locales there.
packages=python3,openssh-server,busybox-static,perl,locales
# The tree is brought up to date from the host's apt sources (bookworm-updates
# and -security besides bookworm), as a cloud image is on the day it is
# published, so that a bake's `upgrade: true` finds only what changed since.
mirror=${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
mirror=${mirror:-http://deb.debian.org/debian}

source "$here/../lib/kernel.sh"
kit_fetch_kernel "$cache"

work=$(mktemp -d "$out/build-XXXXXX")
trap 'umount "$work/bootstrap/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
root=$work/root

# 1. Debian minbase, from the cache when it has this suite and package list.
key=$(printf '%s %s upgraded' "$suite" "$packages" | sha256sum | cut -c1-12)
tree=$cache/debian-$suite-minbase-$key.tar
if [[ ! -f $tree ]]; then
  if [[ $(id -u) != 0 ]]; then
    echo "images/debian/build.sh: debootstrap needs root (once; its tree is cached in $cache)" >&2
    exit 1
  fi
  echo "debootstrap $suite minbase + $packages from $mirror (once, cached)..." >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$work/bootstrap" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # Updates and security fixes, from the host's sources when it has deb822
  # ones (Debian 12's default), else the tree's own.
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    rm -f "$work/bootstrap/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/debian.sources "$work/bootstrap/etc/apt/sources.list.d/"
  fi
  mount -t proc proc "$work/bootstrap/proc"
  chroot "$work/bootstrap" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get update -qq && apt-get upgrade -y -qq -o Dpkg::Options::=--force-unsafe-io' \
    >"$work/upgrade.log" 2>&1 || { tail -20 "$work/upgrade.log" >&2; exit 1; }  # The trap unmounts.
  umount "$work/bootstrap/proc"
  echo "brought up to date: $(grep -c '^Unpacking' "$work/upgrade.log" || true) package(s) upgraded" >&2
  # What a disk image does not need: apt's lists and caches, docs, man pages.
  rm -rf "$work/bootstrap"/var/lib/apt/lists/* "$work/bootstrap"/var/cache/apt/*.bin \
    "$work/bootstrap"/var/cache/apt/archives/*.deb "$work/bootstrap"/usr/share/{doc,man,info}/*
  tar --numeric-owner -C "$work/bootstrap" -cf "$tree.tmp" .
  mv "$tree.tmp" "$tree"
  rm -rf "$work/bootstrap"
fi
if [[ -n $cache_only ]]; then
  echo "the kit's Debian tree and kernel are in $cache" >&2
  exit 0
fi
mkdir -p "$root"
tar --numeric-owner -C "$root" -xpf "$tree"

# 2. The kit's machine: busybox init and applets where Debian has no
#    program of that name, the kit's rcS, the kernel, the agent.
mkdir -p "$root"/{www,run,tmp,var/log,root}
cp -a "$here/../busybox/rootfs/etc/inittab" "$root/etc/inittab"
mkdir -p "$root/etc/init.d" "$root/etc/acpi/PWRF"
cp "$here/../busybox/rootfs/etc/init.d/rcS" "$root/etc/init.d/rcS"
cp "$here/../busybox/rootfs/etc/acpi/PWRF/00000080" "$root/etc/acpi/PWRF/00000080"
chmod +x "$root/etc/init.d/rcS" "$root/etc/acpi/PWRF/00000080"
echo debian >"$root/etc/hostname"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
for applet in $(/bin/busybox --list-full); do
  [[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done
if [[ -n ${IMAGO_GUEST_AGENT:-} ]]; then
  install -m 0755 "$IMAGO_GUEST_AGENT" "$root/usr/bin/imago-guest-agent"
fi
kit_install_kernel "$root" "$work"

# 3. The disk: ext4 from the directory (owners kept), then qcow2.
truncate -s 1G "$work/disk.raw"
mkfs.ext4 -q -F -L root -d "$root" "$work/disk.raw"
qemu-img convert -O qcow2 "$work/disk.raw" "$out/debian.qcow2.tmp"
mv "$out/debian.qcow2.tmp" "$out/debian.qcow2"
printf 'built %s (Debian %s minbase, kernel %s, %s on disk) in %.1f s\n' "$out/debian.qcow2" \
  "$suite" "$KVER" "$(du -h "$out/debian.qcow2" | cut -f1)" "$(echo "$(date +%s.%N) - $start" | bc)"
