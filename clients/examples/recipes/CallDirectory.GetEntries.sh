#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.GetEntries(): the numbers on your own blocking list (the
# first 100; callctl blocked prints them all).
#   CallDirectory.GetEntries.sh [busctl|gdbus]
set -eu

case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory GetEntries 'sa{sv}' blocking 1 limit u 100
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.GetEntries blocking "{'limit': <uint32 100>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
