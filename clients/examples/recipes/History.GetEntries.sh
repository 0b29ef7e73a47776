#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# History.GetEntries(): the recents, newest first; this asks for the 10
# newest missed calls. Each entry is a dictionary (id, call, remote_handle,
# localized_caller_name, ended_at, missed, seen, ...).
#   History.GetEntries.sh [busctl|gdbus]
set -eu
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.History GetEntries \
        'a{sv}' 2 limit u 10 missed_only b true
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.History.GetEntries \
        "{'limit': <uint32 10>, 'missed_only': <true>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
