#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# History.MarkSeen(): the user has seen missed call $ENTRY (an entry id of
# GetEntries); its notification closes and MissedCount drops. Without
# ENTRY, every missed call is marked seen.
#   [ENTRY=<id>] History.MarkSeen.sh [busctl|gdbus]
set -eu
case "${1:-busctl}" in
busctl)
    if [ -n "${ENTRY:-}" ]; then
        set -- as 1 "$ENTRY"
    else
        set -- as 0
    fi
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.History MarkSeen "$@"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.History.MarkSeen \
        "@as [${ENTRY:+'$ENTRY'}]"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
