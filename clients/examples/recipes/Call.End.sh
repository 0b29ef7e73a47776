#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Call.End(): end call $CALL (decline it while it rings); returns once its
# provider fulfilled the end-call action.
#   CALL=<uuid> Call.End.sh [busctl|gdbus]
set -eu
: "${CALL:?set CALL}"
path=/io/github/callkitd/CallKit1/call/$(printf %s "$CALL" | tr - _)
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$path" \
        io.github.callkitd.CallKit1.Call End
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$path" \
        --method io.github.callkitd.CallKit1.Call.End
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
