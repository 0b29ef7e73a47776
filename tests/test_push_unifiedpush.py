# SPDX-License-Identifier: LGPL-2.1-or-later
"""UnifiedPush as the PushRegistry's transport, against a distributor
written to the D-Bus specification (tests/unifiedpush_distributor.py, on
the private bus, no network): callkitd registers each token as a
connector instance (Distributor2, or Distributor1 where that is all the
distributor has), serves the connector interfaces, publishes endpoints,
and feeds every message through the same rules as DeliverPush, reading
the JSON envelope and delivering a malformed one as it is."""

import json
import os
import subprocess
import sys

import pytest
from gi.repository import GLib

from harness import (
    PUSH_IFACE, ROOT_PATH, TESTS_DIR, new_uuid, raises_dbus_error, scaled, wait_until)
from push_harness import APP_ID, PushApp, now_us, registration, write_push_conf
from test_libcallkit_push import start_push_app, words  # noqa: F401 - a fixture

DISTRIBUTOR = "org.unifiedpush.Distributor.test"
CONTROL = "org.example.TestDistributor"
SECOND = 1000000


class Distributor:
    """The spec distributor as a child process, and its control interface
    seen from a test client."""

    def __init__(self, bus, client, log_path, *args, name="test"):
        self.client = client
        self.name = "org.unifiedpush.Distributor." + name
        self._log = open(log_path, "ab")
        env = dict(os.environ)
        env.update(bus.env)
        self.proc = subprocess.Popen(
            [sys.executable, str(TESTS_DIR / "unifiedpush_distributor.py"), "--name", name]
            + list(args), stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            env=env)
        self.owner = bus.wait_for_name_owner(self.name, process=self.proc)

    def control(self, method, args=None):
        return self.client.call("/Control", CONTROL, method, args, dest=self.name)

    def clients(self):
        return {c["token"]: c for c in self.control("Clients")}

    def wait_client(self, token):
        return wait_until(lambda: self.clients().get(token), poll_interval=0.02,
                          message="the distributor to register %s" % token)

    def log(self):
        return self.control("Log")

    def wait_log(self, line):
        wait_until(lambda: line in self.log(), poll_interval=0.02,
                   message="%r in the distributor's log" % line)

    def push(self, endpoint, body, message_id=""):
        """What a POST to the endpoint does."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        return self.control("Push", GLib.Variant("(says)", (endpoint, body, message_id)))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=scaled(10))
        self._log.close()


@pytest.fixture
def start_distributor(bus, make_client, tmp_path):
    distributors = []
    observer = make_client("distributor-control")

    def start(*args, name="test"):
        d = Distributor(bus, observer, tmp_path / ("distributor-%d.log" % len(distributors)),
                        *args, name=name)
        distributors.append(d)
        return d

    yield start
    for d in distributors:
        d.stop()


@pytest.fixture
def callkitd(request, bus, start_daemon):
    marker = request.node.get_closest_marker("push_conf")
    write_push_conf(bus, **(dict(marker.kwargs) if marker else {}))
    return start_daemon()


def distributor_of(client):
    return client.get_property(ROOT_PATH, PUSH_IFACE, "Distributor")


@pytest.fixture
def up(callkitd, client, start_distributor):
    """A Distributor2 distributor that callkitd uses."""
    distributor = start_distributor()
    wait_until(lambda: distributor_of(client) == distributor.name, poll_interval=0.02,
               message="callkitd to use the distributor")
    return distributor


@pytest.fixture
def push_app(app, up):
    pushes = PushApp(app)
    pushes.register()
    up.wait_client(pushes.token)
    pushes.endpoint = pushes.wait_endpoint()
    yield pushes
    pushes.close()


def test_registration_gives_an_endpoint(client, up, push_app):
    entry = up.clients()[push_app.token]
    # callkitd is the connector, under its own name, one instance per token.
    assert entry["service"] == "io.github.callkitd.CallKit1"
    assert entry["description"] == APP_ID
    assert entry["version"] == 2
    assert push_app.endpoint == entry["endpoint"]
    assert push_app.endpoint.startswith("https://push.example.org/up/")
    assert registration(client)["endpoint"] == push_app.endpoint
    # Kept across a restart of the app: the same endpoint comes again.
    push_app.register()
    assert push_app.wait_endpoint() == push_app.endpoint


def test_message_through_the_rules(client, up, push_app):
    uuid = new_uuid()
    body = {"push_id": "up-1", "sent_at": now_us(), "call_uuid": uuid,
            "remote_handle": {"type": "phone-number", "value": "+4930123"},
            "localized_caller_name": "Ada", "room": "!abc:example.org"}
    assert up.push(push_app.endpoint, body, "msg-1") is True
    push = push_app.wait_push()
    # The body reaches the app untouched, its own keys too.
    assert json.loads(push.payload) == body
    meta = push.metadata
    assert meta["transport"] == "unifiedpush"
    assert meta["must_report"] is True
    assert (meta["push_id"], meta["call_uuid"]) == ("up-1", uuid)
    assert meta["remote_handle"] == ("phone-number", "+4930123")
    assert meta["localized_caller_name"] == "Ada"
    assert "envelope_error" not in meta
    # Distributor2: the message was acknowledged with its id.
    up.wait_log("ack msg-1")
    # The same rules as DeliverPush: a duplicate, an expired one, a stale one.
    up.push(push_app.endpoint, body, "msg-2")
    up.push(push_app.endpoint, {"push_id": "up-2", "expires_at": now_us() - SECOND}, "msg-3")
    up.push(push_app.endpoint, {"push_id": "up-3", "sent_at": now_us() - 600 * SECOND,
                                "remote_handle": ["generic", "bob"]}, "msg-4")
    stale = push_app.wait_push()
    assert stale.metadata["reason"] == "stale"
    assert stale.metadata["remote_handle"] == ("generic", "bob")
    up.wait_log("ack msg-4")
    push_app.assert_no_signal()
    outcomes = registration(client)["outcomes"]
    assert (outcomes["duplicate"], outcomes["expired"], outcomes["delivered"]) == (1, 1, 2)


@pytest.mark.parametrize("body,error,known", [
    (b"\x00\xffnot json", "not JSON", {}),
    # White space alone parses without a root (fuzz-push-envelope.c).
    (b" \n\t", "not JSON: empty", {}),
    (b"[1, 2, 3]", "not a JSON object", {}),
    (json.dumps({"push_id": "m1", "sent_at": "yesterday", "call_uuid": "nope",
                 "localized_caller_name": "Ada"}).encode(),
     "'sent_at' has the wrong JSON type; metadata: 'call_uuid' is 'nope', not a UUID",
     {"push_id": "m1", "localized_caller_name": "Ada"}),
    # Unpaired UTF-16 surrogates: json-glib gives bytes that are no UTF-8
    # (found by tests/fuzz/fuzz-push-envelope.c).
    (b'{"push_id": "m2", "localized_caller_name": "\\ud83dL", '
     b'"remote_handle": ["generic", "\\udc69A"]}',
     "'remote_handle' is not valid UTF-8; 'localized_caller_name' is not valid UTF-8",
     {"push_id": "m2"}),
    # json-glib's error quotes the bad bytes of a broken escape.
    (b'{"localized_caller_name": "\\u00c\xcc\x93"localized_caller_name"push_id": ""}',
     "not JSON", {}),
])
def test_malformed_envelope_is_delivered_as_it_is(callkitd, up, push_app, body, error, known):
    up.push(push_app.endpoint, body, "bad")
    push = push_app.wait_push()
    assert push.payload == body
    meta = push.metadata
    assert meta["envelope_error"].startswith(error)
    # Decided on what is known: nothing says it is no call.
    assert meta["must_report"] is True
    for key, value in known.items():
        assert meta[key] == value
    assert "sent_at" not in meta and "call_uuid" not in meta
    assert "delivered as it is" in callkitd.log_text()


def test_only_the_distributor_may_call_the_connector(client, up, push_app, make_client):
    intruder = make_client("intruder")
    args = GLib.Variant("(a{sv})", ({"token": GLib.Variant("s", push_app.token),
                                     "message": GLib.Variant("ay", b"{}")},))
    with raises_dbus_error("org.freedesktop.DBus.Error.AccessDenied", match="only the UnifiedPush"):
        intruder.call("/org/unifiedpush/Connector", "org.unifiedpush.Connector2", "Message", args)
    intruder.call("/org/unifiedpush/Connector", "org.unifiedpush.Connector1", "NewEndpoint",
                  GLib.Variant("(ss)", (push_app.token, "https://evil.example.org/")))
    push_app.assert_no_signal()
    push_app.assert_no_signal("EndpointChanged")
    assert registration(client)["endpoint"] == push_app.endpoint


def test_unknown_tokens_and_bad_endpoints_are_ignored(client, up, push_app):
    """As the specification says of calls it cannot match."""
    up.control("Drop", GLib.Variant("(s)", (push_app.token,)))
    assert push_app.wait_endpoint() == ""
    assert registration(client)["endpoint"] == ""


def test_unregister_unregisters_the_token(client, up, push_app):
    push_app.unregister()
    up.wait_log("unregister %s" % push_app.token)
    assert push_app.token not in up.clients()


def test_flood_through_unifiedpush(client, up, push_app):
    for i in range(60):
        up.push(push_app.endpoint, {"push_id": "f%d" % i}, "f%d" % i)
    up.wait_log("ack f59")
    entry = registration(client)
    assert entry["outcomes"]["rejected"] > 0
    # Never twice, never lost: each message has one counted outcome.
    assert entry["outcomes"]["delivered"] + entry["outcomes"]["rejected"] == 60
    delivered = entry["outcomes"]["delivered"]
    ids = [push_app.wait_push().metadata["push_id"] for _ in range(delivered)]
    assert len(set(ids)) == delivered
    push_app.assert_no_signal()


def test_distributor1_only(callkitd, client, app, start_distributor):
    up = start_distributor("--v1-only")
    wait_until(lambda: distributor_of(client) == up.name, poll_interval=0.02,
               message="callkitd to use the distributor")
    pushes = PushApp(app)
    pushes.register()
    assert up.wait_client(pushes.token)["version"] == 1
    endpoint = pushes.wait_endpoint()
    up.push(endpoint, {"push_id": "v1", "localized_caller_name": "Ada"})
    meta = pushes.wait_push().metadata
    assert (meta["push_id"], meta["transport"]) == ("v1", "unifiedpush")


def test_distributor1_string_messages(callkitd, client, app, start_distributor):
    up = start_distributor("--v1-only", "--string-messages")
    wait_until(lambda: distributor_of(client) == up.name, poll_interval=0.02,
               message="callkitd to use the distributor")
    pushes = PushApp(app)
    pushes.register()
    endpoint = pushes.wait_endpoint()
    up.push(endpoint, {"push_id": "as-string"})
    assert pushes.wait_push().payload == json.dumps({"push_id": "as-string"}).encode()


def test_distributor_that_comes_later_and_restarts(callkitd, client, app, start_distributor):
    pushes = PushApp(app)
    pushes.register()
    assert distributor_of(client) == ""
    assert registration(client)["endpoint"] == ""
    first = start_distributor()
    # callkitd sees it appear and registers the tokens it has.
    first.wait_client(pushes.token)
    endpoint = pushes.wait_endpoint()
    assert distributor_of(client) == first.name
    first.stop()
    wait_until(lambda: distributor_of(client) == "", poll_interval=0.02,
               message="callkitd to see the distributor go")
    # The endpoint stays: the distributor's server still has it.
    assert registration(client)["endpoint"] == endpoint
    second = start_distributor()
    second.wait_client(pushes.token)
    assert pushes.wait_endpoint() != endpoint


def test_endpoint_survives_a_restart_of_callkitd(callkitd, client, push_app, start_daemon,
                                                  make_client):
    assert callkitd.stop() == 0
    start_daemon()
    assert registration(make_client("after"))["endpoint"] == push_app.endpoint


@pytest.mark.push_conf(unifiedpush=False)
def test_unifiedpush_can_be_turned_off(callkitd, client, app, start_distributor):
    up = start_distributor()
    pushes = PushApp(app)
    pushes.register()
    client.sync()
    assert distributor_of(client) == ""
    assert pushes.token not in up.clients()


def test_libcallkit_app_gets_its_endpoint(client, up, start_push_app):
    app = start_push_app()
    endpoint = app.expect("endpoint")[1]
    assert endpoint == registration(client)["endpoint"] != ""
    assert app.ok("endpoint")[2] == endpoint
    up.push(endpoint, {"push_id": "lck", "localized_caller_name": "Ada"})
    push = words(app.expect("push"))
    assert (push["transport"], push["push_id"], push["name"]) == ("unifiedpush", "lck", "Ada")
