#!/usr/bin/env bash
# Secrets in deploys, with real VMs and a FAKE Vault (imago-fake-vault: Vault
# is not in Debian): references from Vault's KV v2, a file and imago's
# environment, resolved at deploy and handed to each VM at boot by its own
# metadata server, push (the guest reads instance/attributes/NAME) and pull
# (the loader writes /run/imago/secrets/NAME, mode 600). A reference that
# cannot be resolved stops the deploy before anything changes, naming the
# reference. The values are then searched for everywhere they must never
# be: templates and instances through the API, the ledger, the catalog and
# every file of the home but the secrets store, the serial consoles, the
# command's output, and every process's command line during the deploys.
source "$(dirname "$0")/../cli/lib.sh"
: "${IMAGO_SRC:?}" "${IMAGO_FAKE_VAULT:?}"
cache=${KIT_CACHE:-$WORK/cache}
vault= sampler=
cleanup() {
  local rc=$?
  kill $vault $sampler 2>/dev/null || true
  kill_vms "$IMAGO_HOME"
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK" || true
  exit "$rc"
}
trap cleanup EXIT

bash "$IMAGO_SRC/images/busybox/build.sh" "$WORK/kit" "$cache" >/dev/null
imago images create app-v1 --source-file "$WORK/kit/busybox.qcow2" --family app >/dev/null 2>&1

# Three values no test output could contain by chance.
value() { echo "s3cret-$1-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
DB=$(value db) API=$(value api) TLS=$(value tls) DB2=$(value db2)

"$IMAGO_FAKE_VAULT" root-token vault.port &
vault=$!
for _ in $(seq 1 50); do [[ -s vault.port ]] && break; sleep 0.1; done
export VAULT_ADDR=http://127.0.0.1:$(cat vault.port) VAULT_TOKEN=root-token
vault_put() {  # vault_put PASSWORD: a new version of secret/app, as Vault's API takes it.
  # Through the environment, not jq's arguments: the sampler below reads
  # every process's command line, this test's own too.
  P=$1 jq -n '{data: {password: env.P, user: "app"}}' |
    curl -sf -H "X-Vault-Token: $VAULT_TOKEN" -d @- "$VAULT_ADDR/v1/secret/data/app" >/dev/null
}
vault_put "$DB"
export TEST_API_KEY=$API

mkdir environments
printf 'tls_key: %s\nother: x\n' "$TLS" >environments/tls.yaml
chmod 600 environments/tls.yaml
# The page: a digest of the three secrets as the guest got them (never the
# values), and the secrets' file mode under pull.
cat >environments/app.sh <<'EOF'
#!/bin/sh
get() { wget -q -O - --header "Metadata-Flavor: Google" "http://169.254.169.254/computeMetadata/v1/instance/attributes/$1"; }
secret() { cat "/run/imago/secrets/$1" 2>/dev/null || get "$1"; }
sum=$(for n in DB_PASSWORD API_KEY TLS_KEY; do secret "$n"; echo; done | sha256sum | cut -d' ' -f1)
mode=$(stat -c %a /run/imago/secrets/DB_PASSWORD 2>/dev/null || echo metadata)
echo "$sum $mode" >/www/index.html
EOF
env_file() {  # env_file NAME PORT MODEL [DB_REF]
  cat >"environments/$1.yaml" <<EOF
service: web
image: {family: app}
size: 1
model: $3
files:
  startup-script: app.sh
secrets:
  DB_PASSWORD: ${4:-vault:secret/data/app#password}
  API_KEY: env:TEST_API_KEY
  TLS_KEY: file:tls.yaml#tls_key
health_check: {path: /health, interval: 1s, timeout: 1s, initial_delay: 120s}
strategy: {type: red-black, keep_previous: 0s}
load_balancer: {port: $2}
timeout: 120s
EOF
}
digest() { for v in "$@"; do printf '%s\n' "$v"; done | sha256sum | cut -d' ' -f1; }
page() {  # page PORT WANT: what the service answers, within 10 s of WANT.
  local got end=$((SECONDS + 10))
  while got=$(curl -s -m 3 "http://127.0.0.1:$1/") && [[ $got != "$2" ]] && ((SECONDS < end)); do sleep 0.3; done
  echo "$got"
}
# Every process's command line, sampled while the deploys run.
( set +e; while :; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " " >>cmdlines.txt; echo >>cmdlines.txt; sleep 0.2; done ) &
sampler=$!

# 1. References that cannot be resolved: refused, named, nothing changed.
port=$(free_port)
env_file dev "$port" push
VAULT_TOKEN=wrong-token expect_rc 9 imago deploy dev --yes
expect_contains "a refused token" "$ERR" "secret DB_PASSWORD (vault:secret/data/app#password): Vault refused to read secret/data/app (403): check VAULT_TOKEN"
expect_contains "nothing changed" "$ERR" "nothing was changed"
env_file dev "$port" push "vault:secret/data/app#passwd"
expect_rc 4 imago deploy dev --yes
expect_contains "a missing field" "$ERR" "the secret has no field 'passwd' (it has: password, user)"
env_file dev "$port" push
TEST_API_KEY= expect_rc 3 imago deploy dev --yes
expect_contains "an empty variable" "$ERR" "secret API_KEY (env:TEST_API_KEY): the value is empty"
VAULT_ADDR=http://127.0.0.1:$(free_port) expect_rc 8 imago deploy dev --yes
expect_contains "Vault down" "$ERR" "did not answer"
expect_eq "no template after the refusals" "$(imago instance-templates list --format json | jq length)" 0
expect_eq "no release after the refusals" "$(imago releases dev --format json | jq length)" 0
imago deploy dev --yes --cloud gce --endpoint http://127.0.0.1:9/compute/v1/ --access-token x \
  --project local --zone local-a >gce.out 2>&1 && fail "secrets on --cloud gce were accepted"
expect_contains "GCE cannot take them" "$(cat gce.out)" "only the local cloud can hand secrets to VMs"

# 2. Push: the guest reads them from its metadata server.
plan=$(imago deploy dev --plan 2>&1)
expect_contains "the plan names the count" "$plan" "3 secret(s) handed over at boot"
imago deploy dev --yes >dev1.out 2>&1 || { cat dev1.out; fail "push deploy"; }
expect_eq "push: the guest got the three" "$(page "$port" "$(digest "$DB" "$API" "$TLS") metadata")" "$(digest "$DB" "$API" "$TLS") metadata"
expect_eq "the template names them only" "$(imago instance-templates describe web-dev-v001 --format json | jq -r '.properties.metadata.items[] | select(.key == "imago-secrets") | .value')" "DB_PASSWORD API_KEY TLS_KEY"
expect_eq "the store keeps them private" "$(stat -c %a "$IMAGO_HOME/secrets/local/web-dev-v001.json")" 600

# 3. Pull: the loader writes them to /run/imago/secrets, mode 600.
qport=$(free_port)
env_file qa "$qport" pull
imago deploy qa --yes >qa1.out 2>&1 || { cat qa1.out; fail "pull deploy"; }
expect_eq "pull: the guest got the three" "$(page "$qport" "$(digest "$DB" "$API" "$TLS") 600")" "$(digest "$DB" "$API" "$TLS") 600"

# 4. A new version in Vault is a new release; the old bundle goes with its template.
vault_put "$DB2"
plan=$(imago deploy qa --plan 2>&1)
expect_contains "why" "$plan" "secrets changed: DB_PASSWORD"
imago deploy qa --yes >qa2.out 2>&1 || { cat qa2.out; fail "rotated deploy"; }
expect_eq "pull: the rotated value" "$(page "$qport" "$(digest "$DB2" "$API" "$TLS") 600")" "$(digest "$DB2" "$API" "$TLS") 600"
imago releases qa >/dev/null  # Its group reaped (keep_previous: 0s) by this or the controller.
for _ in $(seq 1 60); do [[ ! -e $IMAGO_HOME/secrets/local/web-qa-v001.json ]] && break; sleep 1; "$IMAGO" deploy qa --yes >/dev/null 2>&1 || true; done
expect_eq "the retired release's secrets are gone" "$(ls "$IMAGO_HOME/secrets/local" | tr '\n' ' ')" "web-dev-v001.json web-qa-v002.json "

# 5. Nowhere else: the API, the ledger, the consoles, the home, the output, command lines.
kill "$sampler"
wait "$sampler" 2>/dev/null || true
{
  imago instance-templates list --format json
  for t in $(imago instance-templates list --format json | jq -r '.[].name'); do imago instance-templates describe "$t" --format json; done
  imago instances list --format json
  for i in $(imago instances list --format json | jq -r '.[].name'); do
    imago instances describe "$i" --format json
    imago instances get-serial-port-output "$i" 2>/dev/null || true
  done
  imago project-info describe --format json
  imago releases dev --format json
  imago releases qa --format json
  cat ./*.out
} >api.txt 2>&1
expect_eq "API answers looked at" "$(grep -c web-dev-v001 api.txt || true)" "$(grep -c web-dev-v001 api.txt)"
grep -q imago-secrets api.txt || fail "the API dump holds no instance metadata: nothing was searched"
for v in "$DB" "$API" "$TLS" "$DB2"; do
  ! grep -qF -- "$v" api.txt || fail "a secret value is visible through the API, the ledger or a console"
  ! grep -rqF --exclude-dir=secrets -- "$v" "$IMAGO_HOME" || fail "a secret value is in the home outside its store: $(grep -rlF --exclude-dir=secrets -- "$v" "$IMAGO_HOME" | head -3)"
  ! grep -qF -- "$v" cmdlines.txt || fail "a secret value was on a process's command line: $(grep -F -- "$v" cmdlines.txt | tr ' ' '\n' | grep -F -B3 -A1 -- "$v" | sed "s/$v/<VALUE>/" | tr '\n' ' ' | head -c 300)"
done
(($(wc -l <cmdlines.txt) > 10)) || fail "the command lines were not sampled"
grep -qF -- "$DB" "$IMAGO_HOME/secrets/local/web-dev-v001.json" || fail "the store does not hold the value the guest got"
echo "PASS: secrets: Vault KV v2, file and env references resolved at deploy, push and pull guests got them, never in the API, the ledger, the home, a console or a command line"
