#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Call.SetHeld(): hold ($HELD true) or resume ($HELD false) call $CALL and
# its group.
#   CALL=<uuid> HELD=true Call.SetHeld.sh [busctl|gdbus]
set -eu
: "${CALL:?set CALL}"
: "${HELD:?set HELD}"
path=/io/github/callkitd/CallKit1/call/$(printf %s "$CALL" | tr - _)
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$path" \
        io.github.callkitd.CallKit1.Call SetHeld \
        b "$HELD"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$path" \
        --method io.github.callkitd.CallKit1.Call.SetHeld \
        "$HELD"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
