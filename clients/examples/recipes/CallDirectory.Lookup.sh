#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.Lookup(): what the lists say of phone number $NUMBER
# (blocked, blocked_by, label, label_app, number in E.164).
#   NUMBER=+4930123 CallDirectory.Lookup.sh [busctl|gdbus]
set -eu
: "${NUMBER:?set NUMBER}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.CallDirectory Lookup ss phone-number "$NUMBER"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.Lookup phone-number "$NUMBER"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
