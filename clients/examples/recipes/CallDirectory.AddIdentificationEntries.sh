#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.AddIdentificationEntries(): $NUMBER labelled $LABEL in
# your own identification list.
#   NUMBER=+4930123 LABEL='My dentist' CallDirectory.AddIdentificationEntries.sh [busctl|gdbus]
set -eu
: "${NUMBER:?set NUMBER}"
: "${LABEL:?set LABEL}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory AddIdentificationEntries 'a(ss)a{sv}' 1 "$NUMBER" "$LABEL" 0
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.AddIdentificationEntries "[('$NUMBER', '$LABEL')]" '@a{sv} {}'
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
