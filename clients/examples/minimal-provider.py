#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The smallest complete callkitd provider, with Gio only.

It registers a provider, reports one incoming call, answers callkitd's
answer-call and end-call actions, and exits once the call is over,
whichever side ended it. Answer it from another shell:

    /usr/bin/python3 clients/examples/minimal-provider.py --caller +15551234567
    callctl answer <uuid>      # or the notification's Answer button
    callctl end <uuid>

Each line it prints is "EVENT ARGS", for people and scripts alike.
"""

import argparse
import sys
import uuid

from gi.repository import Gio, GLib

NAME = "io.github.callkitd.CallKit1"
ROOT = "/io/github/callkitd/CallKit1"


def say(*words):
    print(*words, flush=True)


class MinimalProvider:
    def __init__(self, bus, caller, caller_name):
        self.bus = bus
        self.loop = GLib.MainLoop()
        self.call_id = str(uuid.uuid4())
        self.status = 0
        # Subscribe before registering: DidBegin may follow at once. The
        # signals come from callkitd only and are sent to us only.
        bus.signal_subscribe(NAME, NAME + ".Provider", None, None, None,
                             Gio.DBusSignalFlags.NONE, self.on_signal)
        self.path, = self.method(ROOT, "Manager", "RegisterProvider", "(a{sv})",
                                 ({"localized_name": GLib.Variant("s", "Minimal")},))
        say("registered", self.path)
        self.method(self.path, "Provider", "ReportNewIncomingCall", "(sa{sv})", (
            self.call_id,
            {"remote_handle": GLib.Variant("(ss)", ("phone-number", caller)),
             "localized_caller_name": GLib.Variant("s", caller_name)}))
        say("incoming", self.call_id)

    def method(self, path, iface, member, signature, args):
        reply = self.bus.call_sync(NAME, path, NAME + "." + iface, member,
                                   GLib.Variant(signature, args), None,
                                   Gio.DBusCallFlags.NONE, -1, None)
        return reply.unpack() if reply else ()

    def on_signal(self, bus, sender, path, iface, signal, params):
        if path != self.path:
            return
        if signal == "PerformAction":
            action, kind, call, parameters = params.unpack()
            if kind == "answer-call":
                # Connect the media here; fulfilled means "talking now".
                self.method(self.path, "Provider", "FulfillAction",
                            "(sa{sv})", (action, {}))
                say("answered", call)
            elif kind == "end-call":
                self.method(self.path, "Provider", "FulfillAction",
                            "(sa{sv})", (action, {}))
                say("ended", call, parameters.get("reason", "hung-up"))
                self.loop.quit()
            else:
                # Hold, mute, DTMF: this phone cannot; callkitd tells the
                # requester so.
                self.method(self.path, "Provider", "FailAction", "(ss)",
                            (action, "not supported by this provider"))
                say("refused", kind, call)
        elif signal == "DidReset":
            # Our call is gone (callkitd reset us or stops): nothing to do.
            say("reset", params.unpack()[0])
            self.status = 1
            self.loop.quit()

    def on_call_ended(self, bus, sender, path, iface, signal, params):
        # The caller gave up, or the ringing timed out: the call's HasEnded
        # turns true without an end-call action.
        changed = params.unpack()[1]
        if changed.get("HasEnded"):
            say("ended", self.call_id, changed.get("EndedReason", ""))
            self.loop.quit()

    def run(self):
        self.bus.signal_subscribe(
            NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged",
            ROOT + "/call/" + self.call_id.replace("-", "_"), None,
            Gio.DBusSignalFlags.NONE, self.on_call_ended)
        self.loop.run()
        return self.status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--caller", default="+15551234567")
    parser.add_argument("--caller-name", default="Ada Lovelace")
    args = parser.parse_args()
    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        provider = MinimalProvider(bus, args.caller, args.caller_name)
    except GLib.Error as e:
        sys.exit("minimal-provider: " + e.message)
    sys.exit(provider.run())


if __name__ == "__main__":
    main()
