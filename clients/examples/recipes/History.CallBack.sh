#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# History.CallBack(): call the caller of entry $ENTRY back through its app
# (started through its desktop entry with a tel:/sip: URI when it is not
# running). Prints the transaction id ("" when the app was started).
#   ENTRY=<id> History.CallBack.sh [busctl|gdbus]
set -eu
: "${ENTRY:?set ENTRY}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.History CallBack s "$ENTRY"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.History.CallBack "$ENTRY"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
