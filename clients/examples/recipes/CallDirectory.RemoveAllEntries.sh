#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.RemoveAllEntries(): app $APP_ID's blocking list emptied.
#   APP_ID=org.example.Spam CallDirectory.RemoveAllEntries.sh [busctl|gdbus]
set -eu
: "${APP_ID:?set APP_ID}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory RemoveAllEntries 'sa{sv}' blocking 1 app_id s "$APP_ID"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.RemoveAllEntries blocking "{'app_id': <'$APP_ID'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
