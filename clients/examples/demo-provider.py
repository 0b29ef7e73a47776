#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A minimal callkitd provider: what a softphone does, without the phone.

It registers a provider as soon as callkitd is on the session bus (again
after callkitd restarts), reports an incoming call, and carries out every
action callkitd asks for (answer, end, hold, mute, DTMF) by fulfilling it at
once. Stop it with Ctrl-C: it invalidates its provider and exits.

    /usr/bin/python3 clients/examples/demo-provider.py
    callctl list
    callctl answer <uuid>

Needs python3-gi (Debian's /usr/bin/python3 has it).
"""

import argparse
import signal
import sys
import uuid

import gi

gi.require_version("Gio", "2.0")
gi.require_version("GLib", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

BUS_NAME = "io.github.callkitd.CallKit1"
ROOT_PATH = "/io/github/callkitd/CallKit1"
MANAGER_IFACE = BUS_NAME + ".Manager"
PROVIDER_IFACE = BUS_NAME + ".Provider"


def log(message):
    print("demo-provider: " + message, flush=True)


class DemoProvider:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.path = None
        self.calls_reported = False
        # Provider signals are sent to us only; take them from callkitd only.
        self.bus.signal_subscribe(
            BUS_NAME, PROVIDER_IFACE, None, None, None,
            Gio.DBusSignalFlags.NONE, self.on_provider_signal)
        Gio.bus_watch_name_on_connection(
            self.bus, BUS_NAME, Gio.BusNameWatcherFlags.NONE,
            self.on_callkitd_appeared, self.on_callkitd_vanished)

    def call(self, path, iface, method, args, reply_type=None):
        return self.bus.call_sync(BUS_NAME, path, iface, method, args,
                                  reply_type, Gio.DBusCallFlags.NONE, -1, None)

    def on_callkitd_appeared(self, connection, name, owner):
        config = {
            "localized_name": GLib.Variant("s", self.args.name),
            "supported_handle_types": GLib.Variant("as", ["phone-number",
                                                          "generic"]),
        }
        try:
            reply = self.call(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                              GLib.Variant("(a{sv})", (config,)))
        except GLib.Error as e:
            log("cannot register: " + e.message)
            self.loop.quit()
            return
        self.path = reply.unpack()[0]
        log("registered %s as %s" % (self.args.name, self.path))

    def on_callkitd_vanished(self, connection, name):
        if self.path is not None:
            log("callkitd left the bus; waiting for it to come back")
        else:
            log("waiting for callkitd on the session bus")
        self.path = None

    def report_incoming_call(self):
        call = str(uuid.uuid4())
        update = {
            "remote_handle": GLib.Variant("(ss)", ("phone-number",
                                                   self.args.caller)),
            "localized_caller_name": GLib.Variant("s", self.args.caller_name),
            "supports_holding": GLib.Variant("b", True),
            "supports_dtmf": GLib.Variant("b", True),
        }
        try:
            self.call(self.path, PROVIDER_IFACE, "ReportNewIncomingCall",
                      GLib.Variant("(sa{sv})", (call, update)))
        except GLib.Error as e:
            log("cannot report a call: " + e.message)
            return
        log("incoming call %s from %s (%s)" % (call, self.args.caller_name,
                                              self.args.caller))

    def on_provider_signal(self, connection, sender, path, iface, name,
                           params):
        if path != self.path:
            return
        if name == "DidBegin":
            log("provider ready")
            if not self.args.no_call and not self.calls_reported:
                self.calls_reported = True
                self.report_incoming_call()
        elif name == "PerformAction":
            action, type_, call, parameters = params.unpack()
            details = ", ".join("%s=%s" % kv for kv in sorted(parameters.items())
                                if kv[0] not in ("transaction", "deadline"))
            log("perform %s on %s%s" % (type_, call,
                                        " (%s)" % details if details else ""))
            # A real app would now talk to its SIP/WebRTC stack and answer
            # when done; the demo says it is done at once.
            try:
                self.call(self.path, PROVIDER_IFACE, "FulfillAction",
                          GLib.Variant("(sa{sv})", (action, {})))
            except GLib.Error as e:
                log("cannot fulfill %s: %s" % (action, e.message))
            else:
                log("fulfilled %s" % type_)
        elif name == "DidReset":
            log("provider reset: %s" % params.unpack()[0])
        elif name == "ActionTimedOut":
            log("action %s timed out" % params.unpack()[0])
        elif name in ("DidActivateAudioSession", "DidDeactivateAudioSession"):
            calls = params.unpack()[0].get("calls", [])
            log("%s for %s" % (name, ", ".join(calls) or "no calls"))

    def stop(self):
        if self.path is not None:
            try:
                self.call(self.path, PROVIDER_IFACE, "Invalidate", None)
                log("invalidated " + self.path)
            except GLib.Error as e:
                log("cannot invalidate: " + e.message)
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, self.stop)
        self.loop.run()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="Demo Phone",
                        help="the provider's localized name")
    parser.add_argument("--caller", default="+15551234567",
                        help="the phone number of the incoming call")
    parser.add_argument("--caller-name", default="Ada Lovelace",
                        help="the caller's name")
    parser.add_argument("--no-call", action="store_true",
                        help="register only; report no incoming call")
    args = parser.parse_args()
    try:
        provider = DemoProvider(args)
    except GLib.Error as e:
        sys.exit("demo-provider: no session bus: " + e.message)
    provider.run()


if __name__ == "__main__":
    main()
