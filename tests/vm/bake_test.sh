#!/usr/bin/env bash
# imago bake end to end on real VMs (QEMU; software emulation without KVM):
#   - bad specs are refused with file, line and key before any VM boots;
#   - the examples' three levels (shell, file and ansible provisioners) bake
#     in order with --cascade, and the product image boots and serves;
#   - the cache: a hit when nothing changed, a miss after a playbook change
#     (cascading to the children), --force;
#   - a failing provisioner: its exit code and last lines, no image, nothing
#     left; Ctrl-C: the same; kill -9: the next command removes the builder.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}" "${IMAGO_GUEST_AGENT:?}"
trap vm_test_cleanup EXIT
qemus() { qemu_count "$IMAGO_HOME"; }
expect_nothing_left() {
  expect_eq "$1: no instance" "$(imago instances list --format json 2>/dev/null | jq length)" 0
  expect_eq "$1: no disk" "$(imago disks list --format json 2>/dev/null | jq length)" 0
  expect_eq "$1: no QEMU" "$(qemus)" 0
}

kit_debian
cp -r "$IMAGO_SRC/examples/bake" specs
rm -rf specs/out

# 1. Bad specs: one line with file, line and key; no VM boots.
mkdir bad
printf 'family: x\nsource: {image_family: example-base}\nprovisoners: []\n' >bad/typo.yaml
expect_rc 3 imago bake bad/typo.yaml
expect_contains "unknown key" "$ERR" "bad/typo.yaml:3: key 'provisoners': unknown key"
printf 'family: x\nprovisioners: []\n' >bad/nosource.yaml
expect_rc 3 imago bake bad/nosource.yaml
expect_contains "missing source" "$ERR" "bad/nosource.yaml:1: key 'source': missing"
printf 'family: x\nsource: {image_family: kit-debian}\nprovisioners:\n  - type: shell\n    script: nope.sh\n' >bad/nofile.yaml
expect_rc 3 imago bake bad/nofile.yaml
expect_contains "missing file" "$ERR" "bad/nofile.yaml:5: key 'provisioners[0].script': no such file"
printf 'family: x\nsource: {image_family: no-such-family}\n' >bad/nofamily.yaml
expect_rc 4 imago bake bad/nofamily.yaml
expect_contains "unknown family" "$ERR" "key 'source.image_family'"
expect_rc 3 imago bake bad/
expect_contains "a directory is not a spec" "$ERR" "bad/: not a spec file"
printf 'family: x\nsource: {image_family: kit-debian}\nmachine_type: e2-huge\n' >bad/machine.yaml
expect_rc 3 imago bake bad/machine.yaml
expect_contains "unknown machine type before anything is made" "$ERR" "bad/machine.yaml:3: key 'machine_type': "
mkdir cycle
printf 'family: a\nsource: {image_family: b}\n' >cycle/a.yaml
printf 'family: b\nsource: {image_family: a}\n' >cycle/b.yaml
expect_rc 3 imago bake cycle/a.yaml --cascade --specs cycle/
expect_contains "cycle named" "$ERR" "the specs form a cycle: a.yaml (family a) -> b.yaml (family b) -> a.yaml"
expect_eq "one line" "$(printf '%s\n' "$ERR" | wc -l)" 1
expect_nothing_left "after bad specs"

# 2. The three levels, parents first.
out=$(imago bake specs/base.yaml --cascade --specs specs --format json 2>bake.log) ||
  fail "cascade bake failed: $(tail -20 bake.log)"
expect_eq "cascade order" "$(jq -c '[.[].family]' <<<"$out")" '["example-base","example-app","example-product"]'
expect_eq "all baked" "$(jq -c '[.[].cached]' <<<"$out")" '[false,false,false]'
expect_contains "ansible ran" "$(cat bake.log)" "TASK [The app]"
expect_contains "the source is pinned and printed" "$(cat bake.log)" "source family kit-debian -> kit-debian-v1 (pinned)"
expect_eq "manifest: one build per image" "$(jq '.builds | length' specs/out/manifest.json)" 3
app=$(jq -r '.[1].image' <<<"$out")
product=$(imago images describe-from-family example-product --format json)
expect_eq "product records its parent" "$(jq -r '.labels["imago-source-image"]' <<<"$product")" "$app"
expect_contains "and as sourceImage" "$(jq -r .sourceImage <<<"$product")" "/global/images/$app"
expect_eq "digest label" "$(jq -r '.labels["imago-bake-digest"]' <<<"$product")" "$(jq -r '.[2].digest[0:40]' <<<"$out")"
expect_nothing_left "after the bakes"

# 3. The product image boots and serves what each level put in.
imago instances create shop-1 --image-family example-product --ports 80 >/dev/null 2>&1
port=$(imago instances describe shop-1 --format json | jq -r '.forwardedPorts[0].hostPort')
end=$((SECONDS + 120))
until health=$(curl -sf -m 1 "http://127.0.0.1:$port/cgi-bin/health" 2>/dev/null); do
  ((SECONDS < end)) || fail "shop-1 did not answer in 120 s"
  sleep 0.3
done
expect_eq "health endpoint (product level)" "$health" ok
expect_eq "the app (app level, base's site.conf)" "$(curl -s "http://127.0.0.1:$port/cgi-bin/hello")" \
  "Hello from an immutable VM (version 1.0.0, site example.com, host shop-1)"
# instances ssh into the Debian image (OpenSSH): the exit code is the command's.
rc=0
out=$(HOME=$WORK/user USER=root imago instances ssh shop-1 \
  --command 'test -f /etc/debian_version && hostname; exit 7' 2>ssh.err) || rc=$?
[[ $rc == 7 ]] || fail "ssh: the remote command's exit code: got $rc, expected 7: $(cat ssh.err)"
expect_eq "ssh: it ran in the VM" "$out" shop-1
out=$(HOME=$WORK/user imago instances ssh alice@shop-1 --command 'id -un; echo $HOME' 2>ssh.err) ||
  fail "ssh as alice: $(cat ssh.err)"
expect_eq "ssh: a user made for its key" "$out" "alice
/home/alice"
imago instances delete shop-1 -q >/dev/null 2>&1

# 4. The cache: nothing changed -> nothing baked.
out=$(imago bake specs/base.yaml --cascade --specs specs --format json 2>/dev/null)
expect_eq "all cached" "$(jq -c '[.[].cached]' <<<"$out")" '[true,true,true]'
# A change in the playbook's tree: app and product again, base cached.
echo "# release 2" >>specs/ansible/templates/hello.cgi.j2
# --dry-run says so first, and why, with nothing made.
images_before=$(imago images list --format json | jq length)
out=$(imago bake specs/base.yaml --cascade --specs specs --dry-run --format json 2>dry.err) ||
  fail "bake --dry-run failed: $(cat dry.err)"
expect_eq "dry run: base cached, app and product built" "$(jq -c '[.[].action]' <<<"$out")" '["cached","build","build"]'
expect_contains "dry run: the changed input of app's miss" "$(jq -r '.[1].why[0]' <<<"$out")" \
  "provisioner 1 (ansible at app.yaml:16): playbook directory changed (since debian-12-app-hello-1-0-0-v"
expect_eq "dry run: product, because app is rebuilt" "$(jq -r '.[2].why[0]' <<<"$out")" \
  "its source family example-app gets a new image in this run"
expect_contains "dry run: says nothing was made" "$(cat dry.err)" "2 of 3 spec(s) would be built; nothing was made"
expect_eq "dry run: no image made" "$(imago images list --format json | jq length)" "$images_before"
expect_nothing_left "after the dry run"
out=$(imago bake specs/base.yaml --cascade --specs specs --format json 2>bake.log) ||
  fail "bake after a playbook change failed: $(tail -20 bake.log)"
expect_eq "playbook change: app and product miss" "$(jq -c '[.[].cached]' <<<"$out")" '[true,false,false]'
expect_eq "nothing outdated after the cascade" "$(imago images outdated --format json | jq length)" 0
# --force bakes although the digest is known.
out=$(imago bake specs/product.yaml --force --format json 2>/dev/null)
expect_eq "--force bakes" "$(jq -r .cached <<<"$out")" false
expect_eq "three product images" "$(imago images list --filter 'family = example-product' --format json | jq length)" 3

# 5. A failing provisioner: its exit code and last lines; no image; nothing left.
cat >fail.yaml <<'YAML'
family: failing
source: {image_family: example-base}
provisioners:
  - type: shell
    inline:
      - echo "about to fail"
      - exit 3
YAML
rc=0
out=$(imago bake fail.yaml --format json 2>err.txt) || rc=$?
ERR=$(cat err.txt)
expect_eq "a failing provisioner: exit 11" "$rc" 11
expect_contains "exit code" "$ERR" "provisioner 1 (shell at fail.yaml:4) exited with 3"
expect_contains "the JSON says why" "$(jq -r .error <<<"$out")" "exited with 3"
expect_eq "the JSON names no image (none was made)" "$(jq -c '[has("image"), has("imageId")]' <<<"$out")" "[false,false]"
log=$(sed -n 's/^Build log: //p' <<<"$ERR")
[[ -f $log ]] || fail "the build log $log was not kept"
expect_contains "last lines printed" "$ERR" "| about to fail"
expect_contains "the log has the output" "$(cat "$log")" "about to fail"
expect_rc 4 imago images describe-from-family failing
expect_nothing_left "after a failing provisioner"

# 6. Ctrl-C (SIGINT) while a provisioner runs: the same clean-up, exit 130.
cat >slow.yaml <<'YAML'
family: slow
source: {image_family: example-base}
provisioners:
  - type: shell
    inline:
      - echo "sleeping"
      - sleep 300
YAML
wait_for_line() {  # FILE TEXT
  local end=$((SECONDS + 120))
  until grep -q "$2" "$1" 2>/dev/null; do
    ((SECONDS < end)) || fail "'$2' did not appear in $1"
    sleep 0.2
  done
}
"$IMAGO" bake slow.yaml >slow.out 2>slow.err &
pid=$!
wait_for_line slow.err "| sleeping"
kill -INT $pid
rc=0
wait $pid || rc=$?
expect_eq "Ctrl-C exit code" "$rc" 130
expect_contains "cancelled" "$(cat slow.err)" "cancelled"
expect_rc 4 imago images describe-from-family slow
expect_nothing_left "after Ctrl-C"

# 7. kill -9 during a bake: the next imago command removes the builder.
"$IMAGO" bake slow.yaml >slow.out 2>slow.err &
pid=$!
wait_for_line slow.err "| sleeping"
kill -9 $pid
wait $pid 2>/dev/null || true
expect_eq "the builder VM outlives imago" "$(qemus)" 1
imago images list >/dev/null 2>recover.err
expect_contains "recovery says what it did" "$(cat recover.err)" "an interrupted bake of $WORK/slow.yaml was cleaned up"
expect_rc 4 imago images describe-from-family slow
expect_nothing_left "after kill -9"
echo "PASS: imago bake (three levels, cache, cascade, failure, Ctrl-C, kill -9)"
