#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PushRegistry.Unregister(): no more pushes for the app with token $TOKEN
# until it registers again (with the same token).
#   TOKEN=... PushRegistry.Unregister.sh [busctl|gdbus]
set -eu
: "${TOKEN:?set TOKEN}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.PushRegistry Unregister s "$TOKEN"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 \
        --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.PushRegistry.Unregister "$TOKEN"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
