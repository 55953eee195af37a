#!/usr/bin/env bash
# imago update-check: the packages of a family's head image (its dpkg status,
# read from the image's ext4 file system without booting it) against Debian
# package indexes (files, http URLs, apt's lists), security updates first;
# exit 0 up to date, 100 when updates exist; bad images and indexes refused
# with one line.
source "$(dirname "$0")/lib.sh"

# An image with a Debian package list: an ext4 disk holding /var/lib/dpkg/status.
mkdir -p root/var/lib/dpkg
cat >root/var/lib/dpkg/status <<'STATUS'
Package: bash
Status: install ok installed
Architecture: amd64
Version: 1.0-1

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u4

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1

Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 0.1
STATUS
truncate -s 64M deb.raw
mkfs.ext4 -q -F -d root deb.raw
imago images create base-v1 --source-file deb.raw --family base >/dev/null 2>&1 || fail "import the image"

# Indexes: the main archive as a .gz file; the security archive as .xz over HTTP.
printf 'Package: bash\nArchitecture: amd64\nVersion: 1.0-2\n\nPackage: tzdata\nArchitecture: all\nVersion: 2025b-0+deb12u1\n\nPackage: libc6\nArchitecture: amd64\nVersion: 2.36-9+deb12u1\n' |
  gzip >main_Packages.gz
mkdir -p www/debian-security/dists/bookworm-security/main/binary-amd64
printf 'Package: libc6\nArchitecture: amd64\nVersion: 2.36-9+deb12u10\n' |
  xz >www/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz
http=$(free_port)
(cd www && exec python3 -m http.server "$http" --bind 127.0.0.1 >/dev/null 2>&1) &
web=$!
trap 'kill $web 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"' EXIT
sec_url="http://127.0.0.1:$http/debian-security/dists/bookworm-security/main/binary-amd64/Packages.xz"
for _ in $(seq 1 50); do curl -sf -o /dev/null "$sec_url" && break; sleep 0.1; done

# 1. Updates: exit 100, security first, then by name.
rc=0
imago update-check base --index main_Packages.gz --index "$sec_url" --format json >out.json 2>err.txt || rc=$?
expect_eq "exit code when updates exist" "$rc" 100
expect_eq "the updates, security first" "$(jq -r '.[0].updates | map("\(.package) \(.installed) \(.available) \(.security)") | join(", ")' out.json)" \
  "libc6 2.36-9+deb12u4 2.36-9+deb12u10 true, bash 1.0-1 1.0-2 false, tzdata 2024a-0+deb12u1 2025b-0+deb12u1 false"
expect_eq "the security index is named" "$(jq -r '.[0].updates[0].index' out.json)" "$sec_url"
expect_eq "installed packages counted (not the removed one)" "$(jq -r '.[0].installedPackages' out.json)" 3
expect_contains "a summary line" "$(cat err.txt)" "base (base-v1): 3 of 3 packages have updates, 1 of them security"
table=$(imago update-check base --index main_Packages.gz --index "$sec_url" 2>/dev/null) || true
expect_eq "the table's first row" "$(sed -n 2p <<<"$table" | tr -s ' ')" "base libc6 2.36-9+deb12u4 2.36-9+deb12u10 yes"

# 2. Up to date: exit 0.
printf 'Package: bash\nArchitecture: amd64\nVersion: 1.0-1\n' >same_Packages
expect_rc 0 imago update-check base --index same_Packages
expect_contains "says so" "$ERR" "base (base-v1): up to date, 3 packages"

# 3. apt's own lists on this machine (the default).
if compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
  rc=0
  imago update-check base --format json >apt.json 2>/dev/null || rc=$?
  expect_eq "apt's lists: bash 1.0-1 is old" "$rc" 100
  expect_eq "bash is listed" "$(jq -r '[.[0].updates[].package] | index("bash") != null' apt.json)" true
else
  expect_rc 4 imago update-check base
  expect_contains "no lists: what to do" "$ERR" "run apt-get update, or give --index"
fi

# 4. Bad input: one line each, exit codes as documented.
expect_rc 4 imago update-check base --index nope_Packages
expect_contains "a missing index" "$ERR" "nope_Packages does not exist"
echo "not an index" >text_Packages
expect_rc 3 imago update-check base --index text_Packages
expect_contains "a file that is not an index" "$ERR" "text_Packages"
closed=$(free_port)
expect_rc 8 imago update-check base --index "http://127.0.0.1:$closed/Packages"
expect_contains "an index that cannot be fetched" "$ERR" "cannot fetch the index http://127.0.0.1:$closed/Packages"
expect_rc 4 imago update-check nosuch --index main_Packages.gz
mkdir -p empty/etc
truncate -s 16M nodpkg.raw
mkfs.ext4 -q -F -d empty nodpkg.raw
imago images create plain-v1 --source-file nodpkg.raw --family plain >/dev/null 2>&1
expect_rc 4 imago update-check plain --index main_Packages.gz
expect_contains "an image without a package list" "$ERR" "image plain-v1 (head of plain) has no /var/lib/dpkg/status"
make_qcow2 blank.qcow2 16M
imago images create blank-v1 --source-file blank.qcow2 --family blank >/dev/null 2>&1
expect_rc 3 imago update-check blank --index main_Packages.gz
expect_contains "a disk without a file system" "$ERR" "holds no ext2/3/4 file system"
[[ $(wc -l <<<"$ERR") == 1 ]] || fail "the error is not one line: $ERR"
echo "PASS: update-check: packages read from the image's disk, compared with files, URLs and apt's lists; bad input refused"
