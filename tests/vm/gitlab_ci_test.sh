#!/usr/bin/env bash
# examples/gitlab-ci/.gitlab-ci.yml run by gitlab-ci-local (npm; its shell
# executor) against the local cloud, as a GitLab shell runner would:
#   - master: bake (cascade) -> deploy dev -> smoke tests against dev, in order;
#   - stable: the manual promotion; prod runs the very image dev tested;
#   - dev's on_stop job destroys dev, and only dev;
#   - the schedule: imago pipeline daily deploys the head to dev again.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}" "${IMAGO_GUEST_AGENT:?}"
trap vm_test_cleanup EXIT
glci_bin=$IMAGO_SRC/tests/gitlab-ci/node_modules/.bin/gitlab-ci-local
[[ -x $glci_bin ]] || fail "gitlab-ci-local is missing: make gitlab-ci-deps installs it (npm ci)"

kit_debian
mkdir proj
cp -a "$IMAGO_SRC/examples/gitlab-ci/." proj/
cd proj
dport=$(free_port)
pport=$(free_port)
sed -i "s/port: 18080/port: $dport/" environments/dev.yaml
sed -i "s/port: 18081/port: $pport/" environments/prod.yaml
git init -q -b master
git config user.email ci@localhost
git config user.name ci
git remote add origin git@localhost:example/hello.git  # Read for CI_PROJECT_PATH; never contacted.
git add -A
git commit -qm "hello 1"
# The runner: imago on PATH, the test's home (IMAGO_HOME is exported).
export PATH="$(dirname "$IMAGO"):$PATH"
glci() { "$glci_bin" --home "$WORK/glci-home" "$@"; }
# started JOB... : the jobs started, in the order given.
started() { grep -oE '^[a-z-]+ +starting' "$1" | awk '{printf "%s ", $1}'; }
dev_image() { imago releases dev --format json | jq -r '[.[] | select(.state == "LIVE")][0] | "\(.image) \(.imageId)"'; }

# 1. master: bake -> deploy dev -> test against dev, in that order.
glci >master.log 2>&1 || { cat master.log; fail "the master pipeline"; }
[[ $(started master.log) == "bake deploy-dev test-dev " ]] || { cat master.log; fail "master: the jobs, in order: $(started master.log)"; }
expect_contains "the bake cascaded" "$(cat master.log)" "image ci-app-"
expect_contains "the smoke test ran against dev" "$(cat master.log)" "hello from site=example (dev)"
! grep -qE "^stop-dev +starting" master.log || fail "stop-dev ran on its own"
tested=$(dev_image)
[[ $tested == ci-app-* ]] || fail "dev runs no ci-app image: '$tested'"

# 2. stable: the manual promotion; prod runs what dev tested (same id).
git checkout -q -b stable
glci >stable.log 2>&1 || { cat stable.log; fail "the stable pipeline without the manual job"; }
! grep -qE "^promote-prod +starting" stable.log || fail "a manual job ran without being asked"
glci --manual promote-prod >promote.log 2>&1 || { cat promote.log; fail "the manual promotion"; }
expect_eq "stable: only the promotion" "$(started promote.log)" "promote-prod "
expect_eq "prod runs the image dev tested" "$(imago releases prod --format json | jq -r '.[0] | "\(.image) \(.imageId)"')" "$tested"
expect_eq "prod answers" "$(curl -s -m 5 "http://127.0.0.1:$pport/")" "hello from site=example (prod)"

# 3. dev's on_stop job: dev is destroyed, prod is not.
git checkout -q master
glci --manual stop-dev stop-dev >stop.log 2>&1 || { cat stop.log; fail "stop-dev"; }
expect_contains "dev destroyed" "$(cat stop.log)" "deleted ledger imago-releases-hello-dev"
expect_eq "dev no longer answers" "$(curl -s -m 3 "http://127.0.0.1:$dport/" || echo gone)" "gone"
expect_eq "prod still answers" "$(curl -s -m 5 "http://127.0.0.1:$pport/")" "hello from site=example (prod)"

# 4. The schedule: the daily run, with an index where nothing is newer.
printf 'Package: imago-nothing\nVersion: 1\nArchitecture: all\n\n' >"$WORK/Packages"
glci --variable CI_PIPELINE_SOURCE=schedule --variable "DAILY_FLAGS=--index $WORK/Packages" \
  >daily.log 2>&1 || { cat daily.log; fail "the scheduled pipeline"; }
expect_eq "schedule: only the daily job" "$(started daily.log)" "daily "
expect_contains "the daily run's bakes were cache hits" "$(cat daily.log)" '"result": "cached"'
expect_contains "dev deployed again by the daily run" "$(cat daily.log)" '"deployed": 1'
expect_eq "dev answers again" "$(curl -s -m 5 "http://127.0.0.1:$dport/")" "hello from site=example (dev)"
echo "PASS: GitLab CI: master bakes, deploys and tests dev; stable promotes dev's image to prod; on_stop destroys dev; the schedule runs the daily pipeline"
