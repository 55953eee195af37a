#!/usr/bin/env bash
# The imago command with --cloud gce: GceClient over HTTP to `imago serve`
# on loopback. The seed's walkthrough, rotation and errors behave as on the
# local cloud: swapping the cloud is a flag, not a code path.
source "$(dirname "$0")/lib.sh"
make_qcow2 v1.qcow2 16M
make_qcow2 v2.qcow2 32M
imago images create base-v1 --source-file "$WORK/v1.qcow2" >/dev/null 2>&1  # Files stay local.
imago images create base-v2 --source-file "$WORK/v2.qcow2" >/dev/null 2>&1
port=$(free_port)
mkdir -p disks outside
cp v1.qcow2 disks/ && cp v1.qcow2 outside/
"$IMAGO" serve --listen "127.0.0.1:$port" --import-root "$WORK/disks" 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK" || true' EXIT
for _ in $(seq 1 50); do grep -q "imago serve:" serve.log && break; sleep 0.1; done
token=$("$IMAGO" serve --print-token)
gce() { "$IMAGO" --cloud gce --endpoint "http://127.0.0.1:$port/compute/v1/" "$@"; }
export IMAGO_ACCESS_TOKEN=$token
# Project and zone come from the active gcloud configuration, as gcloud's own.
export CLOUDSDK_CONFIG=$WORK/gcloud
mkdir -p "$CLOUDSDK_CONFIG/configurations"
echo work >"$CLOUDSDK_CONFIG/active_config"
printf '[core]\nproject = elsewhere\n' >"$CLOUDSDK_CONFIG/configurations/config_default"
printf '[core]\naccount = me@example.com\nproject = local\n\n[compute]\nzone = local-a\n' \
  >"$CLOUDSDK_CONFIG/configurations/config_work"

# The seed's walkthrough, word for word but over the API.
gce images create image-v1 --source-image base-v1 --family my-image-family >/dev/null 2>&1
expect_eq "family -> v1" "$(gce images describe-from-family my-image-family --format json | jq -r .name)" image-v1
gce images create image-v2 --source-image base-v2 --family my-image-family >/dev/null 2>&1
expect_eq "family -> v2" "$(gce images describe-from-family my-image-family --format json | jq -r .name)" image-v2
gce images deprecate image-v2 --state DEPRECATED --replacement image-v1 >/dev/null 2>&1
expect_eq "family -> v1 again" "$(gce images describe-from-family my-image-family --format json | jq -r .name)" image-v1
expect_contains "selfLinks point at the server" \
  "$(gce images describe image-v1 --format json | jq -r .selfLink)" "http://127.0.0.1:$port/compute/v1/"
gce images add-labels image-v1 --labels env=prod >/dev/null 2>&1
expect_eq "labels over the API" "$(imago images describe image-v1 --format json | jq -r .labels.env)" prod

# Errors: the same exit codes as on the local cloud, one line each.
expect_rc 4 gce images describe nope
expect_contains "404 message" "$ERR" "was not found"
expect_rc 5 gce images create image-v1 --source-image base-v1
expect_rc 3 gce images list --filter 'name = ('
# --log-http: every exchange on stderr, in gcloud's layout, the token never.
gce --log-http images describe image-v1 >/dev/null 2>http.log || fail "--log-http"
expect_contains "the request" "$(cat http.log)" "uri: http://127.0.0.1:$port/compute/v1/projects/local/global/images/image-v1"
expect_contains "the answer" "$(cat http.log)" "status: 200"
expect_contains "the token redacted" "$(cat http.log)" "Authorization: --- Token Redacted ---"
! grep -qF "$token" http.log || fail "--log-http printed the access token"
printf 'Package: bash\nArchitecture: amd64\nVersion: 9\n' >Packages
expect_rc 3 gce update-check my-image-family --index Packages
expect_contains "update-check says why not on GCE" "$ERR" "works on the local cloud only"
expect_rc 9 gce --access-token "$(printf 'x%.0s' {1..64})" images list
expect_contains "says which credential" "$ERR" "--access-token"
expect_rc 9 env -u IMAGO_ACCESS_TOKEN -u GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG="$WORK/no-gcloud" "$IMAGO" --cloud gce --project local --endpoint "http://127.0.0.1:$port/compute/v1/" images list
expect_contains "no credential" "$ERR" "no credentials for --cloud gce"
expect_rc 2 env CLOUDSDK_CONFIG="$WORK/no-gcloud" "$IMAGO" --cloud gce --endpoint "http://127.0.0.1:$port/compute/v1/" images list
expect_contains "no project says how to set one" "$ERR" "gcloud config set project"
expect_rc 2 env CLOUDSDK_CONFIG="$WORK/no-gcloud" "$IMAGO" --cloud gce --project local --endpoint "http://127.0.0.1:$port/compute/v1/" instances list
expect_contains "no zone says how to set one" "$ERR" "compute/zone"
# Compute Engine cannot read local files; imago serve on loopback can, below
# the directories it was started with (--import-root), and from its buckets.
expect_rc 2 "$IMAGO" --cloud gce --endpoint https://compute.example.invalid/compute/v1/ images create x --source-file "$WORK/v1.qcow2"
expect_contains "local file refused for a remote cloud" "$ERR" "gs://BUCKET/OBJECT"
expect_rc 3 gce images create outside --source-file "$WORK/outside/v1.qcow2"
expect_contains "a file outside the import roots is refused" "$ERR" "--import-root"
mkdir -p "$IMAGO_HOME/buckets/my-bucket" && cp v2.qcow2 "$IMAGO_HOME/buckets/my-bucket/"
gce images create from-bucket --source-file gs://my-bucket/v2.qcow2 >/dev/null 2>&1
expect_eq "an object of a local bucket" "$(imago images describe from-bucket --format json | jq -r .status)" READY
gce images create from-file --source-file "$WORK/disks/v1.qcow2" >/dev/null 2>&1
expect_eq "local file through imago serve" "$(imago images describe from-file --format json | jq -r .status)" READY
# A flag and the environment win over the configuration file.
expect_rc 4 gce --project other-project images describe image-v1
expect_rc 4 env CLOUDSDK_CORE_PROJECT=other-project "$IMAGO" --cloud gce --endpoint "http://127.0.0.1:$port/compute/v1/" images describe image-v1
expect_eq "zone from the configuration" "$(gce instances list --format json)" "[]"
expect_rc 4 gce --zone no-such-zone instances list

# Rotation, written against the Service, runs over the API unchanged.
gce images create image-v3 --source-image base-v1 --family my-image-family >/dev/null 2>&1
gce images deprecate image-v2 --state ACTIVE >/dev/null 2>&1
out=$(gce --now "$(date -u -d '+30 days' +%FT%TZ)" rotate --family my-image-family --format json)
expect_eq "rotation over the API deprecates image-v1" \
  "$(jq -r '.changes[] | select(.image == "image-v1") | .to' <<<"$out")" DEPRECATED
expect_eq "and the local cloud shows it" \
  "$(imago images describe image-v1 --format json | jq -r .deprecated.state)" DEPRECATED
echo "PASS: --cloud gce against imago serve"
