#!/usr/bin/env bash
# Runs a Redis server on 127.0.0.1 for the tests of the state that replicas share (rate
# limits). The data lives in memory only: nothing is saved to disk.
#
# Usage: bash scripts/redis-server.sh start|stop|status
#
#   start   Starts Debian's redis-server as a daemon and returns when it responds to PING.
#           Returns at once when the server of this state directory already responds.
#           Installs the Debian package redis-server with apt-get when redis-server or
#           redis-cli is missing (needs root).
#   stop    Stops the server whose pid is in the state directory's pid file and waits until
#           it has exited. No other redis-server process is touched.
#   status  Prints the pid and whether the server responds. Exits 0 when it runs and
#           responds to PING, 3 otherwise.
#
# Environment (defaults in brackets):
#   OPENRAZ_TEST_REDIS_PORT  port on 127.0.0.1 [6390]
#   OPENRAZ_TEST_REDIS_DIR   state directory: pid file and log [/tmp/openraz-redis]
set -Eeuo pipefail

port=${OPENRAZ_TEST_REDIS_PORT:-6390}
state_dir=${OPENRAZ_TEST_REDIS_DIR:-/tmp/openraz-redis}
pid_file=$state_dir/redis.pid
log_file=$state_dir/redis.log
start_timeout_s=10
stop_timeout_s=10

if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "redis-server: error: OPENRAZ_TEST_REDIS_PORT must be a port number from 1 to 65535, got '$port'" >&2
  exit 2
fi

now_ms() {
  local micros=${EPOCHREALTIME//[.,]/}
  echo $((micros / 1000))
}

fail() {
  echo "redis-server: error: $1" >&2
  if [[ -s $log_file ]]; then
    echo "--- last 20 lines of $log_file ---" >&2
    tail -n 20 "$log_file" >&2
    echo "--- end of $log_file ---" >&2
  fi
  exit 1
}

# Prints the pid from the pid file when that process is still a redis-server. A pid that
# the kernel has reused belongs to some other program and is never signalled.
running_pid() {
  local pid command
  [[ -s $pid_file ]] || return 1
  pid=$(<"$pid_file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  command=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $command == redis-server ]] || return 1
  echo "$pid"
}

responds_to_ping() {
  [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

install_if_missing() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  if ((EUID != 0)); then
    fail "redis-server or redis-cli is missing. Install them with: sudo apt-get install redis-server"
  fi
  echo "redis-server: installing redis-server with apt-get ..."
  local apt_log=$state_dir/apt-get.log
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server; } >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log" >&2
    fail "apt-get install redis-server failed; the full output is in $apt_log"
  fi
}

start() {
  local pid
  if pid=$(running_pid) && responds_to_ping; then
    echo "redis-server: already running: redis://127.0.0.1:$port, pid $pid"
    return 0
  fi
  # A server of this directory that runs but does not respond is restarted.
  stop --quiet
  if port_in_use; then
    fail "port 127.0.0.1:$port is in use by another process. Stop it, or choose another port with OPENRAZ_TEST_REDIS_PORT."
  fi
  mkdir -p "$state_dir"
  install_if_missing

  # --save '' and --appendonly no turn off both kinds of persistence, and --dir keeps any
  # file the server writes anyway inside the state directory.
  : >"$log_file"
  redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
    --save '' --appendonly no --dir "$state_dir" \
    --daemonize yes --pidfile "$pid_file" --logfile "$log_file" ||
    fail "redis-server failed to start"

  local deadline=$(($(now_ms) + start_timeout_s * 1000))
  until responds_to_ping; do
    if (($(now_ms) > deadline)); then
      fail "timed out after $start_timeout_s s waiting for redis-server to respond to PING on 127.0.0.1:$port"
    fi
    sleep 0.1
  done
  echo "redis-server: ready: redis://127.0.0.1:$port, pid $(running_pid), state in $state_dir"
}

# Sends SIGTERM to the pid of the pid file and waits until it has exited. Sends SIGKILL
# when it still runs stop_timeout_s seconds after SIGTERM.
stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pid_file"
    [[ ${1:-} == --quiet ]] || echo "redis-server: no server of $state_dir is running"
    return 0
  fi

  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(($(now_ms) + stop_timeout_s * 1000)) killed=false
  while kill -0 "$pid" 2>/dev/null; do
    if (($(now_ms) > deadline)); then
      if [[ $killed == true ]]; then
        fail "pid $pid is still running 5 s after SIGKILL"
      fi
      echo "redis-server: pid $pid did not exit $stop_timeout_s s after SIGTERM, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      killed=true
      deadline=$(($(now_ms) + 5000))
    fi
    sleep 0.1
  done
  rm -f "$pid_file"
  echo "redis-server: stopped pid $pid"
}

status() {
  local pid all_ok=true
  if pid=$(running_pid); then
    echo "redis-server: running, pid $pid"
  else
    echo "redis-server: not running"
    all_ok=false
  fi
  if responds_to_ping; then
    echo "redis://127.0.0.1:$port: responds to PING"
  else
    echo "redis://127.0.0.1:$port: no response"
    all_ok=false
  fi
  [[ $all_ok == true ]] || exit 3
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: bash $0 start|stop|status" >&2
    exit 2
    ;;
esac
