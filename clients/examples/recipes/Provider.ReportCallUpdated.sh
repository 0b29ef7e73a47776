#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Provider.ReportCallUpdated(): call $CALL is now with $CALLER_NAME; only the
# keys sent change.
#
# Only the provider's owner, the connection that registered it, may call
# this: from a shell (a new connection per command) callkitd answers
# io.github.callkitd.CallKit1.Error.Unentitled. An app sends this very
# message on its own connection; the command shows its exact arguments.
#   PROVIDER=... CALL=<uuid> CALLER_NAME='Grace Hopper' Provider.ReportCallUpdated.sh [busctl|gdbus]
set -eu
: "${PROVIDER:?set PROVIDER}"
: "${CALL:?set CALL}"
: "${CALLER_NAME:?set CALLER_NAME}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$PROVIDER" \
        io.github.callkitd.CallKit1.Provider ReportCallUpdated \
        'sa{sv}' "$CALL" 1 localized_caller_name s "$CALLER_NAME"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$PROVIDER" \
        --method io.github.callkitd.CallKit1.Provider.ReportCallUpdated \
        "$CALL" "{'localized_caller_name': <'$CALLER_NAME'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
