#!/usr/bin/env bash
# make demo: the seed's story on imago's local cloud, printed as it goes.
# Runs in a fresh state directory each time; nothing outside it is touched.
set -euo pipefail
: "${IMAGO:?set IMAGO to the imago binary}"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lib/helpers.sh"
DEMO=$(mktemp -d /tmp/imago-demo-XXXXXX)
export IMAGO_HOME=$DEMO/home
# Under set -e a failing command would end the trap early: each one may fail.
trap 'kill_vms "$IMAGO_HOME"; chmod -R u+w "$DEMO" || true; rm -rf "$DEMO" || true' EXIT
cd "$DEMO"

bold=$(tput bold 2>/dev/null || true)
dim=$(tput dim 2>/dev/null || true)
off=$(tput sgr0 2>/dev/null || true)
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
# Prints the command as it could be typed (quoting what needs it), then runs it.
run() {
  local shown=""
  for a in "$@"; do
    if [[ $a == *"'"* ]]; then  # Shown double-quoted, so that it can be pasted.
      a=${a//\\/\\\\} a=${a//\"/\\\"} a=${a//\$/\\\$} a=${a//\`/\\\`}
      shown+=" \"$a\""
    elif [[ $a =~ [^a-zA-Z0-9_./=:,@+-] ]]; then shown+=" '$a'"; else shown+=" $a"; fi
  done
  printf '%s$ imago%s%s\n' "$dim" "$shown" "$off"
  "$IMAGO" "$@"
}

# wait_up NAME URL: until the VM answers 200 there (at most 120 s).
wait_up() { wait_http "$2" 120 >/dev/null || { echo "$1 did not answer in 120 s" >&2; exit 1; }; }

if [[ -n ${KIT:-} && -f $KIT ]]; then
  say "The kit: a bootable machine image built from Debian packages (kernel inside the disk)"
  run images create kit-busybox-v1 --source-file "$KIT" --family kit \
    --labels kernel="$(tr . - <"${KIT%.qcow2}.kver")" --description "busybox + Debian cloud kernel"

  say "A VM from the family: QEMU boots the image's own kernel; the metadata server hands it its startup-script"
  cat >hello.sh <<'SH'
#!/bin/sh
md=http://169.254.169.254/computeMetadata/v1/instance
echo "hello from $(timeout 5 wget -q -O- --header 'Metadata-Flavor: Google' $md/name), release $(timeout 5 wget -q -O- --header 'Metadata-Flavor: Google' $md/attributes/release)" >/www/hello.txt
SH
  run instances create web-1 --image-family kit --ports 80 --metadata release=1 \
    --metadata-from-file startup-script=hello.sh --labels env=demo
  port=$("$IMAGO" instances describe web-1 --format json | jq -r '.forwardedPorts[0].hostPort')
  wait_up web-1 "http://127.0.0.1:$port/hello.txt"
  printf '%s$ curl http://127.0.0.1:%s/health%s\n' "$dim" "$port" "$off"
  curl -s "http://127.0.0.1:$port/health"
  printf '%s$ curl http://127.0.0.1:%s/hello.txt%s\n' "$dim" "$port" "$off"
  curl -s "http://127.0.0.1:$port/hello.txt"
  printf '%s$ imago instances get-serial-port-output web-1 | grep imago-kit%s\n' "$dim" "$off"
  "$IMAGO" instances get-serial-port-output web-1 2>/dev/null | grep imago-kit
  run instances list
  run disks list

  say "An image a VM runs from is in use: rotation leaves it alone"
  run images create kit-busybox-v2 --source-file "$KIT" --family kit
  run images create kit-busybox-v3 --source-file "$KIT" --family kit
  "$IMAGO" --now "$(date -u -d '+90 days' +%FT%TZ)" rotate --family kit --dry-run --format json |
    jq -r '.skipped[] | "\(.image): \(.reason)"'

  say "A database VM as an environment (kind: instance): each release is a new VM of the same name from the new image, its data disk moved over (stop, detach, new VM, attach); rollback the same way"
  mkdir -p db-env
  cat >db-env/journal.sh <<'SH'
#!/bin/sh
md=http://169.254.169.254/computeMetadata/v1/instance
while [ ! -e /dev/disk/by-id/google-journal ]; do sleep 0.2; done
mkdir -p /mnt/journal
mount /dev/disk/by-id/google-journal /mnt/journal 2>/dev/null ||
  { mke2fs -q /dev/disk/by-id/google-journal && mount /dev/disk/by-id/google-journal /mnt/journal; }
echo "release $(timeout 5 wget -q -O- --header 'Metadata-Flavor: Google' $md/attributes/release) was here" >>/mnt/journal/log
sync
cp /mnt/journal/log /www/.journal && mv /www/.journal /www/journal.txt
echo ok >/www/.ready && mv /www/.ready /www/ready
SH
  db_env() {  # db_env IMAGE RELEASE: the environment file, shown.
    cat >db-env/db.yaml <<EOF
service: journal
kind: instance              # one VM, journal-db; no group, no load balancer
image: {name: $1}
config: {release: "$2"}
files: {startup-script: journal.sh}
data_disks:
  journal: {size: 1GB}      # journal-db-journal, kept across releases
health_check: {path: /ready}
EOF
    printf '%s$ cat db-env/db.yaml%s\n' "$dim" "$off"
    cat db-env/db.yaml
  }
  journal() {  # What the VM's data disk holds, once it serves it.
    local p
    p=$("$IMAGO" instances describe journal-db --format json | jq -r '.forwardedPorts[0].hostPort')
    wait_up journal-db "http://127.0.0.1:$p/ready"
    printf '%s$ curl http://127.0.0.1:%s/journal.txt%s\n' "$dim" "$p" "$off"
    curl -s "http://127.0.0.1:$p/journal.txt"
  }
  db_env kit-busybox-v2 1
  run deploy db --environments db-env --yes
  journal
  db_env kit-busybox-v3 2
  run deploy db --environments db-env --yes
  journal
  run rollback db --environments db-env --yes
  journal
  echo "(one data disk all along: every release's line is still there; the downtime above is stop + swap + boot)"
  run releases db --environments db-env
  run env destroy db --environments db-env --yes

  say "Stop, then delete: the VM powers off cleanly (ACPI) and leaves nothing behind"
  run instances stop web-1
  run instances delete web-1
  run disks list
  printf 'QEMU processes left: %s\n' "$(qemu_count "$IMAGO_HOME")"
fi

if [[ -n ${KIT_DEBIAN:-} && -f $KIT_DEBIAN ]]; then
  say "Bake images like Packer, base -> app -> product: a builder VM per spec, provisioners inside, an image of its disk"
  run images create kit-debian-v1 --source-file "$KIT_DEBIAN" --family kit-debian \
    --description "Debian 12 minbase + python3, perl, locales, the kit's kernel and init"
  cp -r "$here/bake" specs
  rm -rf specs/out
  printf '%s$ cat specs/app.yaml%s\n' "$dim" "$off"
  cat specs/app.yaml
  run bake specs/base.yaml --cascade --specs specs
  jq -r '.builds[] | "manifest: \(.name) -> \(.artifact_id)"' specs/out/manifest.json

  say "Nothing changed: every bake is a cache hit (same source image, spec and files)"
  run bake specs/base.yaml --cascade --specs specs

  say "A new greeting in the app's spec: app and product are baked again, base comes from the cache"
  sed -i 's/greeting: Hello from an immutable VM/greeting: Hello again, from release 2/' specs/app.yaml
  run bake specs/base.yaml --cascade --specs specs
  run images outdated
  run images list --filter 'family = example-product' --format table

  say "Boot the product image: the app and its health endpoint answer on port 80"
  run instances create shop-1 --image-family example-product --ports 80
  port=$("$IMAGO" instances describe shop-1 --format json | jq -r '.forwardedPorts[0].hostPort')
  wait_up shop-1 "http://127.0.0.1:$port/cgi-bin/health"
  printf '%s$ curl http://127.0.0.1:%s/cgi-bin/health%s\n' "$dim" "$port" "$off"
  curl -s "http://127.0.0.1:$port/cgi-bin/health"
  printf '%s$ curl http://127.0.0.1:%s/cgi-bin/hello%s\n' "$dim" "$port" "$off"
  curl -s "http://127.0.0.1:$port/cgi-bin/hello"
  run instances delete shop-1

  say "Deploy the product to dev: a plan first, then a group behind a load balancer, health-gated"
  mkdir environments
  # dev's database password: a reference in the file, the value in imago's
  # environment here (Vault in real life: vault:secret/data/shop#password).
  export SHOP_DB_PASSWORD=demo-db-password-7f3a
  dev_port=$(free_port)
  prod_port=$(free_port)
  # shop_env NAME PORT SIZE [EXTRA...]: an environment file of the shop.
  shop_env() {
    local name=$1 port=$2 size=$3
    shift 3
    {
      printf 'service: shop\nimage: {family: example-product}\nsize: %s\n' "$size"
      printf 'health_check: {path: /cgi-bin/health, response: ok}\n'
      printf 'strategy: {type: red-black, keep_previous: 30m}\n'
      printf 'load_balancer: {port: %s}\ntimeout: 60s\n' "$port"
      if [[ $name == dev ]]; then
        printf 'secrets: {DB_PASSWORD: env:SHOP_DB_PASSWORD}\nttl: %s\n' "${DEV_TTL:-8h}"
      fi
      printf '%s\n' "$@"
    } >"environments/$name.yaml"
  }
  shop_env dev "$dev_port" 2 "config: {TIER: dev}"
  shop_env prod "$prod_port" 1 "config: {TIER: prod}"
  printf '%s$ cat environments/dev.yaml%s\n' "$dim" "$off"
  cat environments/dev.yaml
  run deploy dev --plan
  run deploy dev --yes
  printf '%s$ curl http://127.0.0.1:%s/cgi-bin/hello%s\n' "$dim" "$dev_port" "$off"
  curl -s "http://127.0.0.1:$dev_port/cgi-bin/hello"

  say "Promote: prod gets exactly the image dev runs healthy (same image id), with prod's configuration"
  run promote dev prod --yes
  printf '%s$ curl http://127.0.0.1:%s/cgi-bin/health%s\n' "$dim" "$prod_port" "$off"
  curl -s "http://127.0.0.1:$prod_port/cgi-bin/health"

  say "A new release of dev's configuration: red/black, the previous group kept warm"
  shop_env dev "$dev_port" 2 "config: {TIER: dev, COLOR: blue}"
  run deploy dev --yes
  run instance-groups managed list

  say "A bad release (its file says the app listens on 8080; nothing does): caught by its health check, rolled back, exit 12"
  shop_env dev "$dev_port" 2 "config: {TIER: dev, COLOR: blue}" "port: 8080"
  run deploy dev --yes || echo "(exit code $?)"
  printf '%s$ curl http://127.0.0.1:%s/cgi-bin/health%s\n' "$dim" "$dev_port" "$off"
  curl -s "http://127.0.0.1:$dev_port/cgi-bin/health"

  say "Rollback: the previous group is still warm, so it takes seconds and boots nothing"
  run rollback dev --yes
  run releases dev
  run releases prod

  say "dev's secret reached its VMs through their metadata server; the API shows its name only"
  tmpl=$("$IMAGO" instance-groups managed describe "$("$IMAGO" releases dev --format json | jq -r '[.[] | select(.state == "LIVE")][0].group')" --format json | jq -r '.instanceTemplate | split("/") | last')
  printf '%s$ imago instance-templates describe %s --format json | jq .properties.metadata.items%s\n' "$dim" "$tmpl" "$off"
  "$IMAGO" instance-templates describe "$tmpl" --format json | jq -c '.properties.metadata.items[] | select(.key | startswith("imago-secrets"))'
  printf '%s$ imago instances list --format json | grep -c "$SHOP_DB_PASSWORD"%s\n' "$dim" "$off"
  "$IMAGO" instances list --format json | grep -c "$SHOP_DB_PASSWORD" || true

  say "Environments that end: dev gets a ttl of 20 s; when it ends the controller destroys dev, and only dev"
  DEV_TTL=20s shop_env dev "$dev_port" 2 "config: {TIER: dev}"
  run deploy dev --yes
  run env list
  t0=$SECONDS
  while "$IMAGO" env list --format json | jq -e '.[] | select(.environment == "dev")' >/dev/null &&
    ((SECONDS - t0 < 90)); do
    sleep 2
  done
  echo "dev was destroyed $((SECONDS - t0)) s later, by the controller (imago env destroy dev does it at once)"
  run env list
  run instance-groups managed list

  say "A real database: PostgreSQL 15 from Debian's packages, baked into an image of the kit's Debian"
  # The builder VM has no network: its apt provisioner has apt on this
  # machine resolve and download what the image lacks (against the image's
  # own package list, read from its disk), and dpkg installs it inside.
  cp -r "$here/postgres" pg
  run bake pg/postgres.yaml

  say "Is an image behind Debian's archive? Its package list is read from its disk, no boot (exit 0: up to date, 100: updates exist)"
  run update-check postgres || echo "(exit $?)"

  say "State outlives its VMs: PostgreSQL's data disk, kept by its VM across a new image (a stateful group)"
  db_port=$(free_port)
  cp pg/environments/*.sh environments/
  db_env() {  # db_env [PORT]
    printf 'service: users\nimage: {family: postgres}\nsize: 1\n'
    printf 'files: {startup-script: db.sh}\ndata_disks:\n  data: {size: 1GB}\n'
    printf 'health_check: {path: /cgi-bin/health, interval: 3s, timeout: 3s}\n'
    printf 'load_balancer: {port: %s}\ntimeout: 300s\n' "${1:-$db_port}"
  }
  db_env >environments/db.yaml
  printf '%s$ cat environments/db.yaml%s\n' "$dim" "$off"
  cat environments/db.yaml
  run deploy db --yes
  add() {  # add ID,NAME,EMAIL: a row, through the service (psql in the VM)
    printf '%s$ curl http://127.0.0.1:%s/cgi-bin/add?%s%s\n' "$dim" "$db_port" "$1" "$off"
    curl -s "http://127.0.0.1:$db_port/cgi-bin/add?$1"
  }
  rows() {  # rows [PORT]
    local port=${1:-$db_port}
    printf '%s$ curl http://127.0.0.1:%s/cgi-bin/rows%s\n' "$dim" "$port" "$off"
    curl -s "http://127.0.0.1:$port/cgi-bin/rows"
  }
  add 1,ann,ann@example.com
  add 2,bob,bob@example.com
  rows
  head=$("$IMAGO" images describe-from-family postgres --format json | jq -r .name)
  echo "(a new image of the family: here a copy of $head; a rebake makes one the same way)"
  run images create postgres-v2 --source-image "$head" --family postgres
  run deploy db --yes
  rows
  echo "(the same rows: the new VM reattached the data disk, PostgreSQL found its cluster)"
  run disks list

  say "Dev from prod: a snapshot of db's disk, last night's backup restored with psql, e-mails scrubbed before dev serves"
  mkdir -p backups
  add 3,cid,cid@example.com
  printf '%s$ curl http://127.0.0.1:%s/cgi-bin/dump >backups/users-nightly.sql.gz%s   (pg_dump, as a nightly job makes it)\n' \
    "$dim" "$db_port" "$off"
  curl -s "http://127.0.0.1:$db_port/cgi-bin/dump" >backups/users-nightly.sql.gz
  dev_port=$(free_port)
  { db_env "$dev_port"
    printf 'clone_data: {from: db, backups: ../backups, restore: restore.sh, scrub: scrub.sh}\n'; } \
    >environments/db-dev.yaml
  printf '%s$ cat environments/db-dev.yaml%s\n' "$dim" "$off"
  cat environments/db-dev.yaml
  printf '%s$ cat environments/scrub.sh%s\n' "$dim" "$off"
  cat environments/scrub.sh
  run env clone-data db-dev --yes
  run deploy db-dev --yes
  rows "$dev_port"
  echo "(dev: prod's rows from last night's backup, e-mails blank)"
  rows
  echo "(prod: as it was)"
  run env destroy db-dev --yes
  run env destroy db --yes

  say "The daily pipeline: check the base against the archive, bake what is behind, deploy to dev, smoke-test, rotate"
  # A package archive of our own (a file: repository) stands in for Debian's,
  # so that the demo can make it newer.
  mkdir -p repo daily/specs daily/environments
  publish() { publish_motd repo "$1"; }
  publish 1.0
  echo "deb [trusted=yes] file:$DEMO/repo ./" >daily/specs/repo.list
  printf 'family: daily-base\nsource: {image_family: kit-debian}\nprovisioners:\n  - type: apt\n    upgrade: true\n    install: [imago-demo-motd]\n    sources: repo.list\n' >daily/specs/base.yaml
  printf 'family: daily-app\nsource: {image_family: daily-base}\nprovisioners:\n  - type: shell\n    inline: ["echo app >/etc/imago-app"]\n' >daily/specs/app.yaml
  printf 'family: daily-product\nsource: {image_family: daily-app}\nprovisioners:\n  - type: shell\n    inline: ["echo product >/etc/imago-product"]\n' >daily/specs/product.yaml
  printf '#!/bin/sh\ncat /etc/imago-motd >/www/index.html\necho ok >/www/ready\n' >daily/environments/app.sh
  printf '#!/bin/sh\ncurl -sf "$IMAGO_URL" | grep "^motd "\n' >daily/environments/smoke.sh
  daily_port=$(free_port)
  printf 'service: daily\nimage: {family: daily-product}\nsize: 1\nfiles: {startup-script: app.sh}\nhealth_check: {path: /ready, interval: 2s, timeout: 2s}\nload_balancer: {port: %s}\ntimeout: 300s\ndaily: true\nsmoke: smoke.sh\n' "$daily_port" >daily/environments/dev.yaml
  printf 'default: {deprecate: superseded, obsolete_after: 7d, delete_after: 7d, keep: 0, min_age: 0s}\n' >daily/rotation.yaml
  printf '%s$ cat daily/specs/base.yaml daily/environments/dev.yaml%s\n' "$dim" "$off"
  cat daily/specs/base.yaml daily/environments/dev.yaml
  run pipeline daily --specs daily/specs --environments daily/environments --policy daily/rotation.yaml --index repo/Packages
  printf '%s$ curl http://127.0.0.1:%s/%s\n' "$dim" "$daily_port" "$off"
  curl -s "http://127.0.0.1:$daily_port/"

  say "The archive publishes imago-demo-motd 1.1: the next daily run rebuilds base -> app -> product, deploys dev, rotates"
  publish 1.1
  run pipeline daily --specs daily/specs --environments daily/environments --policy daily/rotation.yaml --index repo/Packages
  printf '%s$ curl http://127.0.0.1:%s/%s\n' "$dim" "$daily_port" "$off"
  curl -s "http://127.0.0.1:$daily_port/"
  run env destroy dev --environments daily/environments --yes
fi

say "Two releases of a VM image, as qcow2 disks (here: small generated ones)"
qemu-img create -q -f qcow2 v1.qcow2 256M
qemu-img create -q -f qcow2 v2.qcow2 512M
ls -l v1.qcow2 v2.qcow2

say "The seed's walkthrough: a family always points to its newest usable image"
run images create image-v1 --source-file v1.qcow2 --family my-image-family
run images describe-from-family my-image-family --format table | grep -E '^(name|family|id|status):'
run images create image-v2 --source-file v2.qcow2 --family my-image-family
run images describe-from-family my-image-family --format table | grep -E '^(name|family|id|status):'

say "Something is wrong with v2: roll the family back by deprecating it"
run images deprecate image-v2 --state DEPRECATED --replacement image-v1
run images describe-from-family my-image-family --format table | grep -E '^(name|family|id|status):'
run images list --show-deprecated

say "A name that says what is inside: OS, role, software, version, build time"
run names suggest --os debian-12 --role app --software nginx --version 1.24.0
run names set-template web '{os}-web-{software}-{version}-v{date}-{time}'
run images create --name-from-convention --family web --os debian-12 --software nginx \
  --version 1.24.0 --source-image-family my-image-family --labels tier=frontend
run names check Debian_12-Web- || printf '%s(exit code %s: the name breaks the rules above)%s\n' "$dim" "$?" "$off"

say "Images form a hierarchy: base -> app, the family resolved once and recorded"
run images create base-v1 --source-file v1.qcow2 --family base --labels os=debian-12
run images create app-v1 --source-image-family base --family app --labels app=shop
"$IMAGO" images describe app-v1 --format json | jq '{name, family, sourceImage, sourceImageId}'

say "Labels with optimistic locking, and the API's filter language"
run images add-labels app-v1 --labels env=dev,owner=team-a
run images list --filter 'labels.env = dev OR family = base' --show-deprecated

say "The lifecycle has dates (GCE stores them; imago rotate will act on them)"
run images deprecate image-v1 --state DEPRECATED --replacement base-v1 --obsolete-in 7d --delete-in 30d
"$IMAGO" images describe image-v1 --format json | jq .deprecated

say "OBSOLETE images cannot be used any more; DEPRECATED ones warn"
run images deprecate image-v1 --state OBSOLETE --replacement base-v1
run images create copy-of-v1 --source-image image-v1 || printf '%s(refused, exit code %s)%s\n' "$dim" "$?" "$off"
run images create copy-of-v2 --source-image image-v2

say "Bad input gets one clear line and a documented exit code; nothing changes"
run images create Bad_Name --source-file v1.qcow2 || printf '%s(exit code %s)%s\n' "$dim" "$?" "$off"
run images describe-from-family nothing-here || printf '%s(exit code %s)%s\n' "$dim" "$?" "$off"

say "Rotation with time travel: a release every 10 days, rotation every week, 91 days (- = not yet, or really deleted)"
cat > rotation.yaml <<'YAML'
default:                  # every family not listed under families
  deprecate: superseded   # or an age such as 30d
  obsolete_after: 7d
  delete_after: 14d
  purge_after: 30d
  keep: 1
  min_age: 1d
families:
  shop:
    keep: 2               # only what differs from default
YAML
cat rotation.yaml
day() { date -u -d "2027-01-01 + $1 days" +%Y-%m-%dT%H:%M:%SZ; }
states() {
  local line="" s
  for v in 1 2 3 4 5 6; do
    s=$("$IMAGO" images describe "shop-v$v" --format json 2>/dev/null | jq -r '.deprecated.state // "READY"') || s=-
    line+=$(printf ' v%s:%-10s' "$v" "$s")
  done
  echo "$line"
}
released=0
for d in $(seq 0 7 91); do
  # Releases come out on days 0, 10, 20, 30, 40, 50.
  while [[ $released -lt 6 && $((released * 10)) -le $d ]]; do
    released=$((released + 1))
    "$IMAGO" --now "$(day $(((released - 1) * 10)))" images create "shop-v$released" \
      --source-file v1.qcow2 --family shop >/dev/null 2>&1
  done
  "$IMAGO" --now "$(day $d)" rotate --family shop --policy rotation.yaml >/dev/null 2>&1
  printf '%sday %2d%s %s\n' "$bold" "$d" "$off" "$(states)"
done
printf '%s$ imago --now %s rotate --family shop --policy rotation.yaml --dry-run%s\n' "$dim" "$(day 91)" "$off"
"$IMAGO" --now "$(day 91)" rotate --family shop --policy rotation.yaml --dry-run
run rotate log --family shop --limit 6

say "When a parent moves, the images built on it are outdated"
run images create product-v1 --source-image-family app --family product
run images create base-v2 --source-file v2.qcow2 --family base
run images outdated

say "Every change is an operation in the journal"
run operations list --limit 8

say "Done. The state was in $IMAGO_HOME (removed now); by default imago keeps it in ~/.local/share/imago."
