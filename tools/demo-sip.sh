#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A real SIP call shown by callkitd: sipp (the caller) calls baresip (a real
# softphone), which baresip-bridge reports to callkitd. Everything runs on
# 127.0.0.1 in a private directory; Ctrl-C stops everything this script
# started. tools/demo.sh --sip runs this script.
#
#   tools/demo-sip.sh          the call rings; answer and end it with callctl
#                              (or the notification's buttons when a
#                              notification server runs); sipp hangs up
#                              when you press Enter here
#   tools/demo-sip.sh --once   rings, answers with callctl, shows the call
#                              active with RTP flowing, ends it, and stops
#
# CKD_BUILDDIR=DIR uses an existing build directory as it is. The session
# bus and PipeWire are the ones that run, else private ones. The ports on
# 127.0.0.1: CKD_DEMO_SIP_PORT (baresip, and the next one for its SIP/TLS;
# default 15060), CKD_DEMO_CTRL_PORT (its ctrl_tcp, 14444),
# CKD_DEMO_SIPP_PORT (sipp, 15070), CKD_DEMO_RTP_PORT (baresip's RTP, 30000
# and the 15 after it; sipp's is 16000 unless CKD_DEMO_SIPP_RTP_PORT).
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

builddir=${CKD_BUILDDIR:-}
if [ -z "$builddir" ]; then
  ckd_ensure_packages "${CKD_BUILD_PACKAGES[@]}" "${CKD_DEMO_PACKAGES[@]}" "${CKD_SIP_PACKAGES[@]}"
  ckd_log "building into build/"
  ckd_meson_setup build >/dev/null
  meson compile -C build >/dev/null
  builddir=build
fi
for program in baresip sipp; do
  command -v $program >/dev/null || { ckd_log "$program is not installed (${CKD_SIP_PACKAGES[*]})"; exit 1; }
done

callkitd=$builddir/daemon/callkitd
callctl=$builddir/clients/callctl/callctl
bridge=$builddir/clients/baresip-bridge/baresip-bridge
[ -x "$bridge" ] || { ckd_log "baresip-bridge was not built (it needs libcallkit)"; exit 1; }
workdir=$(mktemp -d /tmp/callkitd-sip-demo.XXXXXX)
chmod 700 "$workdir"

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

# wait_for SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
  local tries=$(($1 * 20))
  shift
  for _ in $(seq "$tries"); do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}

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

# PipeWire, for the call's audio: the one of this runtime dir, else a
# private one with libpipewire-module-callkit and WirePlumber.
export XDG_CONFIG_HOME=${XDG_CONFIG_HOME:-$HOME/.config}
pw_socket=${XDG_RUNTIME_DIR:-/nonexistent}/pipewire-0
module=$builddir/pipewire-module/libpipewire-module-callkit.so
if [ -e "$module" ] && readelf -d "$module" 2>/dev/null | grep -q 'libasan\|libubsan'; then
  module=
fi
if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ ! -S "$pw_socket" ] && [ -n "$module" ] && [ -e "$module" ] &&
    command -v pipewire >/dev/null && command -v wireplumber >/dev/null; then
  # Our own configuration home: the sink below and the bridge's stream tag.
  export XDG_CONFIG_HOME=$workdir/config
  mkdir -p "$XDG_CONFIG_HOME/pipewire/pipewire.conf.d" "$workdir/state"
  cat >"$XDG_CONFIG_HOME/pipewire/pipewire.conf.d/50-callkit-demo.conf" <<'EOF'
context.objects = [
  { factory = adapter
    args = { factory.name = support.null-audio-sink node.name = demo-sink
             node.description = "Demo sink" media.class = Audio/Sink
             audio.position = [ FL FR ] } }
]
context.modules = [ { name = libpipewire-module-callkit flags = [ nofail ] } ]
EOF
  ckd_log "starting a private PipeWire with libpipewire-module-callkit"
  PIPEWIRE_MODULE_DIR="$(dirname "$module"):$(pkg-config --variable=moduledir libpipewire-0.3)" \
    pipewire >"$workdir/pipewire.log" 2>&1 &
  started $! pipewire
  if wait_for 5 test -S "$pw_socket"; then
    XDG_STATE_HOME=$workdir/state wireplumber >"$workdir/wireplumber.log" 2>&1 &
    started $! wireplumber
  fi
fi
audio_args=(--audio-player alsa,pipewire --audio-source ausine,440)
if [ ! -S "$pw_socket" ]; then
  # Still no sound before callkitd activates the call's audio session.
  ckd_log "no PipeWire: baresip plays nothing, and sends a tone while the call holds the audio session"
  audio_args=(--audio-player aubridge,callkit-idle-player --audio-source ausine,440 --no-stream-tag)
fi

ckd_log "starting callkitd (log: $workdir/callkitd.log)"
# shellcheck disable=SC2086 # CALLKITD_ARGS is a list of options
"$callkitd" ${CALLKITD_ARGS:-} >"$workdir/callkitd.log" 2>&1 &
started $! callkitd
if ! gdbus wait --session --timeout 10 io.github.callkitd.CallKit1 || ! kill -0 "${pids[-1]}" 2>/dev/null; then
  cat "$workdir/callkitd.log" >&2
  ckd_log "callkitd did not start; if another callkitd runs on this bus, stop it or use CALLKITD_ARGS=--replace"
  exit 1
fi

# baresip: one account, no registrar, its commands on ctrl_tcp.
sip_port=${CKD_DEMO_SIP_PORT:-15060}
ctrl_port=${CKD_DEMO_CTRL_PORT:-14444}
sipp_port=${CKD_DEMO_SIPP_PORT:-15070}
rtp_port=${CKD_DEMO_RTP_PORT:-30000}
sipp_rtp_port=${CKD_DEMO_SIPP_RTP_PORT:-16000}
mkdir -p "$workdir/baresip"
cat >"$workdir/baresip/config" <<EOF
poll_method             epoll
sip_listen              127.0.0.1:$sip_port
net_interface           127.0.0.1
rtp_ports               $rtp_port-$((rtp_port + 15))
audio_player            aubridge,callkit-idle-player
audio_source            aubridge,callkit-idle-source
audio_alert             aubridge,callkit-idle-alert
ausrc_srate             48000
auplay_srate            48000
ausrc_channels          2
auplay_channels         2
module_path             /usr/lib/baresip/modules
module                  g711.so
module                  ausine.so
module                  aubridge.so
module                  alsa.so
module_app              account.so
module_app              menu.so
module_app              ctrl_tcp.so
ctrl_tcp_listen         127.0.0.1:$ctrl_port
EOF
echo "<sip:demo@127.0.0.1>;regint=0;answermode=manual" >"$workdir/baresip/accounts"
ckd_log "starting baresip on 127.0.0.1:$sip_port (log: $workdir/baresip.log)"
baresip -f "$workdir/baresip" >"$workdir/baresip.log" 2>&1 &
started $! baresip

ckd_log "starting baresip-bridge (log: $workdir/bridge.log)"
"$bridge" --ctrl "127.0.0.1:$ctrl_port" "${audio_args[@]}" >"$workdir/bridge.log" 2>"$workdir/bridge.err" &
started $! baresip-bridge
if ! wait_for 10 grep -q '^event: provider ' "$workdir/bridge.log"; then
  cat "$workdir/bridge.log" "$workdir/bridge.err" >&2
  ckd_log "the bridge did not register a provider"
  exit 1
fi

ckd_log "sipp calls baresip as Alice Liddell (+15551234567)"
sipp -sf tests/sipp/uac.xml -i 127.0.0.1 -p "$sipp_port" -mp "$sipp_rtp_port" -rtp_echo -m 1 -l 1 -nostdin -nd \
  -cid_str "callkit-demo-%u" -key caller_user +15551234567 -key caller_name "Alice Liddell" \
  -s demo -trace_msg -message_file "$workdir/sipp-messages.log" \
  "127.0.0.1:$sip_port" >"$workdir/sipp.log" 2>&1 &
sipp_pid=$!
started $sipp_pid sipp

if ! wait_for 10 grep -q '^event: ringing ' "$workdir/bridge.log"; then
  cat "$workdir/bridge.log" "$workdir/bridge.err" >&2
  ckd_log "the call did not ring"
  exit 1
fi
uuid=$(awk '$2 == "ringing" { print $3; exit }' "$workdir/bridge.log")

# Tells sipp to hang up: an INFO in its call, which the scenario answers
# with a BYE.
hang_up_remote() {
  printf 'INFO sip:sipp@127.0.0.1:%s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-demo\r\nFrom: <sip:demo@127.0.0.1>;tag=demo\r\nTo: <sip:sipp@127.0.0.1:%s>\r\nCall-ID: callkit-demo-1\r\nCSeq: 1 INFO\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' \
    "$sipp_port" "$sipp_port" >/dev/udp/127.0.0.1/"$sipp_port"
}

if ! $once; then
  cat >&2 <<EOF
==> The call from Alice rings (call $uuid). In another shell (after the
    export line above, if one was printed):
      $callctl list
      $callctl answer ${uuid:0:8}     # RTP flows; sipp echoes it back
      $callctl hold ${uuid:0:8}       # a re-INVITE; unhold to resume
      $callctl end ${uuid:0:8}        # baresip sends BYE
    Press Enter here to have the caller hang up instead; Ctrl-C stops all.
    What the bridge sees: $workdir/bridge.log
EOF
  read -r _ || true
  if kill -0 "$sipp_pid" 2>/dev/null; then
    hang_up_remote
  fi
  wait_for 10 grep -q "^event: ended $uuid" "$workdir/bridge.log" || true
  grep "^event: " "$workdir/bridge.log" >&2
  exit 0
fi

ckd_log "callctl list"
"$callctl" list
ckd_log "callctl answer $uuid"
"$callctl" answer "$uuid"
"$callctl" list
if wait_for 10 grep -q "^event: rtp $uuid" "$workdir/bridge.log"; then
  ckd_log "RTP flows: baresip hears sipp's echo"
fi
if [ -S "$pw_socket" ] && command -v pw-metadata >/dev/null; then
  wait_for 5 sh -c "timeout 2 pw-metadata -n callkit 2>/dev/null | grep -q '\"policy\": *\"allowed\"'" || true
  ckd_log "pw-metadata -n callkit: the call and baresip's stream"
  timeout 2 pw-metadata -n callkit || true
fi
ckd_log "callctl end $uuid"
"$callctl" end "$uuid"
wait_for 10 sh -c "! kill -0 $sipp_pid 2>/dev/null" || true
status=0
wait "$sipp_pid" || status=$?
ckd_log "sipp's scenario ended with status $status (0: the call went as scripted)"
ckd_log "what the bridge saw"
grep "^event: " "$workdir/bridge.log" >&2
[ "$status" -eq 0 ]
