#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Call.SetMuted(): mute ($MUTED true) or unmute ($MUTED false) the
# microphone of call $CALL.
#   CALL=<uuid> MUTED=true Call.SetMuted.sh [busctl|gdbus]
set -eu
: "${CALL:?set CALL}"
: "${MUTED:?set MUTED}"
path=/io/github/callkitd/CallKit1/call/$(printf %s "$CALL" | tr - _)
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$path" \
        io.github.callkitd.CallKit1.Call SetMuted \
        b "$MUTED"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$path" \
        --method io.github.callkitd.CallKit1.Call.SetMuted \
        "$MUTED"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
