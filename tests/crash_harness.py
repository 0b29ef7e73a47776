# SPDX-License-Identifier: LGPL-2.1-or-later
"""The live-calls file callkitd keeps in $XDG_RUNTIME_DIR/callkitd/ so
that calls survive a crash (daemon/ckd-call-store.c), read as tests need
it."""

import os

from gi.repository import GLib

from harness import wait_until

STORE_TYPE = "(uua(usba{sv}aa{sv}))"


def store_path(bus):
    return os.path.join(bus.env["XDG_RUNTIME_DIR"], "callkitd", "live-calls")


def parse_store(text):
    return GLib.Variant.parse(GLib.VariantType(STORE_TYPE), text, None, None)


def stored_state(bus, uuid):
    """The state the file holds for ``uuid``, or None."""
    try:
        text = open(store_path(bus)).read()
    except FileNotFoundError:
        return None
    _, _, providers = parse_store(text).unpack()
    for _, _, _, _, calls in providers:
        for call in calls:
            if call["uuid"] == uuid:
                return call["state"]
    return None


def wait_file_has(bus, uuid, state="active"):
    """The file is written once callkitd's main loop is idle, so a change
    is not in it at once: wait for it."""
    __tracebackhide__ = True
    wait_until(lambda: stored_state(bus, uuid) == state,
               message="%s %s in the live-calls file" % (uuid, state))
