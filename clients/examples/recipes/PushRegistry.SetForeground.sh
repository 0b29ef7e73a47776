#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PushRegistry.SetForeground(): the app with token $TOKEN is in the
# foreground ($FOREGROUND true) or not (false): while it is, pushes oblige
# it to report no call. It lasts while the app's registered connection is
# on the bus.
#   TOKEN=... FOREGROUND=true PushRegistry.SetForeground.sh [busctl|gdbus]
set -eu
: "${TOKEN:?set TOKEN}"
: "${FOREGROUND:?set FOREGROUND to true or false}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.PushRegistry SetForeground sb "$TOKEN" "$FOREGROUND"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 \
        --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.PushRegistry.SetForeground "$TOKEN" "$FOREGROUND"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
