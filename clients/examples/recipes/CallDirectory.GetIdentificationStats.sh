#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.GetIdentificationStats(): lookups, cache hits, timeouts,
# skipped lookups, in total and per service (callctl identity stats).
#   CallDirectory.GetIdentificationStats.sh [busctl|gdbus]
set -eu
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory GetIdentificationStats
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.GetIdentificationStats
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
