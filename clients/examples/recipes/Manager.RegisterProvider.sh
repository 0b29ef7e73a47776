#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Manager.RegisterProvider(): register a provider named $NAME; prints its
# object path. The provider belongs to this command's connection, so it
# goes (and its calls end) when the command exits: useful to see the reply.
#   NAME='Shell Phone' Manager.RegisterProvider.sh [busctl|gdbus]
set -eu
: "${NAME:?set NAME}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.Manager RegisterProvider \
        'a{sv}' 1 localized_name s "$NAME"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.Manager.RegisterProvider \
        "{'localized_name': <'$NAME'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
