#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallController.RequestTransaction(): request a transaction; this one
# puts call $CALL on hold and has one action. Prints the transaction id once
# callkitd validated and dispatched it.
#   CALL=<uuid> CallController.RequestTransaction.sh [busctl|gdbus]
set -eu
: "${CALL:?set CALL}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallController RequestTransaction \
        'aa{sv}' 1 3 type s set-held call s "$CALL" on_hold b true
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallController.RequestTransaction \
        "[{'type': <'set-held'>, 'call': <'$CALL'>, 'on_hold': <true>}]"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
