#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.RemoveIdentificationEntries(): $NUMBER's label removed
# from your own identification list.
#   NUMBER=+4930123 CallDirectory.RemoveIdentificationEntries.sh [busctl|gdbus]
set -eu
: "${NUMBER:?set NUMBER}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory RemoveIdentificationEntries 'asa{sv}' 1 "$NUMBER" 0
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.RemoveIdentificationEntries "['$NUMBER']" '@a{sv} {}'
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
