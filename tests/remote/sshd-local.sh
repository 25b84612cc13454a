#!/usr/bin/env bash
# An sshd on 127.0.0.1 for the launcher tests: its own host key, client key, config and pid
# under one directory, run in the foreground so its own pid is recorded, stopped by that pid.
# Usage: sshd-local.sh start|stop DIR. `start` never fails the run: where sshd cannot start it
# writes DIR/why and exits 0 (the ssh tests skip with that reason); on success DIR/ssh-args
# holds the client options the tests pass to via::ssh.
set -uo pipefail
action=${1:?start or stop}
base=${2:?directory}
port=${GOFORK_SSHD_PORT:-22022}

stop_daemon() {
  [ -f "$base/sshd.started" ] || return 0
  local pid
  pid=$(cat "$base/sshd.started")
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q sshd; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
  fi
  rm -f "$base/sshd.started"
}

give_up() {
  echo "sshd-local: $*" | tee "$base/why" >&2
  [ -f "$base/sshd.log" ] && tail -n 20 "$base/sshd.log" >&2
  stop_daemon
  exit 0
}

if [ "$action" = stop ]; then
  stop_daemon
  rm -f "$base/ssh-args"
  exit 0
fi

rm -rf "$base"
mkdir -p "$base"
sshd=/usr/sbin/sshd
[ -x "$sshd" ] || give_up "openssh-server is not installed (scripts/install-deps.sh --test installs it)"
command -v ssh >/dev/null || give_up "openssh-client is not installed"
[ "$(id -u)" -eq 0 ] || give_up "the test sshd logs in as root; this is uid $(id -u)"
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$base/host_key" || give_up "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -f "$base/client_key" || give_up "ssh-keygen failed"
cp "$base/client_key.pub" "$base/authorized_keys"
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$base/host_key.pub")" >"$base/known_hosts"
cat >"$base/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $base/host_key
PidFile $base/sshd.pid
AuthorizedKeysFile $base/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
CONF
"$sshd" -D -e -f "$base/sshd_config" </dev/null >/dev/null 2>"$base/sshd.log" &
echo $! >"$base/sshd.started"
args="-i $base/client_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$base/known_hosts -o StrictHostKeyChecking=yes -p $port"
for _ in $(seq 50); do
  # shellcheck disable=SC2086
  timeout 10 ssh -T -o BatchMode=yes $args root@127.0.0.1 true 2>/dev/null && break
  [ -d "/proc/$(cat "$base/sshd.started")" ] || give_up "sshd died"
  sleep 0.2
done
# shellcheck disable=SC2086
timeout 10 ssh -T -o BatchMode=yes $args root@127.0.0.1 true 2>"$base/ssh-error" || give_up "ssh to 127.0.0.1:$port fails: $(tail -n1 "$base/ssh-error")"
echo "$args" >"$base/ssh-args"
echo "sshd-local: listening on 127.0.0.1:$port"
