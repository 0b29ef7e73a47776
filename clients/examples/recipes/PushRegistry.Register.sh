#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# PushRegistry.Register(): register app $APP_ID for VoIP pushes; prints its
# token, the same for the app id every time. callkitd starts the D-Bus name
# $APP_ID (its activation file) to deliver pushes while the app is not
# running; the connection that registers is the one pushes go to, so an
# app calls this on its own connection (libcallkit: ck_push_registry_new).
#   APP_ID=org.example.Phone PushRegistry.Register.sh [busctl|gdbus]
set -eu
: "${APP_ID:?set APP_ID}"
case "${1:-busctl}" in
busctl)
    busctl --user call io.github.callkitd.CallKit1 /io/github/callkitd/CallKit1 \
        io.github.callkitd.CallKit1.PushRegistry Register 'a{sv}' 1 app_id s "$APP_ID"
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 \
        --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.PushRegistry.Register "{'app_id': <'$APP_ID'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
