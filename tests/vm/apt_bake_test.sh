#!/usr/bin/env bash
# Debian packages in a bake, and the digest that follows the archive:
#   - an apt provisioner installs a package from an apt repository (a local
#     one here, file: URL) into the kit's Debian image: apt on the host
#     resolves and downloads, apt in the builder installs;
#   - a rebake with the archive unchanged is a cache hit; after the archive
#     publishes a newer version it is not, and the new image has it
#     (imago update-check against the repository's index says so);
#   - a package apt cannot find, a bad package name: refused before any VM boots.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}" "${IMAGO_GUEST_AGENT:?}"
trap vm_test_cleanup EXIT

kit_debian

publish() { publish_motd repo "$1"; }
publish 1.0
echo "deb [trusted=yes] file:$WORK/repo ./" >repo.list
cat >base.yaml <<'YAML'
family: base
source: {image_family: kit-debian}
provisioners:
  - type: apt
    install: [imago-demo-motd]
    sources: repo.list
YAML

# 1. The first bake installs 1.0.
imago bake base.yaml --format json >b1.json 2>b1.log || { cat b1.log; fail "bake 1"; }
expect_contains "apt resolved it before the builder booted" "$(cat b1.log)" "apt resolves 1 package(s) to fetch for kit-debian-v1"
expect_contains "the guest's apt installed it" "$(cat b1.log)" "Setting up imago-demo-motd (1.0)"
v1=$(jq -r .image b1.json)
check() { imago update-check base --index repo/Packages --format json 2>/dev/null; }
expect_eq "the image has 1.0: up to date with the archive" "$(check | jq -r '.[0].updates | length')" 0

# 2. Nothing changed in the archive: a cache hit.
imago bake base.yaml --format json >b2.json 2>b2.log || { cat b2.log; fail "bake 2"; }
expect_eq "no change: cached" "$(jq -r '"\(.cached) \(.image)"' b2.json)" "true $v1"

# 3. The archive publishes 1.1: update-check sees it, the bake is a miss and installs it.
publish 1.1
rc=0
check >u.json || rc=$?
expect_eq "update-check: updates exist" "$rc" 100
expect_eq "update-check: 1.0 -> 1.1" "$(jq -r '.[0].updates[0] | "\(.package) \(.installed) \(.available)"' u.json)" "imago-demo-motd 1.0 1.1"
imago bake base.yaml --format json >b3.json 2>b3.log || { cat b3.log; fail "bake 3"; }
expect_eq "a new archive state: not cached" "$(jq -r .cached b3.json)" false
[[ $(jq -r .digest b3.json) != $(jq -r .digest b1.json) ]] || fail "the digest did not change with the archive"
expect_contains "1.1 installed" "$(cat b3.log)" "Setting up imago-demo-motd (1.1)"
expect_eq "the new head is up to date" "$(check | jq -r '"\(.[0].image) \(.[0].updates | length)"')" "$(jq -r .image b3.json) 0"

# 4. Bad input: before any VM boots, one line.
printf 'family: bad\nsource: {image_family: kit-debian}\nprovisioners:\n  - type: apt\n    install: [no-such-package]\n    sources: repo.list\n' >bad.yaml
expect_rc 3 imago bake bad.yaml
expect_contains "apt's reason, on the error line" "$(grep '^ERROR' <<<"$ERR")" \
  "provisioner 1 (apt at bad.yaml:4): apt-get install for the image failed: Unable to locate package no-such-package"
[[ $(grep -c '^ERROR' <<<"$ERR") == 1 ]] || fail "not one error line: $ERR"
[[ $ERR != *"booting builder"* ]] || fail "a builder booted for a spec apt cannot resolve"
printf 'family: bad\nsource: {image_family: kit-debian}\nprovisioners:\n  - type: apt\n    install: ["Bad Name"]\n' >bad2.yaml
expect_rc 3 imago bake bad2.yaml
expect_contains "a bad name, with file and line" "$ERR" "bad2.yaml:5"
expect_eq "no VM was left" "$(imago instances list --format json | jq length)" 0
echo "PASS: apt in bakes: packages from an archive, a digest that follows it, update-check agrees"
