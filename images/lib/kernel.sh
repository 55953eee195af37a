# Shared by the kit's image builders: Debian's cloud kernel, fetched once
# into a cache, and installed into a root directory with only the modules
# the guest loads (every virtio driver is a module in the cloud kernel; ACPI
# power-off needs evdev and button), listed in load order in /etc/modules
# (paths below /lib/modules/VERSION).
#
#   source images/lib/kernel.sh
#   kit_fetch_kernel CACHE_DIR           # sets KVER and KERNEL_DEB
#   kit_install_kernel ROOT_DIR WORK_DIR

kit_fetch_kernel() {
  local cache=$1 pkg
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [[ -z $pkg ]]; then
    echo "images: cannot resolve linux-image-cloud-amd64 (run apt-get update)" >&2
    return 1
  fi
  KVER=${pkg#linux-image-}
  KERNEL_DEB=$(ls "$cache"/"${pkg}"_*.deb 2>/dev/null | head -1 || true)
  if [[ -z $KERNEL_DEB ]]; then
    chmod 777 "$cache"  # apt-get download runs as _apt where it can.
    (cd "$cache" && apt-get download -q "$pkg" >/dev/null 2>&1)
    KERNEL_DEB=$(ls "$cache"/"${pkg}"_*.deb | head -1)
  fi
}

kit_install_kernel() {
  local root=$1 work=$2 m path
  rm -rf "$work/kernel"
  dpkg-deb -x "$KERNEL_DEB" "$work/kernel"
  mkdir -p "$root/boot" "$root/etc"
  cp "$work/kernel/boot/vmlinuz-$KVER" "$root/boot/vmlinuz-$KVER"
  ln -sf "vmlinuz-$KVER" "$root/boot/vmlinuz"
  local modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover
    net_failover virtio_net virtio_blk qemu_fw_cfg fat vfat nls_cp437 nls_iso8859-1 nls_ascii
    nls_utf8 cdrom isofs evdev button virtio_balloon"
  : >"$root/etc/modules"
  for m in $modules; do
    path=$(cd "$work/kernel" && find "lib/modules/$KVER" -name "$m.ko" -print -quit)
    if [[ -z $path ]]; then continue; fi  # Built in, in this kernel.
    mkdir -p "$root/$(dirname "$path")"
    cp "$work/kernel/$path" "$root/$path"
    echo "${path#lib/modules/$KVER/}" >>"$root/etc/modules"  # Its path: no search at boot.
  done
  cp "$work/kernel/lib/modules/$KVER"/modules.{order,builtin,builtin.modinfo} \
    "$root/lib/modules/$KVER/" 2>/dev/null || true
  depmod -b "$root" "$KVER"
  echo "$KVER" >"$root/etc/kernel-version"
}
