#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# History.Clear(): delete every entry of calls with $HANDLE (a phone
# number); an empty filter would clear the whole history.
#   HANDLE=<number> History.Clear.sh [busctl|gdbus]
set -eu
: "${HANDLE:?set HANDLE}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.History Clear \
        'a{sv}' 1 handle '(ss)' phone-number "$HANDLE"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.History.Clear \
        "{'handle': <('phone-number', '$HANDLE')>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
