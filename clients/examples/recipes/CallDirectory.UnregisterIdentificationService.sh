#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.UnregisterIdentificationService(): the service at $OBJECT
# that this connection registered is asked no more. A shell command is a
# new connection each time, so from a shell it gets InvalidArgument; the
# recipe shows the exact arguments a service sends.
#   OBJECT=/org/example/Lookup CallDirectory.UnregisterIdentificationService.sh [busctl|gdbus]
set -eu
: "${OBJECT:=/org/example/Lookup}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory UnregisterIdentificationService o "$OBJECT"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.UnregisterIdentificationService "$OBJECT"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
