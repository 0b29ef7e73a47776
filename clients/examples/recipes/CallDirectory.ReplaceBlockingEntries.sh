#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# CallDirectory.ReplaceBlockingEntries(): the blocking list of app $APP_ID
# replaced with the numbers in file $LIST (one a line, any format; national
# numbers read as German). Prints the count. The file goes as descriptor 3.
#   APP_ID=org.example.Spam LIST=spam.txt CallDirectory.ReplaceBlockingEntries.sh [busctl|gdbus]
set -eu
: "${APP_ID:?set APP_ID}"
: "${LIST:?set LIST}"
exec 3<"$LIST"
case "${1:-busctl}" in
busctl)
    # busctl cannot pass a file descriptor ("UNIX file descriptor not
    # supported as type"): this method takes one, so gdbus makes the call.
    exec "$0" gdbus
    ;;
gdbus)
    gdbus call --session --dest io.github.callkitd.CallKit1 --object-path /io/github/callkitd/CallKit1 \
        --method io.github.callkitd.CallKit1.CallDirectory.ReplaceBlockingEntries 'handle 3' \
        "{'app_id': <'$APP_ID'>, 'default_region': <'DE'>}"
    ;;
*)
    echo "usage: $0 [busctl|gdbus]" >&2
    exit 2
    ;;
esac
