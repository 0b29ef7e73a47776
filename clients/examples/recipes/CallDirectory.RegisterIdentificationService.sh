#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.RegisterIdentificationService(): callkitd asks the object
# $OBJECT of the calling connection who calls (IdentificationService.Lookup).
# A service is a process that stays on the bus: from a shell the
# registration ends with the command's connection, so this shows the call.
#   APP_ID=org.example.Lookup OBJECT=/org/example/Lookup \
#     CallDirectory.RegisterIdentificationService.sh [busctl|gdbus]
set -eu
: "${APP_ID:?set APP_ID}"
: "${OBJECT:=/org/example/Lookup}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory RegisterIdentificationService \
        'oa{sv}' "$OBJECT" 2 app_id s "$APP_ID" cache_seconds u 600
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.RegisterIdentificationService \
        "$OBJECT" "{'app_id': <'$APP_ID'>, 'cache_seconds': <uint32 600>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
