#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build callkitd and watch it work: install what is missing (Debian 12), build
# into build/, run callkitd on the session bus (a private one if there is
# none), register the sample provider clients/examples/demo-provider.py,
# which reports an incoming call, and show it with callctl. Ctrl-C stops
# everything this script started.
#
#   tools/demo.sh            run until Ctrl-C
#   tools/demo.sh --once     show the call and stop (for scripts and CI)
#
# CALLKITD_ARGS adds options to callkitd, e.g. CALLKITD_ARGS=--replace to
# take over from a callkitd that already runs on your session bus.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

once=false
case "${1:-}" in
  --once) once=true ;;
  "") ;;
  *) echo "usage: $0 [--once]" >&2; exit 2 ;;
esac

ckd_ensure_packages "${CKD_BUILD_PACKAGES[@]}" dbus-daemon python3-gi

ckd_log "building into build/"
ckd_meson_setup build >/dev/null
meson compile -C build >/dev/null

callkitd=build/daemon/callkitd
callctl=build/clients/callctl/callctl
python=/usr/bin/python3
workdir=$(mktemp -d /tmp/callkitd-demo.XXXXXX)
chmod 700 "$workdir"

# What we started, in order; stopped in reverse order by PID.
pids=()
names=()
bus_pid=

cleanup() {
  local i pid
  trap - EXIT INT TERM
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    if kill -0 "$pid" 2>/dev/null; then
      ckd_log "stopping ${names[i]} (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [ -n "$bus_pid" ] && kill -0 "$bus_pid" 2>/dev/null; then
    # Forked away from us, so not a child we can wait for.
    ckd_log "stopping the private dbus-daemon (pid $bus_pid)"
    kill -TERM "$bus_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started() {
  pids+=("$1")
  names+=("$2")
}

# A session bus: the one we are given, the user's at $XDG_RUNTIME_DIR/bus,
# or a private one.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -S "$XDG_RUNTIME_DIR/bus" ]; then
    export DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG_RUNTIME_DIR/bus"
  else
    if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -d "$XDG_RUNTIME_DIR" ]; then
      export XDG_RUNTIME_DIR="$workdir"
    fi
    mkdir -p "$workdir/dbus-services"
    cat >"$workdir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$workdir/bus</listen>
  <auth>EXTERNAL</auth>
  <servicedir>$workdir/dbus-services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    {
      read -r address
      read -r bus_pid
    } < <(dbus-daemon --config-file="$workdir/bus.conf" --fork \
      --print-address=1 --print-pid=1 --nopidfile)
    export DBUS_SESSION_BUS_ADDRESS="$address"
    ckd_log "started a private session bus (pid $bus_pid); to reach it from another shell:"
    echo "export DBUS_SESSION_BUS_ADDRESS='$address'"
  fi
fi

ckd_log "starting callkitd (log: $workdir/callkitd.log)"
# shellcheck disable=SC2086 # CALLKITD_ARGS is a list of options
"$callkitd" ${CALLKITD_ARGS:-} >"$workdir/callkitd.log" 2>&1 &
started $! callkitd
if ! gdbus wait --session --timeout 10 io.github.callkitd.CallKit1 ||
    ! kill -0 "${pids[-1]}" 2>/dev/null; then
  cat "$workdir/callkitd.log" >&2
  ckd_log "callkitd did not start; if another callkitd runs on this bus, stop it or use CALLKITD_ARGS=--replace"
  exit 1
fi

ckd_log "starting the demo provider"
"$python" clients/examples/demo-provider.py &
started $! demo-provider

list_calls() {
  if [ -x "$callctl" ]; then
    "$callctl" list
  else
    gdbus call --session --dest io.github.callkitd.CallKit1 \
      --object-path /io/github/callkitd/CallKit1 \
      --method org.freedesktop.DBus.ObjectManager.GetManagedObjects
  fi
}

have_call() {
  gdbus call --session --dest io.github.callkitd.CallKit1 \
    --object-path /io/github/callkitd/CallKit1 \
    --method org.freedesktop.DBus.ObjectManager.GetManagedObjects |
    grep -q "/io/github/callkitd/CallKit1/call/"
}

# The provider reports its call a few milliseconds after it starts.
for _ in $(seq 100); do
  have_call && break
  kill -0 "${pids[-1]}" 2>/dev/null || { ckd_log "the demo provider died"; exit 1; }
  sleep 0.05
done

ckd_log "callctl list"
list_calls

if $once; then
  exit 0
fi

cat >&2 <<EOF
==> Try, in another shell (after the export line above, if one was printed):
      $callctl list
      $callctl answer <UUID>     # the provider fulfills the answer-call action
      $callctl end <UUID>
      busctl --user tree io.github.callkitd.CallKit1
    Unanswered, the call ends after the ringing timeout (60 s).
    Ctrl-C stops the demo.
EOF
# Until Ctrl-C, or until callkitd or the provider exits.
wait -n "${pids[@]}" || true
ckd_log "a process of the demo exited"
