#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Call.Answer(): answer the ringing call $CALL; returns once its provider
# fulfilled the answer-call action.
#   CALL=<uuid> Call.Answer.sh [busctl|gdbus]
set -eu
: "${CALL:?set CALL}"
path=/io/github/callkitd/CallKit1/call/$(printf %s "$CALL" | tr - _)
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$path" \
        io.github.callkitd.CallKit1.Call Answer
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$path" \
        --method io.github.callkitd.CallKit1.Call.Answer
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
