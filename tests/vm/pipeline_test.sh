#!/usr/bin/env bash
# imago pipeline daily with real builder VMs, a real apt repository (a local
# one, file: URL) and a dev environment behind the load balancer:
#   - the first run bakes base -> app -> product, deploys dev, smoke-tests it;
#   - a run with nothing new bakes nothing (cache hits), boots no VM;
#   - the archive publishes an update: the run says so, rebuilds the chain,
#     deploys the new head to dev, rotates;
#   - a bake failing in the middle of the cascade: the images before it stay,
#     its children are not built, dev is not deployed, exit 10; fixed, the
#     rerun continues from what is done;
#   - one run at a time per home; kill -9 of a run, then a rerun continues;
#   - a smoke test that fails rolls dev back to the release before;
#   - bad input refused before anything runs.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}" "${IMAGO_GUEST_AGENT:?}"
trap vm_test_cleanup EXIT

kit_debian

mkdir -p specs environments
publish() { publish_motd repo "$1"; }
publish 1.0
echo "deb [trusted=yes] file:$WORK/repo ./" >specs/repo.list
cat >specs/base.yaml <<'YAML'
family: base
source: {image_family: kit-debian}
provisioners:
  - type: apt
    upgrade: true
    install: [imago-demo-motd]
    sources: repo.list
YAML
cat >specs/app.yaml <<'YAML'
family: app
source: {image_family: base}
provisioners:
  - type: shell
    inline: ["echo app >/etc/imago-app"]
YAML
cat >specs/product.yaml <<'YAML'
family: product
source: {image_family: app}
provisioners:
  - type: shell
    inline: ["echo product >/etc/imago-product"]
YAML
# dev answers / with the motd its image has, and /ready once it does.
cat >environments/app.sh <<'EOF'
#!/bin/sh
cat /etc/imago-motd >/www/index.html
echo ok >/www/ready
EOF
cat >environments/smoke.sh <<'EOF'
#!/bin/sh
# The release answers with a motd, and not one of a version known to be bad.
out=$(curl -sf -m 5 "$IMAGO_URL") || { echo "smoke: no answer from $IMAGO_URL"; exit 1; }
echo "smoke: $IMAGO_ENVIRONMENT answers '$out'"
case $out in "motd "*) ;; *) exit 1 ;; esac
[ ! -f bad-version ] || [ "$out" != "motd $(cat bad-version)" ]
EOF
port=$(free_port)
cat >environments/dev.yaml <<EOF
service: web
image: {family: product}
size: 1
files: {startup-script: app.sh}
health_check: {path: /ready, interval: 1s, timeout: 1s, initial_delay: 120s}
strategy: {type: red-black, keep_previous: 30m}
load_balancer: {port: $port}
timeout: 120s
daily: true
smoke: smoke.sh
EOF
cat >environments/prod.yaml <<EOF
service: web
image: {family: product}
load_balancer: {port: $(free_port)}
EOF
url=http://127.0.0.1:$port/
daily() { imago pipeline daily --specs specs --environments environments --index repo/Packages "$@"; }
row() { jq -r --arg s "$1" --arg x "$2" '.steps[] | select(.step == $s and .subject == $x) | .result' "$3"; }
detail() { jq -r --arg s "$1" --arg x "$2" '.steps[] | select(.step == $s and .subject == $x) | .detail' "$3"; }
serves() {  # serves WANT: dev answers WANT within 10 s.
  local got end=$((SECONDS + 10))
  while got=$(curl -s -m 3 "$url") && [[ $got != "$1" ]] && ((SECONDS < end)); do sleep 0.3; done
  echo "$got"
}

# 1. The first run: everything is built and dev deployed; prod (not daily) is not.
daily --format json >r1.json 2>r1.log || { cat r1.log; fail "the first daily run"; }
expect_eq "first run: the chain is built" "$(row bake base r1.json) $(row bake app r1.json) $(row bake product r1.json)" "built built built"
expect_eq "first run: dev deployed" "$(row deploy dev r1.json)" "deployed"
expect_eq "first run: smoke" "$(row smoke dev r1.json)" "passed"
expect_eq "first run: prod is not daily" "$(jq -r '[.steps[] | select(.subject == "prod")] | length' r1.json)" 0
expect_eq "dev serves 1.0" "$(serves "motd 1.0")" "motd 1.0"
expect_contains "the step's own progress is shown" "$(cat r1.log)" "==> bake app.yaml"

# 2. Nothing changed: no bake, no VM booted, dev unchanged; the table.
vms=$(vm_pids "$IMAGO_HOME" | sort | tr '\n' ' ')
t0=$(now)
daily >r2.out 2>r2.log || { cat r2.log; fail "the second daily run"; }
echo "a daily run with nothing new: $(echo "$(now) - $t0" | bc) s"
expect_eq "nothing new: no VM booted" "$(vm_pids "$IMAGO_HOME" | sort | tr '\n' ' ')" "$vms"
expect_contains "table: checked" "$(cat r2.out)" "up-to-date"
[[ $(grep -c '^bake .* cached ' r2.out) == 3 ]] || fail "not three cached bakes: $(cat r2.out)"
expect_contains "table: dev unchanged" "$(grep '^deploy' r2.out)" "unchanged"
expect_contains "says nothing failed" "$(cat r2.log)" "Done: nothing failed."

# 3. The archive moves: base is behind; the chain is rebuilt, dev gets it.
publish 1.1
daily --format json >r3.json 2>r3.log || { cat r3.log; fail "the daily run after an update"; }
expect_eq "check says behind" "$(row check base r3.json)" "behind"
expect_contains "check names the package" "$(detail check base r3.json)" "imago-demo-motd 1.0 -> 1.1"
expect_eq "rebuilt" "$(row bake base r3.json) $(row bake app r3.json) $(row bake product r3.json)" "built built built"
expect_contains "why app was rebuilt" "$(detail bake app r3.json)" "its parent base was rebuilt"
expect_contains "why base was rebuilt" "$(detail bake base r3.json)" "1 package update(s)"
expect_eq "dev deployed again" "$(row deploy dev r3.json)" "deployed"
expect_eq "dev serves 1.1" "$(serves "motd 1.1")" "motd 1.1"
expect_eq "rebuilt count" "$(jq .rebuilt r3.json)" 3
expect_eq "nothing outdated" "$(row outdated - r3.json)" "none"

# 4. A bake fails in the middle of the cascade: base stays built, product is
#    not baked, dev stays on 1.1; exit 10. Fixed, the rerun continues.
publish 1.2
sed -i 's/echo app >\/etc\/imago-app/echo app >\/etc\/imago-app; exit 7/' specs/app.yaml
rc=0
daily --format json >r4.json 2>r4.log || rc=$?
expect_eq "a failed step: exit 10" "$rc" 10
expect_eq "base built, app failed, product skipped" "$(row bake base r4.json) $(row bake app r4.json) $(row bake product r4.json)" "built failed skipped"
expect_contains "why product was skipped" "$(detail bake product r4.json)" "its parent family app was not baked"
expect_eq "dev not deployed" "$(row deploy dev r4.json)" "skipped"
expect_eq "dev still serves 1.1" "$(curl -s -m 3 "$url")" "motd 1.1"
base12=$(imago images describe-from-family base --format json | jq -r .name)
sed -i 's/; exit 7//' specs/app.yaml
daily --format json >r5.json 2>r5.log || { cat r5.log; fail "the rerun after the fix"; }
expect_eq "the rerun: base cached, app and product built" "$(row bake base r5.json) $(row bake app r5.json) $(row bake product r5.json)" "cached built built"
expect_eq "base is the one of the failed run" "$(imago images describe-from-family base --format json | jq -r .name)" "$base12"
expect_eq "dev serves 1.2" "$(serves "motd 1.2")" "motd 1.2"

# 5. One run at a time per home; a run killed with -9 is continued by the
#    next, whose release (1.3) the smoke test rejects: dev goes back to 1.2.
publish 1.3
echo 1.3 >environments/bad-version
flock -n "$IMAGO_HOME/pipeline.lock" sleep 5 &
holder=$!
sleep 0.5
expect_rc 8 daily
expect_contains "the lock, named" "$ERR" "another pipeline run holds $IMAGO_HOME/pipeline.lock; nothing was done"
wait "$holder"
"$IMAGO" pipeline daily --specs specs --environments environments --index repo/Packages >kill.out 2>kill.log &
pid=$!
for _ in $(seq 1 600); do grep -q "==> bake app.yaml" kill.log && break; sleep 0.1; done
grep -q "==> bake app.yaml" kill.log || { cat kill.log; fail "the run never reached app"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
rc=0
daily --format json >r6.json 2>r6.log || rc=$?
expect_eq "the rerun: base cached, app and product built" "$(row bake base r6.json) $(row bake app r6.json) $(row bake product r6.json)" "cached built built"
expect_eq "no builder left" "$(imago instances list --format json | jq '[.[] | select(.name | test("^bake-|builder"))] | length')" 0
expect_eq "a failed smoke test: exit 10" "$rc" 10
expect_eq "deployed, then the smoke test failed" "$(row deploy dev r6.json) $(row smoke dev r6.json)" "deployed failed"
expect_contains "rolled back" "$(detail smoke dev r6.json)" "rolled back"
expect_eq "dev serves 1.2 again" "$(serves "motd 1.2")" "motd 1.2"
rm environments/bad-version

# 6. Bad input: one line, before anything runs; an index that cannot be read.
expect_rc 3 imago pipeline daily --specs no-such-dir
expect_contains "no such directory" "$ERR" "no-such-dir"
rc=0
daily --index no-such-index --format json >r8.json 2>r8.log || rc=$?
expect_eq "an index that cannot be read: exit 10" "$rc" 10
expect_eq "its check failed; nothing baked on it, dev left alone" "$(row check base r8.json) $(row bake base r8.json) $(row bake app r8.json) $(row deploy dev r8.json)" "failed skipped skipped skipped"
expect_contains "the check's reason" "$(detail check base r8.json)" "no-such-index"
echo "sise: 3" >>environments/prod.yaml
expect_rc 3 daily
expect_contains "a bad environment file, with its line" "$ERR" "prod.yaml:4: key 'sise'"
[[ $ERR != *"==> "* ]] || fail "a step ran before the input was checked: $ERR"
echo "PASS: pipeline daily: cascade on an archive update, deploy and smoke to dev, failures contained, one run at a time, kill -9 continued"
