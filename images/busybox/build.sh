#!/usr/bin/env bash
# Builds the small bootable image of the kit: Debian's cloud kernel and
# busybox, nothing else. The disk holds the whole machine, kernel included
# (/boot/vmlinuz-*): a runtime boots the image's own kernel, not one of its
# own. No root, no loop mounts: the ext4 file system is made from a
# directory (mkfs.ext4 -d).
#
#   images/busybox/build.sh OUT_DIR [CACHE_DIR]
#
# With IMAGO_GUEST_AGENT=PATH (build/imago-guest-agent), the image carries
# imago's guest agent, which it starts when its metadata holds a token
# (builder VMs of `imago bake`).
#
# Writes OUT_DIR/busybox.qcow2 and OUT_DIR/busybox.kver (the kernel version).
# Needs: busybox-static, e2fsprogs, kmod, qemu-utils, dpkg, apt (Debian 12).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT_DIR [CACHE_DIR]}
cache=${2:-$out/cache}
mkdir -p "$out" "$cache"
start=$(date +%s.%N)

# 1. The kernel package: the version Debian's linux-image-cloud-amd64 points to.
source "$here/../lib/kernel.sh"
kit_fetch_kernel "$cache"
kver=$KVER

work=$(mktemp -d "$out/build-XXXXXX")
trap 'rm -rf "$work"' EXIT

# 2. The root file system.
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,boot,dev,proc,sys,run,tmp,var/log,www,etc,mnt,root}
cp -a "$here/rootfs/." "$root/"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list-full); do
  [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done
if [[ -n ${IMAGO_GUEST_AGENT:-} ]]; then
  install -m 0755 "$IMAGO_GUEST_AGENT" "$root/usr/bin/imago-guest-agent"
fi
# An SSH server for imago instances ssh: Debian's dropbear (dropbear-bin)
# with the libraries it links, and the passwd and group files it needs.
dropbear=/usr/sbin/dropbear
[[ -x $dropbear ]] || { echo "images/busybox/build.sh: $dropbear is missing: apt-get install dropbear-bin (make deps installs it)" >&2; exit 1; }
install -m 0755 "$dropbear" "$root/usr/sbin/dropbear"
for lib in $(ldd "$dropbear" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
printf 'root:*:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
mkdir -p "$root/etc/dropbear" "$root/home" "$root/var/lib"
kit_install_kernel "$root" "$work"
chmod +x "$root/etc/init.d/rcS" "$root/etc/acpi/PWRF/00000080"

# 3. The disk: ext4 from the directory, then qcow2.
truncate -s 64M "$work/disk.raw"
mkfs.ext4 -q -F -L root -d "$root" "$work/disk.raw"
qemu-img convert -O qcow2 "$work/disk.raw" "$out/busybox.qcow2.tmp"
mv "$out/busybox.qcow2.tmp" "$out/busybox.qcow2"
echo "$kver" >"$out/busybox.kver"
printf 'built %s (kernel %s, %s on disk) in %.1f s\n' "$out/busybox.qcow2" "$kver" \
  "$(du -h "$out/busybox.qcow2" | cut -f1)" "$(echo "$(date +%s.%N) - $start" | bc)"
