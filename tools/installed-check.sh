#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the callkitd packages the way Debian users install software and
# checks that they work as installed: a session bus that reads the
# installed service files starts callkitd at the first `callctl status`
# (D-Bus activation, no unit manager needed), and a program compiles
# against callkit.pc and talks to it. Run as root on a Debian 12 system;
# tools/fresh-check.sh runs it in a fresh root.
#
#   tools/installed-check.sh DIR     DIR holds the built *.deb files
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."
# shellcheck source=tools/lib.sh
source tools/lib.sh

debs=$(readlink -f "${1:?usage: $0 DIR-WITH-DEBS}")
export DEBIAN_FRONTEND=noninteractive

ckd_log "apt-get install $debs/*.deb"
apt-get update -q
apt-get install -y -q --no-install-recommends "$debs"/*.deb
ckd_ensure_packages "${CKD_INSTALLED_CHECK_PACKAGES[@]}"

work=$(mktemp -d /tmp/callkitd-installed.XXXXXX)
chmod 700 "$work"
bus_pid=
cleanup() {
  if [ -n "$bus_pid" ]; then
    kill -TERM "$bus_pid" 2>/dev/null || true
  fi
  # callkitd was started by the bus: stop it by its pid too.
  if [ -n "${daemon_pid:-}" ]; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# A user's session: a runtime dir, a home, and a session bus from the
# stock configuration, which reads /usr/share/dbus-1/services.
export XDG_RUNTIME_DIR=$work/runtime HOME=$work/home
mkdir -m 700 "$XDG_RUNTIME_DIR" "$HOME"
{
  read -r address
  read -r bus_pid
} < <(dbus-daemon --session --fork --print-address=1 --print-pid=1 \
  --address="unix:path=$XDG_RUNTIME_DIR/bus")
export DBUS_SESSION_BUS_ADDRESS=$address

ckd_log "which callkitd can be activated"
grep -H . /usr/share/dbus-1/services/io.github.callkitd.CallKit1.service

# bus_call METHOD NAME: org.freedesktop.DBus.METHOD(NAME), its reply.
bus_call() {
  dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus "org.freedesktop.DBus.$1" "string:$2"
}

ckd_log "callctl status: the first request starts callkitd"
# Replies print as "boolean false", "uint32 1234".
if [ "$(bus_call NameHasOwner io.github.callkitd.CallKit1 | awk '{ print $NF }')" != false ]; then
  ckd_log "callkitd runs already: this check would prove nothing"
  exit 1
fi
out=$(callctl status)
echo "$out"
grep -q "^      Daemon: callkitd " <<<"$out"
daemon_pid=$(bus_call GetConnectionUnixProcessID io.github.callkitd.CallKit1 | awk '{ print $NF }')
[ "$(readlink "/proc/$daemon_pid/exe")" = /usr/libexec/callkitd ]
ckd_log "callkitd runs as /usr/libexec/callkitd (pid $daemon_pid), started by the bus"

ckd_log "a program against callkit.pc"
cat >"$work/observe.c" <<'EOF'
#include <stdio.h>
#include <callkit.h>

int main(void) {
        sd_bus *bus = NULL;
        CkCallObserver *o = NULL;
        int r;

        r = sd_bus_open_user(&bus);
        if (r >= 0)
                r = ck_call_observer_new(bus, NULL, NULL, &o);
        if (r < 0 || !ck_call_observer_get_daemon(o)) {
                fprintf(stderr, "no callkitd: %d\n", r);
                return 1;
        }
        printf("callkitd %s: %zu calls\n", ck_call_observer_get_daemon(o), ck_call_observer_get_n_calls(o));
        ck_call_observer_unref(o);
        sd_bus_flush_close_unref(bus);
        return 0;
}
EOF
# shellcheck disable=SC2046 # pkg-config prints a list of options
cc -Wall -Werror -o "$work/observe" "$work/observe.c" $(pkg-config --cflags --libs callkit)
"$work/observe"

ckd_log "man pages and bash completion are installed"
for page in callctl.1 callkitd.8 speakerbox.1 baresip-bridge.1; do
  ls /usr/share/man/*/"$page".gz
done
[ -f /usr/share/bash-completion/completions/callctl ]
ckd_log "the installed packages work"
