#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# History.DeleteEntries(): delete entry $ENTRY (an id of GetEntries).
#   ENTRY=<id> History.DeleteEntries.sh [busctl|gdbus]
set -eu
: "${ENTRY:?set ENTRY}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.History DeleteEntries as 1 "$ENTRY"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.History.DeleteEntries "['$ENTRY']"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
