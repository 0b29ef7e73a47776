#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Provider.Reset(): reset the provider at $PROVIDER: its calls end as
# failed and it gets DidReset("requested"); it keeps working. Any client
# of the same user may call it (callctl reset does).
#   PROVIDER=/io/github/callkitd/CallKit1/provider/1 Provider.Reset.sh [busctl|gdbus]
set -eu
: "${PROVIDER:?set PROVIDER}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 "$PROVIDER" \
        io.github.callkitd.CallKit1.Provider Reset
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path "$PROVIDER" \
        --method io.github.callkitd.CallKit1.Provider.Reset
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
