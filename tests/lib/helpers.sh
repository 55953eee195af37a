# Shell helpers shared by the tests (tests/cli/lib.sh sources this), the
# benchmarks (bench/*.sh) and the demo: one definition of each.
#
# VMs are found by their pid files (HOME/run/ID/pid) and the executable of
# the process a pid file names, never by a substring of a command line.

# The time in seconds, with nanoseconds.
now() { date +%s.%N; }

# The median of the numbers on stdin (whitespace-separated); for an even
# count, the mean of the middle two.
median() {
  tr -s ' \t' '\n\n' | grep -v '^$' | sort -g |
    awk '{a[NR]=$1} END {if (NR == 0) exit 1; print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'
}

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_http URL [SECONDS]: polls URL (every 50 ms, 0.5 s per try) until it
# answers 2xx, then prints the body. Fails after SECONDS (default 120).
wait_http() {
  local url=$1 limit=${2:-120} t0
  t0=$(date +%s)
  until curl -sf -m 0.5 "$url" 2>/dev/null; do
    (($(date +%s) - t0 < limit)) || return 1
    sleep 0.05
  done
}

# load_start URL: constant-rate GET requests to URL in the background
# (tests/lib/load.py, LOAD_RATE a second, default 50); load_stop ends them
# and prints "REQUESTS FAILED", with the latency and any failure on stderr
# (call it in the shell that called load_start, not in a $(...): only that
# shell can wait for the load to write its counts).
LOAD_PY=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/load.py
load_start() {
  python3 "$LOAD_PY" --rate "${LOAD_RATE:-50}" "$1" >load.counts 2>load.stats &
  LOAD_PID=$!
}
load_stop() {
  local st=0
  kill -INT "$LOAD_PID" 2>/dev/null || echo "load.py ended before it was stopped" >&2
  wait "$LOAD_PID" || st=$?
  ((st == 0)) || echo "load.py exited with $st" >&2
  cat load.stats >&2
  [[ -s load.counts ]] && cat load.counts || echo "0 -1"  # No count: fails any check.
}

# vm_pids HOME: the pids of the live VMs of that imago home.
vm_pids() {
  local f pid exe
  for f in "$1"/run/*/pid; do
    [[ -f $f ]] || continue
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    exe=${exe% (deleted)}  # Its binary was rebuilt meanwhile.
    [[ ${exe##*/} == qemu-system-* ]] || continue
    grep -qz -- "^${f}\$" "/proc/$pid/cmdline" 2>/dev/null || continue  # Its -pidfile, exactly.
    echo "$pid"
  done
}

# qemu_count HOME: how many VMs of that home are alive.
qemu_count() { vm_pids "$1" | wc -l; }

# kill_vms HOME: ends every VM of that home at once (for clean-up traps).
kill_vms() {
  local pid
  kill_controller "$1"  # First: it would make the group's VMs again.
  kill_proxy "$1"
  kill_switches "$1"
  for pid in $(vm_pids "$1"); do kill -9 "$pid" 2>/dev/null || true; done
}

# proxy_pid HOME: the pid of the load balancer's HAProxy master of that home
# (HOME/lb/haproxy.pid, when that process is HAProxy), or nothing.
proxy_pid() {
  local f=$1/lb/haproxy.pid pid exe
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
  exe=${exe% (deleted)}  # Its binary was rebuilt meanwhile.
  [[ ${exe##*/} == haproxy ]] || return 0
  # A zombie (ended, not reaped yet by init) runs no more.
  [[ $(awk '{sub(/.*\) /, ""); print $1}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 0
  echo "$pid"
}

# kill_switches HOME: ends the network switches (vde_switch) of that home's
# projects (HOME/net/PROJECT.pid, when that process is vde_switch).
kill_switches() {
  local f pid exe
  for f in "$1"/net/*.pid; do
    [[ -f $f ]] || continue
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || continue
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
    exe=${exe% (deleted)}  # Its binary was rebuilt meanwhile.
    [[ ${exe##*/} == vde_switch ]] || continue
    kill -9 "$pid" 2>/dev/null || true
  done
}

# kill_proxy HOME: ends that home's HAProxy, master and workers.
kill_proxy() {
  local pid
  pid=$(proxy_pid "$1")
  [[ -z $pid ]] && return 0
  kill_descendants "$pid"
  kill -9 "$pid" 2>/dev/null || true
}

# controller_pid HOME: the pid of the live group controller of that home
# (HOME/controller.pid, when that process is an imago binary), or nothing.
controller_pid() {
  local f=$1/controller.pid pid exe
  [[ -f $f ]] || return 0
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
  exe=${exe% (deleted)}  # Its binary was rebuilt meanwhile.
  [[ ${exe##*/} == imago ]] || return 0
  echo "$pid"
}

# kill_controller HOME: ends the group controller of that home, if one runs.
kill_controller() {
  local pid
  pid=$(controller_pid "$1")
  [[ -z $pid ]] || kill -9 "$pid" 2>/dev/null || true
}

# kill_descendants PID: ends every process below PID (its children, theirs,
# ...), found by parentage in /proc. For what a script started in the
# foreground or background (packer and its QEMU, a bare QEMU): processes that
# daemonized away from the tree, like imago's VMs, are kill_vms's.
kill_descendants() {
  local parent=$1 pid stat ppid kids=()
  for stat in /proc/[0-9]*/stat; do
    pid=${stat#/proc/}
    pid=${pid%/stat}
    ppid=$(awk '{sub(/.*\) /, ""); print $2}' "$stat" 2>/dev/null) || continue
    [[ $ppid == "$parent" ]] && kids+=("$pid")
  done
  for pid in "${kids[@]}"; do
    kill_descendants "$pid"
    kill -9 "$pid" 2>/dev/null || true
  done
}

# publish_motd REPO VERSION: the apt repository in directory REPO (for a
# sources line "deb [trusted=yes] file:REPO ./") holds imago-demo-motd
# VERSION, and only it: a package whose update a test or the demo publishes.
publish_motd() {
  local repo=$1 v=$2 d f=imago-demo-motd_$2_all.deb
  d=$(mktemp -d)
  mkdir -p "$repo" "$d/DEBIAN" "$d/etc"
  printf 'Package: imago-demo-motd\nVersion: %s\nArchitecture: all\nMaintainer: imago <imago@localhost>\nDescription: the message of the day, version %s\n' "$v" "$v" >"$d/DEBIAN/control"
  echo "motd $v" >"$d/etc/imago-motd"
  rm -f "$repo"/*.deb
  dpkg-deb -Zgzip --build "$d" "$repo/$f" >/dev/null
  { cat "$d/DEBIAN/control"
    printf 'Filename: ./%s\nSize: %s\nSHA256: %s\n\n' "$f" "$(stat -c %s "$repo/$f")" "$(sha256sum "$repo/$f" | cut -d' ' -f1)"; } >"$repo/Packages"
  rm -rf "$d"
}
