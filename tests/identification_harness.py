# SPDX-License-Identifier: LGPL-2.1-or-later
"""Caller lookup services for the identification tests: each is an
io.github.callkitd.CallKit1.IdentificationService exported on a client
connection of its own (as an app's would be), with the answers a test
gives it, every Lookup it received (counted at the service, so a cache hit
shows as a call that never came), and Lookups it holds unanswered until
the test answers them."""

from gi.repository import Gio, GLib

from harness import (DIRECTORY_IFACE, IDENTIFICATION_SERVICE_IFACE, ROOT_PATH,
                     SOURCE_ROOT, vardict, wait_until)

SERVICE_PATH = "/org/example/Lookup"
_XML = (SOURCE_ROOT / "dbus-interfaces"
        / (IDENTIFICATION_SERVICE_IFACE + ".xml")).read_text()
_INTERFACE = Gio.DBusNodeInfo.new_for_xml(_XML).lookup_interface(
    IDENTIFICATION_SERVICE_IFACE)


class LookupService:
    """``answers``: handle -> dict (values as for harness.variant()) or a
    GLib.Variant to send as is; a handle not in it gets {} (a negative
    answer). ``hold``: Lookups are kept unanswered (``pending``) until
    answer_pending(). ``received``: (handle_type, handle, context) of every
    Lookup, in order."""

    def __init__(self, client, app_id, answers=None, path=SERVICE_PATH):
        self.client = client
        self.app_id = app_id
        self.path = path
        self.answers = dict(answers or {})
        self.hold = False
        self.received = []
        self.pending = []
        self._registration = client.connection.register_object(
            path, _INTERFACE, self._on_call, None, None)

    def _on_call(self, connection, sender, path, iface, method, params,
                 invocation):
        handle_type, handle, context = params.unpack()
        self.received.append((handle_type, handle, context))
        if self.hold:
            self.pending.append((handle, invocation))
        else:
            self._answer(handle, invocation)

    def _answer(self, handle, invocation):
        answer = self.answers.get(handle, {})
        if not isinstance(answer, GLib.Variant):
            answer = GLib.Variant.new_tuple(vardict(answer))
        invocation.return_value(answer)

    def answer_pending(self):
        pending, self.pending = self.pending, []
        for handle, invocation in pending:
            self._answer(handle, invocation)

    def register(self, **options):
        options.setdefault("app_id", self.app_id)
        self.client.call(ROOT_PATH, DIRECTORY_IFACE,
                         "RegisterIdentificationService",
                         GLib.Variant.new_tuple(GLib.Variant("o", self.path), vardict(options)))
        return self

    def lookups(self, handle=None):
        return [r for r in self.received if handle is None or r[1] == handle]

    def wait_for_lookup(self, count=1):
        __tracebackhide__ = True
        return wait_until(lambda: len(self.received) >= count,
                          message=lambda: "%d Lookup call(s) at %s (got %d)" % (
                              count, self.app_id, len(self.received)))

    def wait_for_pending(self, count=1):
        __tracebackhide__ = True
        return wait_until(lambda: len(self.pending) >= count,
                          message=lambda: "%d held Lookup(s) at %s" % (count, self.app_id))


def stats(client):
    """GetIdentificationStats, as a dict."""
    return client.call(ROOT_PATH, DIRECTORY_IFACE, "GetIdentificationStats")


def service_stats(client, app_id):
    for service in stats(client)["services"]:
        if service["app_id"] == app_id:
            return service
    return None


def write_identification_conf(bus, **keys):
    """callkitd.conf with an [Identification] group: keys with _ for -
    (deadline_ms=5000)."""
    conf = bus.home / ".config" / "callkitd" / "callkitd.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[Identification]"] + ["%s=%s" % (k.replace("_", "-"), v)
                                    for k, v in keys.items()]
    conf.write_text("\n".join(lines) + "\n")
