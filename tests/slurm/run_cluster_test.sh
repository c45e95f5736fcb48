#!/usr/bin/env bash
# magloop batch on a real one-node Slurm cluster: an experiment run as a 4-task job array
# (examples/slurm/magloop-batch.sbatch), assembled with --resume, must be byte for byte
# the dataset a local `magloop batch` writes.
#
# Usage: bash tests/slurm/run_cluster_test.sh [EXPERIMENT.yaml]
#   MAGLOOP            the binary under test [default: <repo>/target/release/magloop]
#   MAGLOOP_SLURM_KEEP set to 1 to keep the scratch folder (configs, logs, datasets)
#   MAGLOOP_SLURM_TIMEOUT  seconds the job array may take [default: 600]
#
# Needs root and Debian's slurm-wlm and munge packages (.ci/run installs them); without
# them it prints "SKIPPED: slurm: <reason>" and exits 0. It installs nothing. It starts its
# own munged, slurmctld and slurmd from a scratch folder under /tmp, on ports of their own,
# and on exit stops exactly those, by PID. /work/shared/notes/slurm.md explains the setup.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAGLOOP=${MAGLOOP:-$REPO/target/release/magloop}
SBATCH_SCRIPT=$REPO/examples/slurm/magloop-batch.sbatch
TASKS=4
TIMEOUT=${MAGLOOP_SLURM_TIMEOUT:-600}
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || { echo "MAGLOOP_SLURM_TIMEOUT must be a number of seconds" >&2; exit 2; }
# The daemons and `slurmd -C` live in sbin, which a non-login PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"

skip() {
  echo "SKIPPED: slurm: $*"
  exit 0
}
fail() {
  echo "slurm cluster test: error: $*" >&2
  exit 1
}
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'; }

[[ $EUID -eq 0 ]] || skip "needs root to start munged, slurmctld and slurmd"
for tool in munged munge unmunge slurmctld slurmd sbatch sinfo scancel setpriv; do
  command -v "$tool" >/dev/null ||
    skip "$tool is not installed (apt-get install --no-install-recommends slurm-wlm munge)"
done
[[ -r /etc/munge/munge.key ]] || fail "/etc/munge/munge.key is missing (the munge package creates it)"
[[ -x $MAGLOOP ]] || fail "no magloop binary at $MAGLOOP: run cargo build --release, or set MAGLOOP"
MAGLOOP=$(realpath "$MAGLOOP")
[[ -r $SBATCH_SCRIPT ]] || fail "missing $SBATCH_SCRIPT"

T0=$(now)
# Variables of an enclosing Slurm job or of the caller's sbatch defaults would leak into ours.
while read -r var; do unset "$var"; done < <(compgen -e | grep -E '^(SLURM|SBATCH|SALLOC|SRUN)_' || true)

# ---------------------------------------------------------------- teardown, set up first
S=""
MUNGED_PID="" CTLD_PID="" SLURMD_PID="" JOB_ID=""
CONF=""

# Whether PID is a live process (a child that exited stays a zombie until waited for).
alive() {
  local state
  state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# PIDs of the live slurmstepd processes of this cluster: slurmd passes its environment,
# and so our SLURM_CONF, on to every slurmstepd it starts. (An exited slurmstepd can stay
# a zombie for a while: its parent is PID 1, which here reaps late.)
our_stepds() {
  local p
  for p in /proc/[0-9]*; do
    [[ $(cat "$p/comm" 2>/dev/null) == slurmstepd ]] || continue
    alive "${p#/proc/}" || continue
    if { tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qxF "SLURM_CONF=$CONF"; then
      echo "${p#/proc/}"
    fi
  done
}

# A job leaves the queue slightly before its slurmstepd exits; slurmd must outlive them.
wait_for_stepds() {
  local deadline=$((SECONDS + $1))
  while [[ -n $(our_stepds) ]]; do
    if ((SECONDS >= deadline)); then
      echo "slurm cluster test: warning: slurmstepd still running after $1 s: $(our_stepds | tr '\n' ' ')" >&2
      return 1
    fi
    sleep 0.1
  done
}

# Stops one daemon we started: SIGTERM, up to 10 s, then SIGKILL; always reaps it.
stop() {
  local name=$1 pid=$2
  [[ -n $pid ]] || return 0
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      echo "slurm cluster test: warning: $name (PID $pid) ignored SIGTERM for 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

# PIDs of every process below $1.
descendants() {
  local -A kids=()
  local p parent queue=("$1")
  for p in /proc/[0-9]*; do
    parent=$(sed 's/.*) . \([0-9]*\).*/\1/' "$p/stat" 2>/dev/null) || continue
    kids[$parent]+=" ${p#/proc/}"
  done
  while ((${#queue[@]} > 0)); do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    for kid in ${kids[$p]:-}; do
      echo "$kid"
      queue+=("$kid")
    done
  done
}

# A slurmstepd whose slurmctld died never ends (and ignores SIGTERM): when leaving early,
# end the processes of our jobs, then their slurmstepd.
kill_leftover_stepds() {
  local stepd procs
  for stepd in $(our_stepds); do
    procs=$(descendants "$stepd" | tr '\n' ' ')
    echo "slurm cluster test: warning: killing slurmstepd $stepd and its processes: ${procs:-none}" >&2
    # shellcheck disable=SC2086 # a list of PIDs
    [[ -z $procs ]] || kill -KILL $procs 2>/dev/null || true
    kill -KILL "$stepd" 2>/dev/null || true
  done
}

stop_cluster() {
  local ctld_up=""
  if [[ -n $CTLD_PID ]] && alive "$CTLD_PID"; then ctld_up=1; fi
  if [[ -n $JOB_ID && -n $ctld_up ]]; then
    # Harmless when the job has ended; ends it when we are leaving early.
    timeout 5 scancel "$JOB_ID" >/dev/null 2>&1 || true
  fi
  if [[ -n $SLURMD_PID ]] && alive "$SLURMD_PID"; then
    wait_for_stepds "$([[ -n $ctld_up ]] && echo 30 || echo 3)" || true
  fi
  kill_leftover_stepds
  stop slurmd "$SLURMD_PID"
  stop slurmctld "$CTLD_PID"
  stop munged "$MUNGED_PID"
  SLURMD_PID="" CTLD_PID="" MUNGED_PID=""
}

# Each daemon's output (in the foreground they copy their log there), and the job records.
show_logs() {
  local f
  for f in "$S"/log/*.out "$S"/ctld/jobcomp.txt; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 20 "$f" >&2
  done
}

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop_cluster
  if [[ -n $S && -d $S ]]; then
    ((rc == 0)) || show_logs
    if [[ ${MAGLOOP_SLURM_KEEP:-} == 1 ]]; then
      echo "slurm cluster test: kept $S" >&2
    else
      rm -rf "$S"
    fi
  fi
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- scratch folder
S=$(mktemp -d /tmp/magloop-slurm.XXXXXX)
chmod 755 "$S"
mkdir -p "$S"/{etc,log,munge,ctld/state,slurmd/spool,tasks}
chown munge:munge "$S/munge"
chown -R slurm:slurm "$S/ctld"
# slurmctld opens the jobcomp file after dropping to SlurmUser: it must exist and be slurm's.
install -o slurm -g slurm -m 644 /dev/null "$S/ctld/jobcomp.txt"
for user in munge slurm; do
  setpriv --reuid="$user" --regid="$user" --init-groups test -x "$S" ||
    fail "user $user cannot reach $S: every parent folder must be traversable (o+x)"
done

if [[ $# -ge 1 ]]; then
  [[ -r $1 ]] || fail "cannot read the experiment file $1"
  EXPERIMENT=$(realpath "$1")
else
  # 2 scenarios x 3 seeds = 6 runs, so 4 shards take 2, 2, 1 and 1 of them.
  EXPERIMENT=$S/experiment.yaml
  cat >"$EXPERIMENT" <<EOF
name: slurm_cluster_test
description: A baseline and the Reno outage, 2 years, 3 seeds (tests/slurm/run_cluster_test.sh).
model: $REPO/models/us_magnet_network.yaml
years: 2
replications: {count: 3}
baseline: baseline
scenarios:
  - name: baseline
  - name: reno_outage
    scripts: [$REPO/scripts/reno_outage.rhai]
EOF
fi
OUT_SLURM=$S/out-slurm
OUT_LOCAL=$S/out-local
# Every step runs one copy of the binary: a rebuild of $MAGLOOP meanwhile (cargo in another
# shell) would otherwise mix two builds, whose results may differ.
cp "$MAGLOOP" "$S/magloop"
MAGLOOP=$S/magloop

# Two free TCP ports, so a Slurm already on this machine (or a second run) is not disturbed.
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    [[ $p != "${1:-}" ]] || continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
CTLD_PORT=$(free_port) || fail "found no free TCP port"
SLURMD_PORT=$(free_port "$CTLD_PORT") || fail "found no free TCP port"

# ---------------------------------------------------------------- configuration
MUNGE_SOCKET=$S/munge/munge.socket
CONF=$S/etc/slurm.conf
NODE_LINE=$(slurmd -C | sed -n 's/^NodeName=[^ ]*/NodeName=localhost/p')
[[ -n $NODE_LINE ]] || fail "slurmd -C printed no NodeName line"
cat >"$CONF" <<EOF
# Written by tests/slurm/run_cluster_test.sh: one node, no cgroups, no database.
ClusterName=magloop-test
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$S/ctld/state
SlurmctldPidFile=$S/ctld/slurmctld.pid
SlurmctldLogFile=$S/ctld/slurmctld.log
SlurmdSpoolDir=$S/slurmd/spool
SlurmdPidFile=$S/slurmd/slurmd.pid
SlurmdLogFile=$S/slurmd/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$S/ctld/jobcomp.txt
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
$NODE_LINE State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
# slurmd starts its cgroup plugin even with proctrack/linuxproc; autodetection fails here.
echo "CgroupPlugin=cgroup/v1" >"$S/etc/cgroup.conf"
export SLURM_CONF=$CONF

# ---------------------------------------------------------------- daemons
setpriv --reuid=munge --regid=munge --init-groups \
  munged -F --socket="$MUNGE_SOCKET" --pid-file="$S/munge/munged.pid" \
  --log-file="$S/munge/munged.log" --seed-file="$S/munge/munged.seed" \
  >"$S/log/munged.out" 2>&1 &
MUNGED_PID=$!
for i in $(seq 50); do
  alive "$MUNGED_PID" || fail "munged exited at start"
  if munge -n -S "$MUNGE_SOCKET" 2>/dev/null | unmunge -S "$MUNGE_SOCKET" >/dev/null 2>&1; then
    break
  fi
  ((i < 50)) || fail "munged does not answer on $MUNGE_SOCKET after 10 s"
  sleep 0.2
done

slurmctld -D -f "$CONF" >"$S/log/slurmctld.out" 2>&1 &
CTLD_PID=$!
slurmd -D -f "$CONF" -N localhost >"$S/log/slurmd.out" 2>&1 &
SLURMD_PID=$!

# Every poll checks the daemons first: sinfo against a dead slurmctld blocks for seconds.
check_daemons() {
  alive "$MUNGED_PID" || fail "munged (PID $MUNGED_PID) exited"
  alive "$CTLD_PID" || fail "slurmctld (PID $CTLD_PID) exited"
  alive "$SLURMD_PID" || fail "slurmd (PID $SLURMD_PID) exited"
}
deadline=$((SECONDS + 60))
while :; do
  check_daemons
  state=$(timeout 5 sinfo -h -n localhost -o %T 2>/dev/null || true)
  [[ $state != idle ]] || break
  ((SECONDS < deadline)) || fail "the node is not idle after 60 s (sinfo says: ${state:-nothing})"
  sleep 0.3
done
echo "slurm cluster test: cluster up in $(since "$T0") (slurmctld on port $CTLD_PORT)"

# ---------------------------------------------------------------- the job array
T1=$(now)
# The example script as users submit it; one CPU per task so two run at once on 2 cores.
JOB_ID=$(cd "$S" && sbatch --parsable --array="0-$((TASKS - 1))" --cpus-per-task=1 \
  --time=$(((TIMEOUT + 59) / 60)) --no-requeue --output="$S/tasks/task-%a.out" \
  --export="ALL,EXPERIMENT=$EXPERIMENT,OUT=$OUT_SLURM,MAGLOOP=$MAGLOOP,SHARDS=$TASKS" "$SBATCH_SCRIPT")
JOB_ID=${JOB_ID%%;*}
[[ $JOB_ID =~ ^[0-9]+$ ]] || fail "sbatch did not print a job id: $JOB_ID"

# jobcomp/filetxt writes a line per array task when it ends (sbatch --wait polls every
# ~10 s; this file is faster), with ArrayJobId=<the id sbatch printed> and ArrayTaskId=K.
# A requeued task also gets a line, with JobState=PENDING, and a later one when it ends.
task_lines() { grep -E "(^| )ArrayJobId=$JOB_ID( |$)" "$S/ctld/jobcomp.txt" || true; }
tasks_ended() {
  task_lines | awk '{
    for (i = 1; i <= NF; i++) { eq = index($i, "="); field[substr($i, 1, eq - 1)] = substr($i, eq + 1) }
    state[field["ArrayTaskId"]] = field["JobState"]
  } END {
    for (task in state) if (state[task] != "PENDING" && state[task] != "REQUEUED") n++
    print n + 0
  }'
}
deadline=$((SECONDS + TIMEOUT))
while (($(tasks_ended) < TASKS)); do
  check_daemons
  ((SECONDS < deadline)) || fail "job $JOB_ID: $(tasks_ended) of $TASKS tasks ended after $TIMEOUT s (MAGLOOP_SLURM_TIMEOUT)"
  sleep 0.2
done
wait_for_stepds 30 || fail "slurmstepd of job $JOB_ID still running 30 s after the job ended"
echo "slurm cluster test: job array $JOB_ID ($TASKS tasks) done in $(since "$T1")"

passed=0 failed=0
check() { # description, then a command that must succeed
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $what" >&2
  fi
}
task_ok() {
  local line
  line=$(task_lines | grep -E "(^| )ArrayTaskId=$1( |$)" | tail -n 1)
  [[ $line == *" JobState=COMPLETED "* && $line =~ (^| )ExitCode=0:0( |$) ]] && return 0
  echo "task $1: ${line:-no jobcomp line}" >&2
  [[ ! -s $S/tasks/task-$1.out ]] || sed 's/^/  | /' "$S/tasks/task-$1.out" >&2
  return 1
}
for ((k = 0; k < TASKS; k++)); do
  check "array task $k completed with exit code 0" task_ok "$k"
done
stop_cluster

# ---------------------------------------------------------------- assemble, and run locally
# What the shards wrote, before --resume: it must find every run complete and redo none.
listing() { (cd "$1" && find . -type f ! -name '.*' -printf '%P %s %T@\n' | sort); }
SHARDS_WROTE=$(listing "$OUT_SLURM")
T2=$(now)
"$MAGLOOP" batch "$EXPERIMENT" --out "$OUT_SLURM" --resume -q ||
  fail "magloop batch --resume (assembling the shards) exited $?"
echo "slurm cluster test: assembled in $(since "$T2")"
"$MAGLOOP" batch "$EXPERIMENT" --out "$OUT_LOCAL" --jobs 2 -q ||
  fail "magloop batch (local run) exited $?"

unchanged_by_resume() {
  local now_there
  now_there=$(listing "$OUT_SLURM" | grep -vE '^(batch\.json|summary\.parquet|comparison\.parquet|failures\.parquet) ' || true)
  [[ $now_there == "$(grep -vE '^batch\.json ' <<<"$SHARDS_WROTE")" ]] && return 0
  echo "files (size, mtime) before (<) and after (>) --resume:" >&2
  diff <(grep -vE '^batch\.json ' <<<"$SHARDS_WROTE") <(echo "$now_there") >&2 || true
  return 1
}
check "the shards completed every run, so --resume wrote no run file" unchanged_by_resume

# ---------------------------------------------------------------- the two datasets
files_of() { (cd "$1" && find . -type f \( -name part-0.parquet -o -path './_runs/*.json' \) -printf '%P\n' | sort); }
same_list() {
  [[ $(files_of "$OUT_SLURM") == "$(files_of "$OUT_LOCAL")" ]] && return 0
  diff <(files_of "$OUT_LOCAL") <(files_of "$OUT_SLURM") >&2 || true
  return 1
}
check "the job array wrote the same files as the local run" same_list
[[ -n $(files_of "$OUT_LOCAL") ]] || fail "the local run wrote no part-0.parquet"
while read -r rel; do
  check "$rel is byte-identical" cmp "$OUT_LOCAL/$rel" "$OUT_SLURM/$rel"
done < <(files_of "$OUT_LOCAL")
for rel in summary.parquet comparison.parquet failures.parquet; do
  check "$rel is byte-identical" cmp "$OUT_LOCAL/$rel" "$OUT_SLURM/$rel"
done

echo "slurm cluster test: $(files_of "$OUT_LOCAL" | wc -l) run files and 3 assembled files compared, total $(since "$T0")"
echo "slurm cluster test: $passed passed, $failed failed"
((failed == 0))
