#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Provider.ReportOutgoingCallConnected(): outgoing call $CALL connected now
# (0).
#
# Only the provider's owner, the connection that registered it, may call
# this: from a shell (a new connection per command) callkitd answers
# io.github.callkitd.CallKit1.Error.Unentitled. An app sends this very
# message on its own connection; the command shows its exact arguments.
#   PROVIDER=... CALL=<uuid> Provider.ReportOutgoingCallConnected.sh [busctl|gdbus]
set -eu
: "${PROVIDER:?set PROVIDER}"
: "${CALL:?set CALL}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$PROVIDER" \
        io.github.callkitd.CallKit1.Provider ReportOutgoingCallConnected \
        sx "$CALL" 0
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$PROVIDER" \
        --method io.github.callkitd.CallKit1.Provider.ReportOutgoingCallConnected \
        "$CALL" 0
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
