#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Provider.ReportNewIncomingCall(): report call $CALL (a new UUID) ringing
# from phone number $HANDLE, named $CALLER_NAME.
#
# Only the provider's owner, the connection that registered it, may call
# this: from a shell (a new connection per command) callkitd answers
# io.github.callkitd.CallKit1.Error.Unentitled. An app sends this very
# message on its own connection; the command shows its exact arguments.
#   PROVIDER=... CALL=$(cat /proc/sys/kernel/random/uuid) HANDLE=+15551234567 \
#       CALLER_NAME='Ada Lovelace' Provider.ReportNewIncomingCall.sh [busctl|gdbus]
set -eu
: "${PROVIDER:?set PROVIDER}"
: "${CALL:?set CALL}"
: "${HANDLE:?set HANDLE}"
: "${CALLER_NAME:?set CALLER_NAME}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$PROVIDER" \
        io.github.callkitd.CallKit1.Provider ReportNewIncomingCall \
        'sa{sv}' "$CALL" 2 \
        remote_handle "(ss)" phone-number "$HANDLE" localized_caller_name s "$CALLER_NAME"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$PROVIDER" \
        --method io.github.callkitd.CallKit1.Provider.ReportNewIncomingCall \
        "$CALL" "{'remote_handle': <('phone-number', '$HANDLE')>, 'localized_caller_name': <'$CALLER_NAME'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
