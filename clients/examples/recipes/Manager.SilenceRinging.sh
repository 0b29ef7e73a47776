#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Manager.SilenceRinging(): stop the ringtone of every call ringing now, as
# a phone's volume key does (callctl silence does); the calls still ring
# otherwise and can be answered. Prints how many calls were silenced.
#   Manager.SilenceRinging.sh [busctl|gdbus]
set -eu
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.Manager SilenceRinging
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 \
        --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.Manager.SilenceRinging
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
