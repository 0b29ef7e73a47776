# SPDX-License-Identifier: LGPL-2.1-or-later
"""Building blocks of the push tests (test_push*.py): an app's side of the
PushRegistry on its own connection, DeliverPush with typed metadata, the
Registrations property, and callkitd.conf's [Push] group written before
callkitd starts. See README.md."""

import collections
import time

from gi.repository import Gio, GLib

from harness import (
    BUS_NAME, PUSH_IFACE, ROOT_PATH, typed, vardict, wait_until)

Push = collections.namedtuple("Push", "token payload metadata")
Push.__doc__ = """A PushReceived: token, payload (bytes), metadata (dict)."""

# DeliverPush's metadata keys and their D-Bus types.
METADATA_TYPES = {
    "push_id": "s",
    "sent_at": "x",
    "expires_at": "x",
    "call_uuid": "s",
    "remote_handle": "(ss)",
    "localized_caller_name": "s",
}

APP_ID = "org.example.VoipApp"


def now_us():
    """Microseconds since the epoch, as callkitd counts."""
    return int(time.time() * 1000000)


def metadata_dict(**metadata):
    """An a{sv} of DeliverPush metadata: known keys get their API type; a
    GLib.Variant (to send a wrong type) or another key goes as it is."""
    return vardict({k: v if isinstance(v, GLib.Variant) or k not in METADATA_TYPES
                    else typed(METADATA_TYPES[k], v)
                    for k, v in metadata.items()})


def deliver(client, token, payload=b"", **metadata):
    """DeliverPush as a transport would; returns the outcome."""
    return client.call(ROOT_PATH, PUSH_IFACE, "DeliverPush", GLib.Variant.new_tuple(
        GLib.Variant("s", token), GLib.Variant("ay", payload),
        metadata_dict(**metadata)))


def registrations(client):
    """The Registrations property, as the client sees it: {app_id: dict}."""
    return {r["app_id"]: r for r in client.get_property(
        ROOT_PATH, PUSH_IFACE, "Registrations")}


def registration(client, app_id=APP_ID):
    return registrations(client)[app_id]


def installed_once(client, make_client, app_id=APP_ID, **options):
    """An app that registered once (its server has the token) and is not
    running now: returns its token once callkitd has seen it leave."""
    first = make_client("first-run")
    app = PushApp(first, app_id)
    token = app.register(**options)
    app.close()
    first.close()
    wait_until(lambda: not registration(client, app_id)["connected"], poll_interval=0.02,
               message="the first run of %s to be gone" % app_id)
    return token


def write_push_conf(bus, **keys):
    """callkitd.conf with a [Push] group: keys with _ for - (report_deadline_ms=300)."""
    conf = bus.home / ".config" / "callkitd" / "callkitd.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[Push]"] + ["%s=%s" % (k.replace("_", "-"),
                                      str(v).lower() if isinstance(v, bool) else v)
                          for k, v in keys.items()]
    conf.write_text("\n".join(lines) + "\n")
    return conf


class PushApp:
    """An app's side of the PushRegistry on the connection of a
    harness.Client: Register, and every PushReceived, ReportDeadlineMissed
    and EndpointChanged sent to it (taken from callkitd only, as an app
    would)."""

    def __init__(self, client, app_id=APP_ID):
        self.client = client
        self.app_id = app_id
        self.token = None
        self.signals = []
        self._consumed = set()
        self._subscription = client.connection.signal_subscribe(
            BUS_NAME, PUSH_IFACE, None, ROOT_PATH, None, Gio.DBusSignalFlags.NONE,
            self._on_signal)
        # The subscription's AddMatch before anything is sent to us.
        client.connection.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetId", None, None, Gio.DBusCallFlags.NONE, -1, None)

    def __repr__(self):
        return "<PushApp %s on %s>" % (self.app_id, self.client)

    def _on_signal(self, connection, sender, path, iface, member, params):
        self.signals.append((member, params.unpack()))

    def register(self, **options):
        options.setdefault("app_id", self.app_id)
        self.token = self.client.call(ROOT_PATH, PUSH_IFACE, "Register",
                                      GLib.Variant.new_tuple(vardict(options)))
        return self.token

    def unregister(self):
        self.client.call(ROOT_PATH, PUSH_IFACE, "Unregister",
                         GLib.Variant("(s)", (self.token,)))

    def set_foreground(self, foreground):
        self.client.call(ROOT_PATH, PUSH_IFACE, "SetForeground",
                         GLib.Variant("(sb)", (self.token, foreground)))

    def _find(self, member, predicate=None):
        for i, (name, args) in enumerate(self.signals):
            if i in self._consumed or name != member:
                continue
            if predicate is None or predicate(args):
                self._consumed.add(i)
                return args
        return None

    def wait_push(self, timeout=5, **expect):
        """The next PushReceived (whose metadata has the ``expect`` items,
        if given), as a Push."""
        __tracebackhide__ = True

        def matches(args):
            return all(args[2].get(k) == v for k, v in expect.items())

        args = wait_until(lambda: self._find("PushReceived", matches),
                          timeout=timeout, message=lambda: "PushReceived %r on %s (got: %r)"
                          % (expect, self, [s for s in self.signals
                                            if s[0] == "PushReceived"]))
        return Push(args[0], bytes(args[1]), args[2])

    def wait_deadline_missed(self, timeout=5):
        __tracebackhide__ = True
        return wait_until(lambda: self._find("ReportDeadlineMissed"), timeout=timeout,
                          message="ReportDeadlineMissed on %s" % self)

    def wait_endpoint(self, timeout=5):
        __tracebackhide__ = True
        return wait_until(lambda: self._find("EndpointChanged"), timeout=timeout,
                          message="EndpointChanged on %s" % self)[1]

    def assert_no_signal(self, member="PushReceived"):
        """After a round trip, no unconsumed signal ``member`` is left."""
        __tracebackhide__ = True
        self.client.sync()
        assert self._find(member) is None, "unexpected %s on %s" % (member, self)

    def close(self):
        if self._subscription is not None and self.client.connection is not None:
            self.client.connection.signal_unsubscribe(self._subscription)
        self._subscription = None
