# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input: every malformed argument gets a named error that says what was
wrong, and changes nothing.

Each test runs against a small world (a held call, an outgoing call that is
dialing, a ringing call with a pending set-muted action) and checks after
every refused call that:

- the error has its full D-Bus name and a message naming the key or
  argument, never echoing megabytes back;
- every object and property an observer can see is unchanged, and no
  provider was asked to act;
- callkitd still answers (Peer.Ping and a Manager property read).

What the bus itself does with malformed messages (invalid UTF-8, wrong
signatures) is documented by the tests that send them.
"""

import collections
import os
import re
import socket

import pytest
from gi.repository import Gio, GLib

from harness import (
    BUS_NAME, CALL_IFACE, CONTROLLER_IFACE, MANAGER_IFACE, PROPERTIES_IFACE,
    PROVIDER_IFACE, PROVIDER_PATH_PREFIX, ROOT_PATH, call_path,
    scaled, vardict, vardict_list, wait_until, new_uuid, snapshot, ring)

PREFIX = "io.github.callkitd.CallKit1.Error."
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
MIB = 1 << 20
BIG = "x" * MIB
# An error message may quote a bit of the input, never all of it.
MAX_MESSAGE = 4096


def E(name):
    return PREFIX + name




# ---------------------------------------------------------------------------
# The world every test starts from




def fulfilled(provider, observer, action):
    """Request one action and fulfill it."""
    observer.request_transaction([action])
    provider.fulfill(provider.wait_for_action(action["type"],
                                              action["call"]).id)


World = collections.namedtuple(
    "World", "client app provider held outgoing ringing action")


@pytest.fixture
def world(client, app):
    provider = app.register_provider({
        "localized_name": "Robust Phone", "desktop_entry": "org.example.Robust",
        "action_timeout_ms": ("u", 600000)})
    held = ring(provider, client, remote_handle=("phone-number", "+4930111"),
                supports_grouping=True)
    fulfilled(provider, client, {"type": "answer-call", "call": held})
    client.wait_for_call_property(held, "State", "active")
    fulfilled(provider, client, {"type": "set-held", "call": held,
                                 "on_hold": True})
    client.wait_for_call_property(held, "State", "held")
    outgoing = new_uuid()
    fulfilled(provider, client, {"type": "start-call", "call": outgoing,
                                 "handle": ("email-address", "bob@example.org"),
                                 "provider": ("o", provider.path)})
    client.wait_for_call_property(outgoing, "State", "dialing")
    ringing = ring(provider, client, remote_handle=("phone-number", "+4930123"),
                   localized_caller_name="Alice")
    client.request_transaction([{"type": "set-muted", "call": ringing,
                                 "muted": True}])
    action = provider.wait_for_action("set-muted", ringing)
    return World(client, app, provider, held, outgoing, ringing, action)




def assert_responsive(client):
    __tracebackhide__ = True
    client.call(ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping")
    assert client.manager_property("Version")


def assert_unchanged(world, before):
    """Nothing changed, nothing was dispatched, the daemon answers, and the
    pending action is still pending."""
    __tracebackhide__ = True
    assert_responsive(world.client)
    assert snapshot(world.client) == before, "a refused call changed the state"
    world.provider.assert_no_signal("PerformAction")


def finish_pending_action(world):
    """The pending set-muted can still be fulfilled: it was not lost."""
    world.provider.fulfill(world.action.id)
    world.client.wait_for_call_property(world.ringing, "IsMuted", True)


def refused(name, match=None):
    """Like harness.raises_dbus_error, with a full name, but never prints
    megabytes: the message must be bounded (an error may quote a bit of the
    input, never all of it) and is shown shortened when it does not match.
    ``match`` is searched with re.S."""
    return _Refused(name if "." in name else E(name), match)


class _Refused:
    def __init__(self, name, match):
        self.name = name
        self.match = match
        self.message = None

    def __enter__(self):
        return self

    def __exit__(self, typ, value, tb):
        __tracebackhide__ = True
        if typ is None:
            raise AssertionError("expected D-Bus error %s, but the call "
                                 "succeeded" % self.name)
        if not issubclass(typ, GLib.Error):
            return False
        got = Gio.DBusError.get_remote_error(value)
        message = value.message
        prefix = "GDBus.Error:%s: " % got
        if got and message.startswith(prefix):
            message = message[len(prefix):]
        self.message = message
        shown = message if len(message) <= 300 else (
            message[:300] + "... (%d bytes)" % len(message))
        if got != self.name:
            raise AssertionError("expected D-Bus error %s, got %s: %s"
                                 % (self.name, got, shown)) from None
        if self.match is not None and not re.search(self.match, message, re.S):
            raise AssertionError("D-Bus error %s has message %r, which does "
                                 "not match %r" % (got, shown, self.match)) \
                from None
        if len(message) > MAX_MESSAGE:
            raise AssertionError(
                "the message of %s is %d bytes long: it echoes the input: %r"
                % (got, len(message), shown)) from None
        return True


def call_provider(world, method, signature, values, provider=None):
    provider = provider or world.provider
    return provider.call(method, (signature, values)) if signature else \
        provider.call(method)


def report(world, method, uuid, update):
    """ReportNewIncomingCall / ReportCallUpdated with an a{sv} given as a
    GLib.Variant or a dict."""
    if not isinstance(update, GLib.Variant):
        update = vardict(update)
    world.provider.call(method, GLib.Variant.new_tuple(
        GLib.Variant("s", uuid), update))


def register(client, config):
    if not isinstance(config, GLib.Variant):
        config = vardict(config)
    return client.call(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                       GLib.Variant.new_tuple(config))


def set_configuration(world, config):
    if not isinstance(config, GLib.Variant):
        config = vardict(config)
    world.app.call(world.provider.path, PROPERTIES_IFACE, "Set",
                   GLib.Variant("(ssv)", (PROVIDER_IFACE, "Configuration",
                                          config)))


def fulfill_with(world, result):
    if not isinstance(result, GLib.Variant):
        result = vardict(result)
    world.provider.call("FulfillAction", GLib.Variant.new_tuple(
        GLib.Variant("s", world.action.id), result))


def transaction(client, actions):
    """RequestTransaction; ``actions`` is a list of dicts whose values may be
    GLib.Variants, or a GLib.Variant aa{sv}."""
    return client.request_transaction(
        actions if isinstance(actions, GLib.Variant) else vardict_list(actions))


def dup_dict(*pairs):
    """An a{sv} with the entries in order, duplicates kept (a dict cannot
    hold them; the wire can)."""
    return GLib.Variant.new_array(GLib.VariantType.new("{sv}"), [
        GLib.Variant.new_dict_entry(GLib.Variant("s", k), GLib.Variant("v", v))
        for k, v in pairs])


def v(type_string, value):
    return GLib.Variant(type_string, value)


# ---------------------------------------------------------------------------
# Wrong value types, key by key

CONFIG_WRONG_TYPES = [
    ("localized_name", v("i", 5), "s"),
    ("icon_name", v("u", 5), "s"),
    ("ringtone", v("ay", b"/usr/share/sounds/ring.oga"), "s"),
    ("desktop_entry", v("as", ["org.example.App"]), "s"),
    ("maximum_call_groups", v("i", 2), "u"),
    ("maximum_call_groups", v("s", "2"), "u"),
    ("maximum_calls_per_call_group", v("t", 5), "u"),
    ("supported_handle_types", v("s", "generic"), "as"),
    ("supported_handle_types", v("ao", ["/generic"]), "as"),
    ("supports_video", v("s", "true"), "b"),
    ("includes_calls_in_recents", v("u", 1), "b"),
    ("action_timeout_ms", v("x", 1000), "u"),
    ("ringing_timeout_ms", v("d", 1000.0), "u"),
]


def type_error(key, expected):
    """The message names the key and the type it must have."""
    return r"'?%s'?.*(?<!\w)%s(?!\w)" % (re.escape(key), re.escape(expected))


@pytest.mark.parametrize("key,value,expected", CONFIG_WRONG_TYPES,
                         ids=[c[0] + ":" + c[1].get_type_string()
                              for c in CONFIG_WRONG_TYPES])
def test_configuration_wrong_type(world, key, value, expected):
    before = snapshot(world.client)
    with refused("InvalidArgument", type_error(key, expected)):
        register(world.client, {key: value})
    with refused("InvalidArgument", type_error(key, expected)):
        set_configuration(world, {"localized_name": "Changed", key: value})
    assert_unchanged(world, before)


UPDATE_WRONG_TYPES = [
    ("remote_handle", v("s", "+4930123"), "(ss)"),
    ("remote_handle", v("(sss)", ("generic", "a", "b")), "(ss)"),
    ("remote_handle", v("as", ["generic", "a"]), "(ss)"),
    ("localized_caller_name", v("i", 1), "s"),
    ("localized_caller_name", v("ay", b"Alice"), "s"),
    ("supports_holding", v("s", "yes"), "b"),
    ("supports_grouping", v("i", 1), "b"),
    ("supports_ungrouping", v("y", 1), "b"),
    ("supports_dtmf", v("as", []), "b"),
    ("has_video", v("u", 0), "b"),
]


@pytest.mark.parametrize("key,value,expected", UPDATE_WRONG_TYPES,
                         ids=[c[0] + ":" + c[1].get_type_string()
                              for c in UPDATE_WRONG_TYPES])
def test_update_wrong_type(world, key, value, expected):
    before = snapshot(world.client)
    fresh = new_uuid()
    with refused("InvalidArgument", type_error(key, expected)):
        report(world, "ReportNewIncomingCall", fresh,
               {"localized_caller_name": "Mallory", key: value})
    for uuid in (world.ringing, world.outgoing, world.held):
        with refused("InvalidArgument", type_error(key, expected)):
            report(world, "ReportCallUpdated", uuid,
                   {"localized_caller_name": "Mallory", key: value})
    assert_unchanged(world, before)
    # A refused report does not use up its UUID.
    world.provider.report_incoming(fresh)
    world.client.wait_for_call_property(fresh, "State", "ringing")


def _action_wrong_types(world):
    w = world
    return [
        ("type", {"type": v("i", 1), "call": w.ringing}, "s"),
        ("call", {"type": "end-call", "call": v("ay", w.ringing.encode())}, "s"),
        ("handle", {"type": "start-call", "call": new_uuid(),
                    "handle": v("s", "bob")}, "(ss)"),
        ("video", {"type": "start-call", "call": new_uuid(),
                   "video": v("s", "yes")}, "b"),
        ("contact_identifier", {"type": "start-call", "call": new_uuid(),
                                "contact_identifier": v("i", 3)}, "s"),
        ("provider", {"type": "start-call", "call": new_uuid(),
                      "provider": v("s", w.provider.path)}, "o"),
        ("on_hold", {"type": "set-held", "call": w.held,
                     "on_hold": v("s", "false")}, "b"),
        ("muted", {"type": "set-muted", "call": w.held,
                   "muted": v("i", 1)}, "b"),
        ("group_with", {"type": "set-group", "call": w.held,
                        "group_with": v("o", "/x")}, "s"),
        ("digits", {"type": "play-dtmf", "call": w.outgoing,
                    "digits": v("ai", [1, 2])}, "s"),
        ("dtmf_type", {"type": "play-dtmf", "call": w.outgoing,
                       "digits": "1", "dtmf_type": v("u", 0)}, "s"),
    ]


ACTION_KEYS = ["type", "call", "handle", "video", "contact_identifier",
               "provider", "on_hold", "muted", "group_with", "digits",
               "dtmf_type"]


@pytest.mark.parametrize("key", ACTION_KEYS)
def test_action_wrong_type(world, key):
    """The bad action comes second, after a valid one: the message names its
    index and key, and the valid one is not dispatched either."""
    case = {k: (a, t) for k, a, t in _action_wrong_types(world)}[key]
    bad, expected = case
    valid = {"type": "set-muted", "call": world.held, "muted": True}
    before = snapshot(world.client)
    with refused("InvalidArgument", r"action 1\b.*" + type_error(key, expected)):
        transaction(world.client, [valid, bad])
    assert_unchanged(world, before)


@pytest.mark.parametrize("value", [
    v("i", 0), v("t", 0), v("s", "now"), v("u", 0),
    v("v", v("x", 0)),
], ids=lambda value: value.get_type_string())
def test_fulfill_result_wrong_type(world, value):
    before = snapshot(world.client)
    with refused("InvalidArgument", type_error("date", "x")):
        fulfill_with(world, {"date": value})
    assert_unchanged(world, before)
    finish_pending_action(world)


# ---------------------------------------------------------------------------
# Unknown keys, keys that do not apply, missing keys, duplicate keys


def test_unknown_keys(world):
    before = snapshot(world.client)
    with refused("InvalidArgument", r"unknown key 'localized_nam'"):
        register(world.client, {"localized_name": "A", "localized_nam": "B"})
    with refused("InvalidArgument", r"unknown key 'localized_nam'"):
        set_configuration(world, {"localized_nam": "B"})
    with refused("InvalidArgument", r"unknown key 'remote_handel'"):
        report(world, "ReportNewIncomingCall", new_uuid(),
               {"remote_handel": ("generic", "x")})
    with refused("InvalidArgument", r"unknown key 'caller_name'"):
        report(world, "ReportCallUpdated", world.ringing,
               {"localized_caller_name": "Eve", "caller_name": "Eve"})
    with refused("InvalidArgument", r"action 0\b.*unknown key 'force'"):
        transaction(world.client, [{"type": "end-call", "call": world.held,
                                    "force": True}])
    with refused("InvalidArgument", r"unknown key 'reason'"):
        fulfill_with(world, {"reason": "done"})
    # Keys are case-sensitive snake_case.
    with refused("InvalidArgument", r"unknown key 'LocalizedName'"):
        register(world.client, {"LocalizedName": "A"})
    assert_unchanged(world, before)
    finish_pending_action(world)


@pytest.mark.parametrize("action,match", [
    ({"type": "answer-call", "muted": True}, r"'muted' does not apply to answer-call"),
    ({"type": "end-call", "digits": "1"}, r"'digits' does not apply to end-call"),
    ({"type": "set-muted", "muted": True, "on_hold": True},
     r"'on_hold' does not apply to set-muted"),
    ({"type": "play-dtmf", "digits": "1", "handle": ("generic", "x")},
     r"'handle' does not apply to play-dtmf"),
    ({"type": "set-held"}, r"set-held needs 'on_hold'"),
    ({"type": "set-muted"}, r"set-muted needs 'muted'"),
    ({"type": "set-group"}, r"set-group needs 'group_with'"),
    ({"type": "play-dtmf"}, r"play-dtmf needs 'digits'"),
    ({}, r"'type' is missing"),
    ({"type": "hang-up"}, r"unknown type 'hang-up'"),
    ({"type": "End-Call"}, r"unknown type 'End-Call'"),
    ({"type": ""}, r"unknown type ''"),
], ids=["muted/answer", "digits/end", "on_hold/set-muted", "handle/dtmf",
        "no on_hold", "no muted", "no group_with", "no digits", "no type",
        "unknown type", "type case", "empty type"])
def test_action_keys(world, action, match):
    before = snapshot(world.client)
    with refused("InvalidArgument", r"action 0\b.*" + match):
        transaction(world.client, [dict(action, call=world.held)])
    assert_unchanged(world, before)


def test_action_without_call(world):
    before = snapshot(world.client)
    with refused("InvalidArgument", r"action 0\b.*'call' is missing"):
        transaction(world.client, [{"type": "end-call"}])
    assert_unchanged(world, before)


def test_duplicate_keys(world):
    """a{sv} on the wire may repeat a key; the second one must not silently
    win (or lose)."""
    before = snapshot(world.client)
    with refused("InvalidArgument", r"localized_name.*twice"):
        register(world.client, dup_dict(("localized_name", v("s", "A")),
                                        ("localized_name", v("s", "B"))))
    with refused("InvalidArgument", r"maximum_call_groups.*twice"):
        set_configuration(world, dup_dict(("maximum_call_groups", v("u", 1)),
                                          ("maximum_call_groups", v("u", 1))))
    with refused("InvalidArgument", r"localized_caller_name.*twice"):
        report(world, "ReportNewIncomingCall", new_uuid(), dup_dict(
            ("localized_caller_name", v("s", "A")),
            ("localized_caller_name", v("s", "B"))))
    with refused("InvalidArgument", r"remote_handle.*twice"):
        report(world, "ReportCallUpdated", world.ringing, dup_dict(
            ("remote_handle", v("(ss)", ("generic", "a"))),
            ("remote_handle", v("(ss)", ("generic", "b")))))
    actions = GLib.Variant.new_array(GLib.VariantType.new("a{sv}"), [
        dup_dict(("type", v("s", "set-muted")), ("call", v("s", world.held)),
                 ("muted", v("b", True)), ("type", v("s", "end-call")))])
    with refused("InvalidArgument", r"action 0\b.*'type'.*twice"):
        transaction(world.client, actions)
    with refused("InvalidArgument", r"date.*twice"):
        fulfill_with(world, dup_dict(("date", v("x", 0)), ("date", v("x", 0))))
    assert_unchanged(world, before)
    finish_pending_action(world)


def test_nested_variants(world):
    """A variant holding a variant (or a dictionary) where a plain value is
    expected is a type error, not unwrapped."""
    nested = v("v", v("s", "Eve"))
    before = snapshot(world.client)
    with refused("InvalidArgument", type_error("localized_name", "s")):
        register(world.client, {"localized_name": nested})
    with refused("InvalidArgument", type_error("localized_name", "s")):
        register(world.client, {"localized_name": vardict({"a": "b"})})
    with refused("InvalidArgument", type_error("remote_handle", "(ss)")):
        report(world, "ReportNewIncomingCall", new_uuid(),
               {"remote_handle": v("v", v("(ss)", ("generic", "x")))})
    with refused("InvalidArgument", type_error("localized_caller_name", "s")):
        report(world, "ReportCallUpdated", world.ringing,
               {"localized_caller_name": nested})
    with refused("InvalidArgument", r"action 0\b.*" + type_error("type", "s")):
        transaction(world.client, [{"type": v("v", v("s", "end-call")),
                                    "call": world.held}])
    with refused("InvalidArgument", r"action 0\b.*" + type_error("call", "s")):
        transaction(world.client, [{"type": "end-call",
                                    "call": v("v", v("v", v("s", world.held)))}])
    with refused("InvalidArgument", type_error("date", "x")):
        fulfill_with(world, {"date": v("v", v("v", v("x", 0)))})
    assert_unchanged(world, before)
    finish_pending_action(world)


# ---------------------------------------------------------------------------
# Values out of range

CONFIG_BAD_VALUES = [
    ("maximum_call_groups", v("u", 0)),
    ("maximum_call_groups", v("u", 17)),
    ("maximum_calls_per_call_group", v("u", 0)),
    ("maximum_calls_per_call_group", v("u", 65)),
    ("action_timeout_ms", v("u", 99)),
    ("action_timeout_ms", v("u", 600001)),
    ("ringing_timeout_ms", v("u", 999)),
    ("ringing_timeout_ms", v("u", 3600001)),
    ("maximum_call_groups", v("u", 0xFFFFFFFF)),
    ("supported_handle_types", v("as", [])),
    ("supported_handle_types", v("as", ["fax"])),
    ("supported_handle_types", v("as", ["generic", "Phone-Number"])),
    ("desktop_entry", v("s", "org.example.App.desktop")),
    ("desktop_entry", v("s", "../../etc/passwd")),
]


@pytest.mark.parametrize("key,value", CONFIG_BAD_VALUES,
                         ids=["%s=%s" % (k, val.print_(False)[:20])
                              for k, val in CONFIG_BAD_VALUES])
def test_configuration_bad_value(world, key, value):
    before = snapshot(world.client)
    with refused("InvalidArgument", re.escape(key)):
        register(world.client, {key: value})
    with refused("InvalidArgument", re.escape(key)):
        set_configuration(world, {key: value})
    assert_unchanged(world, before)


def test_configuration_limits_accepted(world):
    """The documented bounds themselves are accepted (positive control for
    the range checks above)."""
    provider = world.app.register_provider({
        "maximum_call_groups": ("u", 16), "maximum_calls_per_call_group": ("u", 64),
        "action_timeout_ms": ("u", 100), "ringing_timeout_ms": ("u", 3600000),
        "supported_handle_types": ["email-address"],
        "desktop_entry": "org.example.App"})
    config = provider.configuration
    assert config["maximum_call_groups"] == 16
    assert config["supported_handle_types"] == ["email-address"]
    provider.set_configuration({"maximum_call_groups": ("u", 1),
                                "action_timeout_ms": ("u", 600000),
                                "ringing_timeout_ms": ("u", 1000)})
    assert provider.configuration["maximum_call_groups"] == 1


# ---------------------------------------------------------------------------
# UUIDs

BAD_UUIDS = [
    "", "not-a-uuid", "0123456789abcdef0123456789abcdef",
    "{01234567-89ab-cdef-0123-456789abcdef}",
    "01234567-89ab-cdef-0123-456789abcdef\n",
    " 01234567-89ab-cdef-0123-456789abcdef",
    "01234567-89ab-cdef-0123-456789abcde",
    "01234567-89ab-cdef-0123-456789abcdef0",
    "0123456g-89ab-cdef-0123-456789abcdef",
    "01234567_89ab_cdef_0123_456789abcdef",
    "01234567-89ab-cdef-0123-456789abcdéf",
    "urn:uuid:01234567-89ab-cdef-0123-456789abcdef",
]


@pytest.mark.parametrize("bad", BAD_UUIDS, ids=range(len(BAD_UUIDS)))
def test_bad_uuid(world, bad):
    before = snapshot(world.client)
    p = world.provider
    with refused("InvalidArgument", r"UUID"):
        p.report_incoming(bad)
    with refused("InvalidArgument", r"UUID"):
        p.report_updated(bad, localized_caller_name="x")
    with refused("InvalidArgument", r"UUID"):
        p.report_ended(bad, "remote-ended")
    with refused("InvalidArgument", r"UUID"):
        p.report_outgoing_connecting(bad)
    with refused("InvalidArgument", r"UUID"):
        p.report_outgoing_connected(bad)
    for action in ({"type": "end-call", "call": bad},
                   {"type": "start-call", "call": bad}):
        with refused("InvalidArgument", r"action 0\b.*'call'.*UUID"):
            transaction(world.client, [action])
    with refused("InvalidArgument", r"action 0\b.*'group_with'.*UUID"):
        transaction(world.client, [{"type": "set-group", "call": world.held,
                                    "group_with": bad or "-"}])
    assert_unchanged(world, before)


def test_uppercase_uuid_is_canonicalised(world):
    client, provider = world.client, world.provider
    lower = new_uuid()
    upper = lower.upper()
    provider.report_incoming(upper, localized_caller_name="Upper")
    path = call_path(lower)
    assert path == "/io/github/callkitd/CallKit1/call/" + lower.replace("-", "_")
    props = client.wait_for_call(lower)
    assert props["UUID"] == lower
    objects = client.managed_objects()
    assert path in objects
    assert not any(p.split("/call/")[1] != p.split("/call/")[1].lower()
                   for p in objects if "/call/" in p)

    # Any case names the same call, everywhere.
    mixed = lower[:8].upper() + lower[8:]
    provider.report_updated(mixed, localized_caller_name="Mixed")
    client.wait_for_call_property(lower, "LocalizedCallerName", "Mixed")
    with refused("CallUUIDAlreadyExists", lower):
        provider.report_incoming(lower)
    client.request_transaction([{"type": "end-call", "call": upper}])
    action = provider.wait_for_action("end-call", lower)
    assert action.call == lower
    provider.fulfill(action.id)
    client.wait_for_call_removed(lower)

    # start-call with an uppercase UUID: the new call's path is lower case
    # (the dialing call ends first: one active call at a time).
    provider.report_ended(world.outgoing, "remote-ended")
    out = new_uuid()
    client.request_transaction([{"type": "start-call", "call": out.upper(),
                                 "provider": ("o", provider.path)}])
    action = provider.wait_for_action("start-call")
    assert action.call == out
    assert client.wait_for_call(out)["UUID"] == out
    provider.fulfill(action.id)


# ---------------------------------------------------------------------------
# 1 MiB strings in every string argument and dictionary value

def _limits(world):
    return world.client.manager_property("Limits")


def _big_cases(world, limits):
    w, p = world, world.provider
    s_limit = r"\b%d\b" % limits["string_length"]
    path_limit = r"\b%d\b" % limits["path_length"]
    dtmf_limit = r"\b%d\b" % limits["dtmf_digits_length"]
    big_path = "/" + "a" * (MIB - 1)

    def action(**a):
        return lambda: transaction(w.client, [a])

    return {
        # RegisterProvider / Configuration: free text names the limit.
        "config localized_name": (lambda: register(w.client, {"localized_name": BIG}),
                                  "InvalidArgument", r"localized_name.*" + s_limit),
        "config icon_name": (lambda: register(w.client, {"icon_name": BIG}),
                             "InvalidArgument", r"icon_name.*" + s_limit),
        "config desktop_entry": (lambda: register(w.client, {"desktop_entry": BIG}),
                                 "InvalidArgument", r"desktop_entry.*" + s_limit),
        "config ringtone": (lambda: register(w.client, {"ringtone": BIG}),
                            "InvalidArgument", r"ringtone.*" + path_limit),
        "config supported_handle_types": (
            lambda: register(w.client, {"supported_handle_types": ["generic", BIG]}),
            "InvalidArgument", r"supported_handle_types.*" + s_limit),
        "config key": (lambda: register(w.client, {BIG: "x"}),
                       "InvalidArgument", r"unknown key"),
        "set Configuration localized_name": (
            lambda: set_configuration(w, {"localized_name": BIG}),
            "InvalidArgument", r"localized_name.*" + s_limit),
        # Provider reports.
        "ReportNewIncomingCall call": (lambda: p.report_incoming(BIG),
                                       "InvalidArgument", r"UUID"),
        "ReportNewIncomingCall localized_caller_name": (
            lambda: p.report_incoming(new_uuid(), localized_caller_name=BIG),
            "InvalidArgument", r"localized_caller_name.*" + s_limit),
        "ReportNewIncomingCall remote_handle value": (
            lambda: p.report_incoming(new_uuid(), remote_handle=("generic", BIG)),
            "InvalidArgument", r"remote_handle.*" + s_limit),
        "ReportNewIncomingCall remote_handle type": (
            lambda: report(w, "ReportNewIncomingCall", new_uuid(),
                           {"remote_handle": v("(ss)", (BIG, "x"))}),
            "InvalidArgument", r"remote_handle"),
        "ReportNewIncomingCall key": (
            lambda: report(w, "ReportNewIncomingCall", new_uuid(), {BIG: True}),
            "InvalidArgument", r"unknown key"),
        "ReportCallUpdated call": (lambda: p.report_updated(BIG, has_video=True),
                                   "InvalidArgument", r"UUID"),
        "ReportCallUpdated localized_caller_name": (
            lambda: p.report_updated(w.ringing, localized_caller_name=BIG),
            "InvalidArgument", r"localized_caller_name.*" + s_limit),
        "ReportCallUpdated remote_handle value": (
            lambda: p.report_updated(w.outgoing, remote_handle=("generic", BIG)),
            "InvalidArgument", r"remote_handle.*" + s_limit),
        "ReportCallUpdated remote_handle type": (
            lambda: report(w, "ReportCallUpdated", w.held,
                           {"remote_handle": v("(ss)", (BIG, ""))}),
            "InvalidArgument", r"remote_handle"),
        "ReportCallEnded call": (lambda: p.report_ended(BIG, "failed"),
                                 "InvalidArgument", r"UUID"),
        "ReportCallEnded reason": (lambda: p.report_ended(w.ringing, BIG),
                                   "InvalidArgument", r"reason"),
        "ReportOutgoingCallStartedConnecting call": (
            lambda: p.report_outgoing_connecting(BIG), "InvalidArgument", r"UUID"),
        "ReportOutgoingCallConnected call": (
            lambda: p.report_outgoing_connected(BIG), "InvalidArgument", r"UUID"),
        # Actions: no such action can exist.
        "FulfillAction action": (lambda: p.fulfill(BIG), "UnknownAction",
                                 r"no pending action"),
        "FulfillAction key": (lambda: fulfill_with(w, {BIG: v("x", 0)}),
                              "InvalidArgument", r"unknown key"),
        "FailAction action": (lambda: p.fail(BIG, "x"), "UnknownAction",
                              r"no pending action"),
        "FailAction reason": (lambda: p.fail(w.action.id, BIG),
                              "InvalidArgument", r"reason.*" + s_limit),
        # Transactions.
        "action type": (action(type=BIG, call=w.held), "InvalidArgument",
                        r"action 0\b.*'type'.*" + s_limit),
        "action call": (action(type="end-call", call=BIG), "InvalidArgument",
                        r"action 0\b.*'call'.*" + s_limit),
        "action key": (action(type="end-call", call=w.held, **{BIG: True}),
                       "InvalidArgument", r"action 0\b.*unknown key"),
        "action handle value": (
            action(type="start-call", call=new_uuid(), handle=("generic", BIG),
                   provider=("o", p.path)),
            "InvalidArgument", r"action 0\b.*'handle'.*" + s_limit),
        "action handle type": (
            action(type="start-call", call=new_uuid(),
                   handle=v("(ss)", (BIG, "bob")), provider=("o", p.path)),
            "InvalidArgument", r"action 0\b.*'handle'"),
        "action contact_identifier": (
            action(type="start-call", call=new_uuid(), contact_identifier=BIG,
                   provider=("o", p.path)),
            "InvalidArgument", r"action 0\b.*'contact_identifier'.*" + s_limit),
        "action provider": (
            action(type="start-call", call=new_uuid(), provider=("o", big_path)),
            "InvalidArgument", r"action 0\b.*'provider'.*" + s_limit),
        "action group_with": (
            action(type="set-group", call=w.held, group_with=BIG),
            "InvalidArgument", r"action 0\b.*'group_with'.*" + s_limit),
        "action digits": (
            action(type="play-dtmf", call=w.outgoing, digits="1" * MIB),
            "InvalidArgument", r"action 0\b.*'digits'.*" + dtmf_limit),
        "action dtmf_type": (
            action(type="play-dtmf", call=w.outgoing, digits="1", dtmf_type=BIG),
            "InvalidArgument", r"action 0\b.*'dtmf_type'.*" + s_limit),
        "Call.PlayDTMF digits": (
            lambda: w.client.call_method(w.outgoing, "PlayDTMF",
                                         ("(s)", ("1" * MIB,))),
            "InvalidArgument", r"digits.*" + dtmf_limit),
    }


BIG_CASES = [
    "config localized_name", "config icon_name", "config desktop_entry",
    "config ringtone", "config supported_handle_types", "config key",
    "set Configuration localized_name",
    "ReportNewIncomingCall call", "ReportNewIncomingCall localized_caller_name",
    "ReportNewIncomingCall remote_handle value",
    "ReportNewIncomingCall remote_handle type", "ReportNewIncomingCall key",
    "ReportCallUpdated call", "ReportCallUpdated localized_caller_name",
    "ReportCallUpdated remote_handle value",
    "ReportCallUpdated remote_handle type",
    "ReportCallEnded call", "ReportCallEnded reason",
    "ReportOutgoingCallStartedConnecting call",
    "ReportOutgoingCallConnected call",
    "FulfillAction action", "FulfillAction key", "FailAction action",
    "FailAction reason",
    "action type", "action call", "action key", "action handle value",
    "action handle type", "action contact_identifier", "action provider",
    "action group_with", "action digits", "action dtmf_type",
    "Call.PlayDTMF digits",
]


@pytest.mark.parametrize("case", BIG_CASES)
def test_one_mebibyte_string(world, case):
    limits = _limits(world)
    assert limits["string_length"] < MIB
    cases = _big_cases(world, limits)
    assert set(cases) == set(BIG_CASES)
    do, name, match = cases[case]
    before = snapshot(world.client)
    with refused(name, match):
        do()
    assert_unchanged(world, before)
    finish_pending_action(world)


def test_strings_at_the_limit_are_accepted(world):
    """Exactly string_length bytes pass, one more does not (multi-byte
    UTF-8 counts in bytes)."""
    limit = _limits(world)["string_length"]
    p, c = world.provider, world.client
    exact = "é" * (limit // 2)
    assert len(exact.encode()) == limit
    p.report_updated(world.ringing, localized_caller_name=exact)
    c.wait_for_call_property(world.ringing, "LocalizedCallerName", exact)
    before = snapshot(c)
    with refused("InvalidArgument", r"localized_caller_name.*\b%d\b" % limit):
        p.report_updated(world.ringing, localized_caller_name=exact + "x")
    assert_unchanged(world, before)


# ---------------------------------------------------------------------------
# Invalid UTF-8


def test_bytes_where_a_string_is_expected(world):
    """D-Bus strings are valid UTF-8 by definition, so the only way to hand
    callkitd raw bytes is another type: ``ay`` where ``s`` is expected is a
    type error naming the key."""
    raw = v("ay", b"\xff\xfe invalid \xc3\x28")
    before = snapshot(world.client)
    with refused("InvalidArgument", type_error("localized_name", "s")):
        register(world.client, {"localized_name": raw})
    with refused("InvalidArgument", type_error("localized_caller_name", "s")):
        report(world, "ReportNewIncomingCall", new_uuid(),
               {"localized_caller_name": raw})
    with refused("InvalidArgument", r"action 0\b.*" + type_error("call", "s")):
        transaction(world.client, [{"type": "end-call", "call": raw}])
    with refused("InvalidArgument", type_error("remote_handle", "(ss)")):
        report(world, "ReportCallUpdated", world.ringing,
               {"remote_handle": v("(say)", ("generic", b"\xff"))})
    assert_unchanged(world, before)


class RawBusConnection:
    """A D-Bus connection spoken by hand, to send what GDBus would refuse
    to build."""

    def __init__(self, address):
        path = None
        for part in address[len("unix:"):].split(","):
            if part.startswith("path="):
                path = part[len("path="):]
        assert path, address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(scaled(10))
        self.sock.connect(path)
        uid = str(os.getuid()).encode().hex().encode()
        self.sock.sendall(b"\0AUTH EXTERNAL " + uid + b"\r\n")
        line = self._read_line()
        assert line.startswith(b"OK "), line
        self.sock.sendall(b"BEGIN\r\n")
        self.serial = 0
        hello = self.send(Gio.DBusMessage.new_method_call(
            "org.freedesktop.DBus", "/org/freedesktop/DBus",
            "org.freedesktop.DBus", "Hello"))
        reply = self.receive()
        assert reply.get_reply_serial() == hello, reply.print_(0)
        self.unique_name = reply.get_body().unpack()[0]

    def _read_line(self):
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = self.sock.recv(1)
            assert chunk, "the bus closed the connection during auth"
            data += chunk
        return data

    def _read_exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def blob(self, message):
        self.serial += 1
        message.set_serial(self.serial)
        return message.to_blob(Gio.DBusCapabilityFlags.NONE)

    def send(self, message, patch=None):
        """Send ``message``; ``patch`` (old, new) replaces bytes in its
        serialised form first. Returns the serial."""
        data = self.blob(message)
        if patch is not None:
            old, new = patch
            assert len(old) == len(new) and data.count(old) == 1
            data = data.replace(old, new)
        self.sock.sendall(data)
        return self.serial

    def receive(self):
        """The next message, or None once the bus closed the connection."""
        header = self._read_exactly(16)
        if header is None:
            return None
        rest = self._read_exactly(Gio.DBusMessage.bytes_needed(header) - 16)
        if rest is None:
            return None
        return Gio.DBusMessage.new_from_blob(header + rest,
                                             Gio.DBusCapabilityFlags.NONE)

    def close(self):
        self.sock.close()


def test_invalid_utf8_string_on_the_wire(world, bus):
    """A message with invalid UTF-8 in an ``s`` never reaches callkitd: the
    bus (dbus-daemon validates every message) drops the sender's connection
    without an answer. callkitd sees at most the sender leave, and keeps
    running with nothing changed."""
    before = snapshot(world.client)
    raw = RawBusConnection(bus.address)
    marker = b"UTF8-MARKER-0123"
    message = Gio.DBusMessage.new_method_call(
        BUS_NAME, ROOT_PATH, MANAGER_IFACE, "RegisterProvider")
    message.set_body(GLib.Variant("(a{sv})", (
        {"localized_name": v("s", marker.decode())},)))
    serial = raw.send(message, patch=(marker, b"\xff\xfe\xc3\x28" * 4))
    answers = []
    while True:
        received = raw.receive()  # blocks until a message or EOF
        if received is None:
            break
        answers.append(received)
    raw.close()
    assert not [m for m in answers if m.get_reply_serial() == serial], (
        "callkitd answered a message with invalid UTF-8: %s"
        % [m.print_(0) for m in answers])
    assert_unchanged(world, before)
    assert not any(p.startswith(PROVIDER_PATH_PREFIX)
                   and o[PROVIDER_IFACE]["Owner"] == raw.unique_name
                   for p, o in world.client.managed_objects().items())


def test_valid_message_on_the_raw_connection(world, bus):
    """Positive control for the test above: the same message, unpatched,
    registers a provider."""
    raw = RawBusConnection(bus.address)
    message = Gio.DBusMessage.new_method_call(
        BUS_NAME, ROOT_PATH, MANAGER_IFACE, "RegisterProvider")
    message.set_body(GLib.Variant("(a{sv})", (
        {"localized_name": v("s", "UTF8-MARKER-0123")},)))
    serial = raw.send(message)
    while True:
        reply = raw.receive()
        assert reply is not None, "the bus closed a valid connection"
        if reply.get_reply_serial() == serial:
            break
    assert reply.get_message_type() == Gio.DBusMessageType.METHOD_RETURN, \
        reply.print_(0)
    path = reply.get_body().unpack()[0]
    assert path.startswith(PROVIDER_PATH_PREFIX)
    raw.close()
    # Its owner left: the provider goes.
    world.client.sync()
    wait_until(lambda: path not in world.client.managed_objects(),
               message="the raw connection's provider to go")


# ---------------------------------------------------------------------------
# Wrong method signatures: callkitd's own InvalidArgument, naming both


def _signature_cases(world):
    p, c = world.provider.path, world.ringing
    call = call_path(world.held)
    return [
        (ROOT_PATH, MANAGER_IFACE, "RegisterProvider", None),
        (ROOT_PATH, MANAGER_IFACE, "RegisterProvider", ("(s)", ("x",))),
        (ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
         ("(a{ss})", ({"localized_name": "x"},))),
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         ("(a{sv})", ({"type": v("s", "end-call")},))),
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         ("(aa{ss})", ([{"type": "end-call", "call": c}],))),
        (ROOT_PATH, CONTROLLER_IFACE, "RequestTransaction",
         ("(aa{sv}s)", ([], "x"))),
        (p, PROVIDER_IFACE, "ReportNewIncomingCall", ("(s)", (new_uuid(),))),
        (p, PROVIDER_IFACE, "ReportNewIncomingCall",
         ("(sa{ss})", (new_uuid(), {}))),
        (p, PROVIDER_IFACE, "ReportCallEnded", ("(ssi)", (c, "failed", 0))),
        (p, PROVIDER_IFACE, "ReportCallEnded", ("(ss)", (c, "failed"))),
        (p, PROVIDER_IFACE, "ReportCallEnded", ("(sst)", (c, "failed", 0))),
        (p, PROVIDER_IFACE, "ReportOutgoingCallConnected",
         ("(s)", (world.outgoing,))),
        (p, PROVIDER_IFACE, "FulfillAction", ("(s)", (world.action.id,))),
        (p, PROVIDER_IFACE, "FailAction", ("(sa{sv})", (world.action.id, {}))),
        (p, PROVIDER_IFACE, "Reset", ("(b)", (True,))),
        (call, CALL_IFACE, "SetHeld", ("(s)", ("false",))),
        (call, CALL_IFACE, "SetMuted", None),
        (call, CALL_IFACE, "PlayDTMF", ("(i)", (1,))),
        (call, CALL_IFACE, "End", ("(b)", (True,))),
    ]


def test_wrong_method_signatures(world):
    before = snapshot(world.client)
    for path, iface, method, args in _signature_cases(world):
        client = world.app if iface == PROVIDER_IFACE else world.client
        with refused("InvalidArgument", r"%s takes arguments of type \(.*\), not .*"
                     r"wrong signature" % method):
            client.call(path, iface, method, args)
    assert_unchanged(world, before)
    finish_pending_action(world)


def test_unknown_method_and_interface(world):
    before = snapshot(world.client)
    with refused("org.freedesktop.DBus.Error.UnknownMethod"):
        world.client.call(ROOT_PATH, MANAGER_IFACE, "RegisterProviders",
                          ("(a{sv})", ({},)))
    with refused("org.freedesktop.DBus.Error.UnknownMethod"):
        world.client.call(ROOT_PATH, BUS_NAME + ".Nope", "X")
    assert_unchanged(world, before)


def test_property_writes(world):
    """Configuration is the only writable property, and only as a{sv}."""
    before = snapshot(world.client)
    with refused("InvalidArgument", "Configuration takes a value of type a{sv}, not s"):
        world.app.call(world.provider.path, PROPERTIES_IFACE, "Set",
                       GLib.Variant("(ssv)", (PROVIDER_IFACE, "Configuration",
                                              v("s", "x"))))
    for path, iface, name, value in [
            (world.provider.path, PROVIDER_IFACE, "AudioSessionActive", v("b", True)),
            (world.provider.path, PROVIDER_IFACE, "Owner", v("s", ":1.1")),
            (world.provider.path, PROVIDER_IFACE, "ApplicationId", v("s", "x")),
            (call_path(world.ringing), CALL_IFACE, "State", v("s", "active")),
            (ROOT_PATH, MANAGER_IFACE, "Limits", vardict({}))]:
        with pytest.raises(GLib.Error) as excinfo:
            world.app.call(path, PROPERTIES_IFACE, "Set",
                           GLib.Variant("(ssv)", (iface, name, value)))
        name_got = Gio.DBusError.get_remote_error(excinfo.value)
        assert name_got in (INVALID_ARGS,
                            "org.freedesktop.DBus.Error.PropertyReadOnly"), (
            name, excinfo.value)
    assert_unchanged(world, before)


# ---------------------------------------------------------------------------
# Reasons, times, DTMF, handles, video


@pytest.mark.parametrize("reason", [
    "hung-up", "declined", "", "bogus", "Remote-Ended", "remote-ended ",
    "remote_ended"])
def test_report_call_ended_bad_reason(world, reason):
    """hung-up and declined are ends made here by an end-call action; a
    provider cannot report them."""
    before = snapshot(world.client)
    for uuid in (world.ringing, world.held, world.outgoing):
        with refused("InvalidArgument", r"reason|expected.*remote-ended"):
            world.provider.report_ended(uuid, reason)
    assert_unchanged(world, before)


@pytest.mark.parametrize("when", [-1, -(1 << 63)])
def test_negative_times(world, when):
    before = snapshot(world.client)
    p = world.provider
    with refused("InvalidArgument", r"ended_at|before 1970|time"):
        p.report_ended(world.ringing, "remote-ended", when)
    with refused("InvalidArgument", r"\bat\b|before 1970|time"):
        p.report_outgoing_connecting(world.outgoing, when)
    with refused("InvalidArgument", r"\bat\b|before 1970|time"):
        p.report_outgoing_connected(world.outgoing, when)
    with refused("InvalidArgument", r"date"):
        fulfill_with(world, {"date": v("x", when)})
    assert_unchanged(world, before)
    finish_pending_action(world)


def active_with_dtmf(world):
    """Connect the outgoing call: DTMF needs a connecting or active call."""
    world.provider.report_outgoing_connected(world.outgoing)
    world.client.wait_for_call_property(world.outgoing, "State", "active")
    return world.outgoing


@pytest.mark.parametrize("digits", [
    "", "12E", "1 2", "1-2", "#*0x", "\t", "١٢٣", "１", "1\u00e9",
    "1" * 129,
], ids=["empty", "E", "space", "dash", "x", "tab", "arabic", "fullwidth",
        "e-acute", "129 digits"])
def test_dtmf_bad_digits(world, digits):
    uuid = active_with_dtmf(world)
    before = snapshot(world.client)
    with refused("InvalidArgument", r"digits"):
        transaction(world.client, [{"type": "play-dtmf", "call": uuid,
                                    "digits": digits}])
    with refused("InvalidArgument", r"digits"):
        world.client.call_method(uuid, "PlayDTMF", ("(s)", (digits,)))
    assert_unchanged(world, before)


def test_dtmf_bad_type_and_good_digits(world):
    uuid = active_with_dtmf(world)
    before = snapshot(world.client)
    for dtmf_type in ("triple-tone", "", "Single-Tone"):
        with refused("InvalidArgument", r"dtmf_type"):
            transaction(world.client, [{"type": "play-dtmf", "call": uuid,
                                        "digits": "1", "dtmf_type": dtmf_type}])
    assert_unchanged(world, before)
    # Positive control: the whole alphabet, at the length limit.
    digits = ("0123456789*#ABCD" * 8)[:128]
    client = world.client
    client.request_transaction([{"type": "play-dtmf", "call": uuid,
                                 "digits": digits, "dtmf_type": "hard-pause"}])
    action = world.provider.wait_for_action("play-dtmf", uuid)
    assert action.parameters["digits"] == digits
    assert action.parameters["dtmf_type"] == "hard-pause"
    world.provider.fulfill(action.id)


def test_start_call_unsupported_handle_type_and_video(world):
    app, client = world.app, world.client
    phone_only = app.register_provider({
        "localized_name": "Phone only", "supported_handle_types": ["phone-number"]})
    before = snapshot(client)
    with refused("InvalidAction", r"email-address"):
        transaction(client, [{"type": "start-call", "call": new_uuid(),
                              "provider": ("o", phone_only.path),
                              "handle": ("email-address", "bob@example.org")}])
    with refused("InvalidAction", r"video"):
        transaction(client, [{"type": "start-call", "call": new_uuid(),
                              "provider": ("o", phone_only.path),
                              "handle": ("phone-number", "+4930123"),
                              "video": True}])
    with refused("InvalidArgument", r"'handle'.*fax"):
        transaction(client, [{"type": "start-call", "call": new_uuid(),
                              "provider": ("o", phone_only.path),
                              "handle": v("(ss)", ("fax", "+4930123"))}])
    with refused("InvalidArgument", r"remote_handle.*fax"):
        world.provider.report_incoming(new_uuid(), remote_handle=v(
            "(ss)", ("fax", "1")))
    assert_unchanged(world, before)
    phone_only.assert_no_signal("PerformAction")

    # Positive control: a supported handle, and video where supported
    # (the dialing call ends first: one active call at a time).
    world.provider.report_ended(world.outgoing, "remote-ended")
    world.provider.set_configuration({"supports_video": True,
                                      "action_timeout_ms": ("u", 600000)})
    uuid = new_uuid()
    client.request_transaction([{"type": "start-call", "call": uuid,
                                 "provider": ("o", world.provider.path),
                                 "handle": ("email-address", "c@example.org"),
                                 "video": True}])
    action = world.provider.wait_for_action("start-call", uuid)
    assert action.parameters["video"] is True


def test_handle_type_is_needed_with_a_value(world):
    """("", "") is the documented unknown caller; a value without a type is
    not."""
    before = snapshot(world.client)
    with refused("InvalidArgument", r"remote_handle.*handle type ''"):
        world.provider.report_incoming(new_uuid(),
                                       remote_handle=v("(ss)", ("", "+4930")))
    with refused("InvalidArgument", r"action 0\b.*'handle'"):
        transaction(world.client, [{"type": "start-call", "call": new_uuid(),
                                    "provider": ("o", world.provider.path),
                                    "handle": v("(ss)", ("", "bob"))}])
    assert_unchanged(world, before)
    unknown = new_uuid()
    world.provider.report_incoming(unknown, remote_handle=v("(ss)", ("", "")))
    assert world.client.wait_for_call(unknown)["RemoteHandle"][1] == ""


def test_supported_handle_types_is_bounded(world):
    """There are three handle types. A list repeating them is refused
    (InvalidArgument naming the key) or stored with each type once; callkitd
    never keeps (and re-broadcasts to every observer) a list of 100000."""
    repeated = ["generic"] * 100000 + ["phone-number"]
    try:
        path = register(world.client, {"supported_handle_types": repeated})
    except GLib.Error as e:
        assert Gio.DBusError.get_remote_error(e) == E("InvalidArgument")
        assert "supported_handle_types" in e.message
        assert len(e.message) <= MAX_MESSAGE
        return
    stored = world.client.get_property(path, PROVIDER_IFACE, "Configuration")[
        "supported_handle_types"]
    assert sorted(stored) == ["generic", "phone-number"], (
        "%d handle types stored" % len(stored))
