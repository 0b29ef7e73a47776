#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PushRegistry.DeliverPush(): a VoIP push for the app with token $TOKEN,
# announcing call $CALL (a new UUID) from phone number $HANDLE, sent now;
# the payload the app gets is "{}". Prints the outcome ("delivered",
# "queued", "expired", "duplicate", "call-ended" or "throttled"). callctl
# push send does the same with options.
#   TOKEN=... CALL=$(cat /proc/sys/kernel/random/uuid) HANDLE=+15551234567 \
#       PushRegistry.DeliverPush.sh [busctl|gdbus]
set -eu
: "${TOKEN:?set TOKEN}"
: "${CALL:?set CALL}"
: "${HANDLE:?set HANDLE}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.PushRegistry DeliverPush 'saya{sv}' "$TOKEN" 2 123 125 2 \
        call_uuid s "$CALL" remote_handle "(ss)" phone-number "$HANDLE"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 \
        --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.PushRegistry.DeliverPush "$TOKEN" '[byte 0x7b, 0x7d]' \
        "{'call_uuid': <'$CALL'>, 'remote_handle': <('phone-number', '$HANDLE')>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
