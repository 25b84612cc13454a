#!/usr/bin/env bash
# A one-node Slurm on 127.0.0.1 for the launcher tests, all of it under one directory (its own
# munge key and socket, slurm.conf, state, logs), daemons in the foreground so their own pids
# are recorded, and stopped by those pids only. Usage: slurm-local.sh start|stop DIR
# `start` never fails the test run: where Slurm cannot start, it writes DIR/why and exits 0,
# and the srun tests skip with that reason. On success it writes DIR/ready.
set -uo pipefail
action=${1:?start or stop}
base=${2:?directory}
conf=$base/etc/slurm.conf
export SLURM_CONF=$conf
ctld_port=${GOFORK_SLURM_CTLD_PORT:-16817}
slurmd_port=${GOFORK_SLURM_SLURMD_PORT:-16818}

give_up() {
  echo "slurm-local: $*" | tee "$base/why" >&2
  for log in "$base"/log/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -n 20 "$log"; } >&2; done
  stop_daemons
  exit 0
}

# Alive and still the daemon we started (a zombie counts as dead).
alive() {
  local pid=$1 name=$2
  [ -r "/proc/$pid/stat" ] || return 1
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$name"
}

stop_daemons() {
  if [ -f "$base/run/slurmctld.started" ] && command -v scancel >/dev/null; then
    timeout 10 scancel --user="$(id -un)" 2>/dev/null
    for _ in $(seq 50); do
      [ -z "$(timeout 5 squeue -h -t PD,R,CG,S 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for name in slurmd slurmctld munged; do
    local record=$base/run/$name.started
    [ -f "$record" ] || continue
    local pid
    pid=$(cat "$record")
    if alive "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 100); do alive "$pid" "$name" || break; sleep 0.1; done
      alive "$pid" "$name" && kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$record"
  done
}

if [ "$action" = stop ]; then
  stop_daemons
  rm -f "$base/ready"
  exit 0
fi

rm -rf "$base"
mkdir -p "$base"/{etc,state,spool,log,run,munge,munge-sock}
chmod 0755 "$base" "$base/munge-sock"
chmod 0700 "$base/munge"
for tool in munged mungekey slurmctld slurmd srun scontrol sinfo; do
  command -v "$tool" >/dev/null || give_up "$tool is not installed (scripts/install-deps.sh --test installs Slurm and munge)"
done
if [ "$(id -u)" -ne 0 ]; then give_up "a local slurmd runs as root; this is uid $(id -u)"; fi

mungekey --create --keyfile="$base/munge/munge.key" --force >/dev/null 2>&1 || give_up "mungekey failed"
chmod 0600 "$base/munge/munge.key"
socket=$base/munge-sock/munge.socket
munged -F --key-file="$base/munge/munge.key" --socket="$socket" --pid-file="$base/run/munged.pid" \
  --log-file="$base/log/munged.log" --seed-file="$base/munge/seed" </dev/null >/dev/null 2>&1 &
echo $! >"$base/run/munged.started"
for _ in $(seq 50); do munge -S "$socket" -n >/dev/null 2>&1 && break; sleep 0.2; done
munge -S "$socket" -n >/dev/null 2>&1 || give_up "munged did not start"

node=$(hostname -s)
topology=$(slurmd -C 2>/dev/null | head -n1 | tr ' ' '\n' | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
cat >"$conf" <<CONF
ClusterName=gofork
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$base/state
SlurmdSpoolDir=$base/spool
SlurmctldPidFile=$base/run/slurmctld.pid
SlurmdPidFile=$base/run/slurmd.pid
SlurmctldLogFile=$base/log/slurmctld.log
SlurmdLogFile=$base/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MailProg=/bin/true
# A step past its --time gets SIGTERM, then SIGKILL this many seconds later (default 30).
KillWait=5
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$node $topology State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF

slurmctld -D -i -f "$conf" </dev/null >/dev/null 2>&1 &
echo $! >"$base/run/slurmctld.started"
for _ in $(seq 100); do timeout 5 scontrol ping >/dev/null 2>&1 && break; sleep 0.2; done
timeout 5 scontrol ping >/dev/null 2>&1 || give_up "slurmctld did not answer"
slurmd -D -N "$node" -f "$conf" </dev/null >/dev/null 2>&1 &
echo $! >"$base/run/slurmd.started"
for _ in $(seq 150); do
  state=$(timeout 5 sinfo -h -n "$node" -o %T 2>/dev/null)
  case "$state" in
    idle*) break ;;
    down* | drain*) timeout 5 scontrol update nodename="$node" state=resume >/dev/null 2>&1 ;;
  esac
  alive "$(cat "$base/run/slurmd.started")" slurmd || give_up "slurmd died"
  sleep 0.2
done
case "$(timeout 5 sinfo -h -n "$node" -o %T 2>/dev/null)" in
  idle*) ;;
  *) give_up "the node did not become idle" ;;
esac
echo "$conf" >"$base/ready"
echo "slurm-local: node $node idle, SLURM_CONF=$conf"
