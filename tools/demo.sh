#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Build callkitd and watch it work: install what is missing (Debian 12), build
# into build/, run callkitd on the session bus (a private one if there is
# none) and the sample softphone speakerbox, with a call from Alice ringing.
# Answer it with callctl (or the notification's Answer button, when a
# notification server runs). Without a PipeWire server it also starts a
# private one, with libpipewire-module-callkit from the build tree and
# WirePlumber, so the call has its audio. Ctrl-C stops everything this
# script started.
#
#   tools/demo.sh            speakerbox in the foreground: type its commands
#                            (help, answer, hold, remote-end remote-ended, ...)
#   tools/demo.sh --once     show the call ringing, answer it with callctl,
#                            show it active and the audio decision in
#                            PipeWire, and stop (for scripts and CI)
#   tools/demo.sh --sip [--once]  a real SIP call instead: sipp calls baresip,
#                            bridged to callkitd (tools/demo-sip.sh)
#
# CALLKITD_ARGS adds options to callkitd, e.g. CALLKITD_ARGS=--replace to
# take over from a callkitd that already runs on your session bus.
# CKD_BUILDDIR=DIR runs the programs of an existing build directory as they
# are: nothing is installed or built.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

once=false
case "${1:-}" in
  --sip) shift; exec tools/demo-sip.sh "$@" ;;
  --once) once=true ;;
  "") ;;
  *) echo "usage: $0 [--once | --sip [--once]]" >&2; exit 2 ;;
esac

builddir=${CKD_BUILDDIR:-}
if [ -z "$builddir" ]; then
  ckd_ensure_packages "${CKD_BUILD_PACKAGES[@]}" "${CKD_DEMO_PACKAGES[@]}"
  ckd_log "building into build/"
  ckd_meson_setup build >/dev/null
  meson compile -C build >/dev/null
  builddir=build
fi

callkitd=$builddir/daemon/callkitd
callctl=$builddir/clients/callctl/callctl
workdir=$(mktemp -d /tmp/callkitd-demo.XXXXXX)
chmod 700 "$workdir"

# What we started, in order; stopped in reverse order by PID.
pids=()
names=()

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
    # Not --fork: the bus stays our child, stopped with the rest and
    # killed with our process group.
    dbus-daemon --config-file="$workdir/bus.conf" --nofork --print-address=1 \
      --nopidfile >"$workdir/bus.address" 2>"$workdir/bus.log" &
    started $! dbus-daemon
    for _ in $(seq 200); do
      [ -s "$workdir/bus.address" ] && break
      kill -0 "${pids[-1]}" 2>/dev/null || break
      sleep 0.05
    done
    if ! read -r address <"$workdir/bus.address" || [ -z "$address" ]; then
      cat "$workdir/bus.log" >&2
      ckd_log "dbus-daemon did not start"
      exit 1
    fi
    export DBUS_SESSION_BUS_ADDRESS="$address"
    ckd_log "started a private session bus (pid ${pids[-1]}); to reach it from another shell:"
    echo "export DBUS_SESSION_BUS_ADDRESS='$address'"
  fi
fi

# Call audio: the PipeWire server of this runtime dir if one runs, else a
# private one. Started before callkitd, which then connects at once.
own_pipewire=false
pw_socket=${XDG_RUNTIME_DIR:-/nonexistent}/pipewire-0
module=$builddir/pipewire-module/libpipewire-module-callkit.so
# A module built with sanitizers cannot be loaded into a plain pipewire
# (the ASan runtime aborts it): such a build runs without audio.
if [ -e "$module" ] && readelf -d "$module" 2>/dev/null | grep -q 'libasan\|libubsan'; then
  ckd_log "$module is built with sanitizers: no private PipeWire"
  module=
fi
if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ ! -S "$pw_socket" ] &&
    command -v pipewire >/dev/null && command -v wireplumber >/dev/null &&
    [ -n "$module" ] && [ -e "$module" ]; then
  mkdir -p "$workdir/config/pipewire/pipewire.conf.d" "$workdir/state"
  cat >"$workdir/config/pipewire/pipewire.conf.d/50-callkit-demo.conf" <<'EOF'
# No sound card is needed: a sink that plays nowhere.
context.objects = [
  { factory = adapter
    args = { factory.name = support.null-audio-sink node.name = demo-sink
             node.description = "Demo sink" media.class = Audio/Sink
             audio.position = [ FL FR ] } }
]
context.modules = [ { name = libpipewire-module-callkit flags = [ nofail ] } ]
EOF
  ckd_log "starting a private PipeWire with libpipewire-module-callkit (log: $workdir/pipewire.log)"
  # PipeWire takes module names, not paths: the build tree goes first.
  XDG_CONFIG_HOME=$workdir/config \
    PIPEWIRE_MODULE_DIR="$(dirname "$module"):$(pkg-config --variable=moduledir libpipewire-0.3)" \
    pipewire >"$workdir/pipewire.log" 2>&1 &
  started $! pipewire
  own_pipewire=true
  for _ in $(seq 100); do
    [ -S "$pw_socket" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.05
  done
  # WirePlumber 0.4 loads a logind plugin for its Bluetooth monitor, and
  # that plugin ends it at once where /run/systemd is missing (a fresh
  # root, a container). The demo's sink is not Bluetooth.
  mkdir -p "$workdir/config/wireplumber/bluetooth.lua.d"
  echo "bluez_monitor.enabled = false" \
    >"$workdir/config/wireplumber/bluetooth.lua.d/80-callkit-demo.lua"
  if [ -S "$pw_socket" ]; then
    # WirePlumber links the streams to the sink; its state stays here.
    XDG_CONFIG_HOME=$workdir/config XDG_STATE_HOME=$workdir/state \
      wireplumber >"$workdir/wireplumber.log" 2>&1 &
    started $! wireplumber
  else
    cat "$workdir/pipewire.log" >&2
    ckd_log "PipeWire did not start: the call goes on without audio"
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

speakerbox=$builddir/clients/speakerbox/speakerbox
if [ ! -x "$speakerbox" ]; then
  ckd_log "speakerbox was not built (it needs libcallkit and libpipewire-0.3)"
  exit 1
fi
ring=(--incoming alice@example.org --name "Alice Liddell" --delay 1)

have_call() {
  gdbus call --session --dest io.github.callkitd.CallKit1 \
    --object-path /io/github/callkitd/CallKit1 \
    --method org.freedesktop.DBus.ObjectManager.GetManagedObjects |
    grep -q "/io/github/callkitd/CallKit1/call/"
}

if ! $once; then
  cat >&2 <<EOF
==> speakerbox is running: Alice calls in a second. In another shell (after
    the export line above, if one was printed):
      export PATH="$(cd "$(dirname "$callctl")" && pwd):\$PATH"
      callctl list
      callctl answer             # or: answer, typed here
    A call nobody answers ends after 60 seconds (unanswered); type
    "incoming alice" here to ring again. Type help here for the phone's
    commands (hold, mute, dtmf 123, remote-end remote-ended, incoming bob,
    outgoing +15551234567, quit).
EOF
  "$speakerbox" "${ring[@]}" || true
  exit 0
fi

ckd_log "starting speakerbox (log: $workdir/speakerbox.log)"
# stdin from /dev/null: no commands to read, the options drive it.
"$speakerbox" "${ring[@]}" </dev/null >"$workdir/speakerbox.log" 2>&1 &
started $! speakerbox

# Alice's call is reported a second after speakerbox registered.
for _ in $(seq 200); do
  have_call && break
  kill -0 "${pids[-1]}" 2>/dev/null || { cat "$workdir/speakerbox.log" >&2; ckd_log "speakerbox died"; exit 1; }
  sleep 0.05
done
have_call || { cat "$workdir/speakerbox.log" >&2; ckd_log "no call appeared"; exit 1; }

ckd_log "callctl list"
"$callctl" list
uuid=$("$callctl" list --no-legend | awk 'NR == 1 { print $1 }')
ckd_log "callctl answer $uuid"
"$callctl" answer "$uuid"
ckd_log "callctl list"
"$callctl" list
audio_ok=false
if [ -S "$pw_socket" ] && command -v pw-metadata >/dev/null; then
  # Wait for the module's word on the call's streams (WirePlumber links
  # them a moment after the audio session is activated).
  for _ in $(seq 100); do
    if timeout 2 pw-metadata -n callkit 2>/dev/null | grep -q '"policy": *"allowed"'; then
      audio_ok=true
      break
    fi
    sleep 0.05
  done
  ckd_log "pw-metadata -n callkit: what callkitd decided and the module did"
  timeout 2 pw-metadata -n callkit || true
fi
ckd_log "what speakerbox saw"
cat "$workdir/speakerbox.log" >&2
# The PipeWire this script started must have given the call its audio:
# if not, say why (WirePlumber's log first) and fail.
if $own_pipewire && ! $audio_ok; then
  cat "$workdir/wireplumber.log" "$workdir/pipewire.log" >&2 2>/dev/null || true
  ckd_log "the call got no audio: the module never allowed its streams"
  exit 1
fi
