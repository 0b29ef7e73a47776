#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.AddBlockingEntries(): $NUMBER added to your own blocking
# list (callctl block does the same).
#   NUMBER=+4930123 CallDirectory.AddBlockingEntries.sh [busctl|gdbus]
set -eu
: "${NUMBER:?set NUMBER}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory AddBlockingEntries 'asa{sv}' 1 "$NUMBER" 0
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.AddBlockingEntries "['$NUMBER']" '@a{sv} {}'
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
