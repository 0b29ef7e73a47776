#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Call.PlayDTMF(): send the DTMF digits $DIGITS (0-9 * # A-D) on call $CALL.
#   CALL=<uuid> DIGITS='12#' Call.PlayDTMF.sh [busctl|gdbus]
set -eu
: "${CALL:?set CALL}"
: "${DIGITS:?set DIGITS}"
path=/io/github/callkitd/CallKit1/call/$(printf %s "$CALL" | tr - _)
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$path" \
        io.github.callkitd.CallKit1.Call PlayDTMF \
        s "$DIGITS"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$path" \
        --method io.github.callkitd.CallKit1.Call.PlayDTMF \
        "$DIGITS"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
