#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# IdentificationService.Lookup(): ask a lookup service what callkitd would
# ask it, to try one out. $SERVICE is its bus name, $OBJECT its object.
#   SERVICE=:1.42 OBJECT=/org/example/Lookup HANDLE=+15551234567 \
#     IdentificationService.Lookup.sh [busctl|gdbus]
set -eu
: "${SERVICE:?set SERVICE}"
: "${OBJECT:=/org/example/Lookup}"
: "${HANDLE:?set HANDLE}"
case "${1:-busctl}" in
busctl)
    busctl --user call "$SERVICE" "$OBJECT" \
        io.github.callkitd.CallKit1.IdentificationService Lookup \
        'ssa{sv}' phone-number "$HANDLE" 1 provider_name s Shell
    ;;
gdbus)
    gdbus call --session --dest "$SERVICE" --object-path "$OBJECT" \
        --method io.github.callkitd.CallKit1.IdentificationService.Lookup \
        phone-number "$HANDLE" "{'provider_name': <'Shell'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
