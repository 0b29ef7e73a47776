# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PushRegistry: registration and tokens, every delivery rule, report
deadlines, violations and throttling, bad input and limits. A push is
never delivered twice and never lost without a counted outcome.

Apps are real clients on the private bus (harness.Client with
push_harness.PushApp); the transport is DeliverPush. D-Bus activation,
UnifiedPush and the real-world scenarios have files of their own."""

import re
import signal

import pytest
from gi.repository import GLib

from harness import (
    PUSH_IFACE, ROOT_PATH, new_uuid, raises_dbus_error, ring, vardict, wait_until)
from push_harness import (
    APP_ID, PushApp, deliver, installed_once, now_us, registration, registrations,
    write_push_conf)

SECOND = 1000000


@pytest.fixture
def push_conf(request, bus):
    """callkitd.conf's [Push] keys, from @pytest.mark.push_conf(...)."""
    marker = request.node.get_closest_marker("push_conf")
    keys = dict(marker.kwargs) if marker else {}
    # No distributor runs here: UnifiedPush stays out of these tests.
    keys.setdefault("unifiedpush", False)
    return write_push_conf(bus, **keys)


@pytest.fixture
def callkitd(push_conf, start_daemon):
    return start_daemon()


@pytest.fixture
def push_app(app):
    """The app (harness fixture ``app``) registered for pushes."""
    pushes = PushApp(app)
    pushes.register()
    yield pushes
    pushes.close()


# ---------------------------------------------------------------------------
# Registering, tokens


def test_register_gives_a_stable_token(bus, callkitd, make_client, start_daemon):
    first = PushApp(make_client("app1"))
    token = first.register()
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert first.register() == token
    # Another connection of the app (a restart of the app) gets it too,
    # and becomes the one pushes go to.
    second = PushApp(make_client("app2"))
    assert second.register() == token
    entry = registration(second.client)
    assert entry["token"] == token
    assert entry["bus_name"] == APP_ID
    assert entry["connected"] is True
    # Another app id has another token.
    other = PushApp(make_client("other"), "org.example.Other")
    assert other.register() != token

    # Saved, and the same after callkitd restarts.
    store = bus.home / ".local" / "state" / "callkitd" / "push-registrations"
    assert token in store.read_text()
    assert callkitd.stop() == 0
    start_daemon()
    again = PushApp(make_client("app3"))
    assert again.register() == token
    assert other.register() != token


def test_token_is_kept_after_unregister(client, push_app):
    token = push_app.token
    push_app.unregister()
    assert APP_ID not in registrations(client)
    with raises_dbus_error("UnknownPushToken", match="registered"):
        deliver(client, token, b"x")
    assert push_app.register() == token
    assert deliver(client, token, b"x") == "delivered"


def test_tokens_survive_kills(bus, push_conf, start_daemon, make_client):
    """A kill at any instant leaves the old registrations or the new
    ones: every token callkitd handed out before the kill comes back."""
    client = make_client("registering")
    seen = {}
    for round_ in range(3):
        daemon = start_daemon()
        pending = {}
        for i in range(40):
            app_id = "org.example.App%d" % i
            pending[app_id] = client.call_async(
                ROOT_PATH, PUSH_IFACE, "Register",
                GLib.Variant.new_tuple(vardict({"app_id": app_id})))
        # Kill once some (a different number each round) have answered.
        wanted = 5 + 12 * round_
        wait_until(lambda: sum(p.done for p in pending.values()) >= wanted, timeout=20,
                   message="%d registrations" % wanted)
        daemon.stop(signal.SIGKILL)
        for app_id, call in pending.items():
            if call.done:
                try:
                    token = call.result()
                except GLib.Error:
                    continue
                assert seen.setdefault(app_id, token) == token
        bus.wait_for_name_lost("io.github.callkitd.CallKit1")
    # As a kill during a write leaves it, whatever the rounds above left.
    state = bus.home / ".local" / "state" / "callkitd"
    (state / "push-registrations.Xk3q9Z").write_text("[half written")
    start_daemon()
    for app_id, token in seen.items():
        assert client.call(ROOT_PATH, PUSH_IFACE, "Register", GLib.Variant.new_tuple(
            vardict({"app_id": app_id}))) == token
    assert len(seen) >= 5
    # What a killed write left beside the file is gone.
    assert sorted(p.name for p in state.iterdir()) == ["push-registrations"]


@pytest.mark.parametrize("options,error,match", [
    ({}, "InvalidArgument", "app_id"),
    ({"app_id": "Phone"}, "InvalidArgument", "reverse-DNS"),
    ({"app_id": "org.example.App", "bus_name": ":1.7"}, "InvalidArgument", "bus_name"),
    ({"app_id": "org.example.App", "bus_name": "not a name"}, "InvalidArgument", "bus_name"),
    ({"app_id": "org.example.App", "development": "yes"}, "InvalidArgument",
     "development.*type b"),
    ({"app_id": "org.example.App", "colour": "red"}, "InvalidArgument", "colour"),
])
def test_register_refuses_bad_options(client, options, error, match):
    with raises_dbus_error(error, match=match):
        client.call(ROOT_PATH, PUSH_IFACE, "Register", GLib.Variant.new_tuple(vardict(options)))
    assert registrations(client) == {}


def test_unknown_token(client):
    token = "0" * 32
    with raises_dbus_error("UnknownPushToken", match=token):
        deliver(client, token, b"x")
    for method, args in (("Unregister", GLib.Variant("(s)", (token,))),
                         ("SetForeground", GLib.Variant("(sb)", (token, True)))):
        with raises_dbus_error("UnknownPushToken"):
            client.call(ROOT_PATH, PUSH_IFACE, method, args)


def test_wrong_signature_is_named(client):
    with raises_dbus_error("InvalidArgument", match=r"DeliverPush takes arguments of type"):
        client.call(ROOT_PATH, PUSH_IFACE, "DeliverPush", GLib.Variant("(ss)", ("a", "b")))


# ---------------------------------------------------------------------------
# Bad input and limits


@pytest.mark.parametrize("metadata,match", [
    ({"sent_at": GLib.Variant("s", "yesterday")}, "'sent_at' must be of type x, not s"),
    ({"expires_at": GLib.Variant("u", 5)}, "'expires_at' must be of type x"),
    ({"call_uuid": "not-a-uuid"}, "'call_uuid' is 'not-a-uuid', not a UUID"),
    ({"remote_handle": GLib.Variant("s", "+4930123")}, "'remote_handle' must be of type"),
    ({"remote_handle": ("fax", "+4930123")}, "handle type 'fax'"),
    ({"push_id": GLib.Variant("u", 7)}, "'push_id' must be of type s"),
    ({"sent_at": -5}, "'sent_at' is a time before 1970"),
    ({"priority": "high"}, "unknown key 'priority'"),
])
def test_malformed_metadata(client, push_app, metadata, match):
    with raises_dbus_error("InvalidArgument", match=match):
        deliver(client, push_app.token, b"x", **metadata)
    push_app.assert_no_signal()
    assert registration(client)["delivered"] == 0


def test_payload_limit(client, push_app):
    limit = client.manager_property("Limits")["push_payload_bytes"]
    assert limit == 8192
    with raises_dbus_error("LimitExceeded", match="8193 bytes.*8192"):
        deliver(client, push_app.token, b"x" * (limit + 1))
    assert deliver(client, push_app.token, b"y" * limit) == "delivered"
    push = push_app.wait_push()
    assert push.payload == b"y" * limit
    entry = registration(client)
    assert entry["outcomes"]["rejected"] == 1
    assert entry["delivered"] == 1


def test_rate_limit_per_token(client, push_app, make_client):
    other = PushApp(make_client("other"), "org.example.Other")
    other.register()
    calls = [client.call_async(ROOT_PATH, PUSH_IFACE, "DeliverPush", GLib.Variant.new_tuple(
        GLib.Variant("s", push_app.token), GLib.Variant("ay", b"p"),
        vardict({"push_id": "p%d" % i, "localized_caller_name": "Ada"})))
        for i in range(60)]
    outcomes = []
    for call in calls:
        try:
            outcomes.append(call.result())
        except GLib.Error as e:
            outcomes.append(e)
    refused = [o for o in outcomes if not isinstance(o, str)]
    assert refused, "60 pushes at once went through the rate limit"
    for error in refused:
        with raises_dbus_error("LimitExceeded", match="faster than 10 a second"):
            raise error
    # Another token is not held back by this one's flood.
    assert deliver(client, other.token, b"q") == "delivered"
    entry = registration(client)
    # Every push has exactly one counted outcome.
    assert entry["outcomes"]["rejected"] == len(refused)
    assert entry["outcomes"]["delivered"] == len(outcomes) - len(refused)
    assert entry["delivered"] == len(outcomes) - len(refused)


# ---------------------------------------------------------------------------
# The rules, one by one


def test_must_report_by_default(client, push_app):
    before = now_us()
    assert deliver(client, push_app.token, b"hello", push_id="p1", sent_at=now_us(),
                   remote_handle=("phone-number", "+4930123")) == "delivered"
    push = push_app.wait_push()
    assert push.token == push_app.token
    assert push.payload == b"hello"
    meta = push.metadata
    assert meta["must_report"] is True
    assert meta["reason"] == ""
    assert meta["push_id"] == "p1"
    assert meta["remote_handle"] == ("phone-number", "+4930123")
    assert meta["transport"] == "deliver-push"
    assert before <= meta["received_at"] <= now_us()
    # report_by: the default deadline after delivery.
    assert meta["report_by"] - meta["received_at"] >= 10 * SECOND
    assert meta["report_by"] - meta["received_at"] < 11 * SECOND + (now_us() - before)


def test_expired_is_dropped(client, push_app):
    assert deliver(client, push_app.token, b"x", expires_at=now_us() - 1) == "expired"
    assert deliver(client, push_app.token, b"x", expires_at=now_us() + 60 * SECOND) == "delivered"
    push_app.wait_push()
    push_app.assert_no_signal()
    assert registration(client)["outcomes"]["expired"] == 1


def test_duplicate_push_id_is_not_delivered_again(client, push_app):
    assert deliver(client, push_app.token, b"1", push_id="same") == "delivered"
    assert deliver(client, push_app.token, b"2", push_id="same") == "duplicate"
    assert deliver(client, push_app.token, b"3", push_id="other") == "delivered"
    assert [push_app.wait_push().payload for _ in range(2)] == [b"1", b"3"]
    push_app.assert_no_signal()
    entry = registration(client)
    assert entry["outcomes"]["duplicate"] == 1
    assert entry["delivered"] == 2


def test_push_for_a_live_call_asks_for_no_report(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    uuid = ring(provider, client, remote_handle=("phone-number", "+4930123"))
    assert deliver(client, push_app.token, b"cancel", call_uuid=uuid.upper()) == "delivered"
    meta = push_app.wait_push().metadata
    assert meta["must_report"] is False
    assert meta["reason"] == "active-call"
    assert meta["call_uuid"] == uuid
    assert "report_by" not in meta


def test_push_for_an_ended_call_rings_nothing(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    uuid = ring(provider, client)
    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    assert deliver(client, push_app.token, b"late", call_uuid=uuid) == "call-ended"
    push_app.assert_no_signal()
    assert registration(client)["outcomes"]["call-ended"] == 1


def test_stale_push_is_delivered_without_duty(client, push_app):
    uuid = new_uuid()
    assert deliver(client, push_app.token, b"old", call_uuid=uuid,
                   sent_at=now_us() - 31 * SECOND) == "delivered"
    meta = push_app.wait_push().metadata
    assert meta["must_report"] is False
    assert meta["reason"] == "stale"
    # Its call never rings: a report of it is refused, a later push
    # about it rings nothing.
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    with raises_dbus_error("CallUUIDAlreadyExists"):
        provider.report_incoming(uuid)
    assert deliver(client, push_app.token, b"again", call_uuid=uuid) == "call-ended"


@pytest.mark.push_conf(stale_after_seconds=5)
def test_stale_threshold_is_a_setting(client, push_app):
    deliver(client, push_app.token, b"x", sent_at=now_us() - 6 * SECOND)
    assert push_app.wait_push().metadata["reason"] == "stale"
    deliver(client, push_app.token, b"x", sent_at=now_us() - 2 * SECOND)
    assert push_app.wait_push().metadata["must_report"] is True


def test_app_on_a_call_need_not_report(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    ring(provider, client)
    deliver(client, push_app.token, b"second")
    meta = push_app.wait_push().metadata
    assert (meta["must_report"], meta["reason"]) == (False, "active-call")


def test_app_in_the_foreground_need_not_report(client, push_app):
    push_app.set_foreground(True)
    assert registration(client)["foreground"] is True
    deliver(client, push_app.token, b"fg")
    meta = push_app.wait_push().metadata
    assert (meta["must_report"], meta["reason"]) == (False, "foreground")
    push_app.set_foreground(False)
    deliver(client, push_app.token, b"bg")
    assert push_app.wait_push().metadata["must_report"] is True


def test_push_goes_to_the_registered_connection_only(client, push_app, make_client):
    bystander = PushApp(make_client("bystander"), "org.example.Bystander")
    bystander.register()
    deliver(client, push_app.token, b"mine")
    push_app.wait_push()
    bystander.assert_no_signal()


# ---------------------------------------------------------------------------
# Report deadlines


@pytest.mark.push_conf(report_deadline_ms=2000)
def test_reporting_in_time_is_no_violation(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    uuid = new_uuid()
    deliver(client, push_app.token, b"a", push_id="reported", call_uuid=uuid)
    push_app.wait_push()
    provider.report_incoming(uuid, remote_handle=("phone-number", "+4930123"))
    assert registration(client)["pending_reports"] == 0
    # A push nobody reports, sent after: its deadline is the later one,
    # so when it is missed the first one's has passed too.
    provider.report_ended(uuid, "remote-ended")
    deliver(client, push_app.token, b"b", push_id="ignored")
    push_app.wait_push()
    assert push_app.wait_deadline_missed(timeout=10) == (push_app.token, "ignored")
    push_app.assert_no_signal("ReportDeadlineMissed")
    assert registration(client)["violations"] == 1


@pytest.mark.push_conf(report_deadline_ms=300)
def test_missed_deadline(callkitd, client, push_app):
    deliver(client, push_app.token, b"a", push_id="p-missed")
    push = push_app.wait_push()
    # The deadline runs from the delivery.
    assert push.metadata["received_at"] + 300000 <= push.metadata["report_by"]
    assert push.metadata["report_by"] <= now_us() + 300000
    assert push_app.wait_deadline_missed() == (push_app.token, "p-missed")
    entry = registration(client)
    assert entry["violations"] == 1
    assert entry["pending_reports"] == 0
    assert "did not report a call for push 'p-missed'" in callkitd.log_text()


@pytest.mark.push_conf(report_deadline_ms=300)
def test_a_report_of_another_call_does_not_count(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    deliver(client, push_app.token, b"a", push_id="named", call_uuid=new_uuid())
    push_app.wait_push()
    ring(provider, client)
    assert push_app.wait_deadline_missed() == (push_app.token, "named")


@pytest.mark.push_conf(report_deadline_ms=2000)
def test_any_call_reports_a_push_that_names_none(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    deliver(client, push_app.token, b"a", push_id="any")
    push_app.wait_push()
    ring(provider, client)
    assert registration(client)["pending_reports"] == 0


@pytest.mark.push_conf(report_deadline_ms=300, violations_before_throttle=2,
                       throttle_seconds=2)
def test_repeated_violations_throttle(callkitd, client, push_app):
    for i in range(2):
        deliver(client, push_app.token, b"x", push_id="v%d" % i)
        push_app.wait_push()
        push_app.wait_deadline_missed()
    entry = registration(client)
    assert entry["violations"] == 2
    assert entry["throttled_until"] > now_us()
    assert "held back for 2 s" in callkitd.log_text()
    # Held back: a push that would oblige a report...
    assert deliver(client, push_app.token, b"t", push_id="t1") == "throttled"
    push_app.assert_no_signal()
    # ...but not one that obliges nothing.
    push_app.set_foreground(True)
    assert deliver(client, push_app.token, b"f", push_id="f1") == "delivered"
    assert push_app.wait_push().metadata["reason"] == "foreground"
    push_app.set_foreground(False)
    # It ends by itself; the throttled push was not remembered as seen.
    wait_until(lambda: registration(client)["throttled_until"] == 0, timeout=10,
               poll_interval=0.1, message="the throttle to end")
    assert deliver(client, push_app.token, b"t", push_id="t1") == "delivered"
    assert registration(client)["outcomes"]["throttled"] == 1


# ---------------------------------------------------------------------------
# Connections that leave, outcomes that add up


@pytest.mark.push_conf(activation_timeout_ms=500)
def test_app_that_never_comes_back_counts_as_missed(callkitd, client, make_client):
    token = installed_once(client, make_client)
    # Nothing activatable under its bus name: queued, then missed.
    assert deliver(client, token, b"x", push_id="lost") == "queued"
    assert registration(client)["queued"] == 1
    wait_until(lambda: registration(client)["outcomes"]["missed"] == 1, timeout=10,
               poll_interval=0.05, message="the queued push to be counted missed")
    assert registration(client)["queued"] == 0
    assert "push 'lost' is counted as missed" in callkitd.log_text()


def test_every_push_has_one_counted_outcome(client, push_app):
    provider = push_app.client.register_provider({"localized_name": "VoIP"})
    ended = ring(provider, client)
    provider.report_ended(ended, "remote-ended")
    sent = [
        dict(push_id="a"), dict(push_id="a"), dict(expires_at=1),
        dict(call_uuid=ended), dict(sent_at=now_us() - 60 * SECOND),
        dict(push_id="b"),
    ]
    outcomes = [deliver(client, push_app.token, b"x", **m) for m in sent]
    assert outcomes == ["delivered", "duplicate", "expired", "call-ended", "delivered",
                        "delivered"]
    entry = registration(client)
    counted = sum(entry["outcomes"].values())
    assert counted == len(sent)
    assert entry["delivered"] == 3
    for _ in range(3):
        push_app.wait_push()
    push_app.assert_no_signal()


# ---------------------------------------------------------------------------
# Sandboxed apps (bubblewrap with a .flatpak-info, as test_robustness_auth.py)

from test_robustness_auth import bwrap_works, sandboxed  # noqa: E402,F401 - fixtures

SANDBOXED_ID = "org.example.Sandboxed"


def sandbox_register(sandbox, **options):
    return sandbox.call(ROOT_PATH, PUSH_IFACE, "Register",
                        GLib.Variant.new_tuple(vardict(options)))


def test_sandboxed_app_registers_as_itself(client, sandboxed):
    sandbox = sandboxed(SANDBOXED_ID)
    token = sandbox_register(sandbox)
    assert token == sandbox_register(sandbox, app_id=SANDBOXED_ID)
    assert registration(client, SANDBOXED_ID)["token"] == token
    with raises_dbus_error("Unentitled", match="may not register as org.example.Other"):
        sandbox_register(sandbox, app_id="org.example.Other")
    with raises_dbus_error("Unentitled", match="woken only by a name of its own"):
        sandbox_register(sandbox, bus_name="org.example.Other")
    assert sandbox_register(sandbox, bus_name=SANDBOXED_ID + ".Push") == token
    # The push reaches it.
    assert deliver(client, token, b"to the sandbox", push_id="s1") == "delivered"
    path, (got_token, payload, metadata) = sandbox.wait_signal("PushReceived")
    assert (got_token, bytes(payload), metadata["push_id"]) == (token, b"to the sandbox", "s1")


def test_sandboxed_app_without_an_id_may_not_register(sandboxed):
    sandbox = sandboxed(None)
    with raises_dbus_error("Unentitled", match="no app id"):
        sandbox_register(sandbox, app_id="org.example.Any")


def test_sandboxed_app_may_not_deliver_pushes(client, push_app, sandboxed):
    sandbox = sandboxed(SANDBOXED_ID)
    sandbox_register(sandbox)
    for token in (push_app.token, registration(client, SANDBOXED_ID)["token"]):
        with raises_dbus_error("Unentitled", match="may not deliver pushes"):
            sandbox.call(ROOT_PATH, PUSH_IFACE, "DeliverPush", GLib.Variant.new_tuple(
                GLib.Variant("s", token), GLib.Variant("ay", b"x"), vardict({})))
    push_app.assert_no_signal()
    assert registration(client)["delivered"] == 0


def test_sandboxed_app_acts_on_its_own_registration_only(client, push_app, sandboxed):
    sandbox = sandboxed(SANDBOXED_ID)
    own = sandbox_register(sandbox)
    for method, args in (("SetForeground", GLib.Variant("(sb)", (push_app.token, True))),
                         ("Unregister", GLib.Variant("(s)", (push_app.token,)))):
        with raises_dbus_error("Unentitled", match="may not act on the push registration "
                               "of org.example.VoipApp"):
            sandbox.call(ROOT_PATH, PUSH_IFACE, method, args)
    assert registration(client)["foreground"] is False
    # It sees its own registration only; the user's tools see both.
    seen = sandbox.call(ROOT_PATH, "org.freedesktop.DBus.Properties", "Get",
                        GLib.Variant("(ss)", (PUSH_IFACE, "Registrations")))
    assert [r["app_id"] for r in seen] == [SANDBOXED_ID]
    every = sandbox.call(ROOT_PATH, "org.freedesktop.DBus.Properties", "GetAll",
                         GLib.Variant("(s)", (PUSH_IFACE,)))
    assert [r["app_id"] for r in every["Registrations"]] == [SANDBOXED_ID]
    assert sorted(registrations(client)) == sorted([APP_ID, SANDBOXED_ID])
    sandbox.call(ROOT_PATH, PUSH_IFACE, "SetForeground", GLib.Variant("(sb)", (own, True)))
    assert registration(client, SANDBOXED_ID)["foreground"] is True


def test_push_rate_option(push_conf, start_daemon, make_client):
    """--push-rate=0 lifts the limit (for benchmarks); Limits says so."""
    start_daemon("--push-rate=0")
    client = make_client("unlimited")
    app = PushApp(make_client("app"))
    app.register()
    assert client.manager_property("Limits")["pushes_per_second"] == 0
    calls = [client.call_async(ROOT_PATH, PUSH_IFACE, "DeliverPush", GLib.Variant.new_tuple(
        GLib.Variant("s", app.token), GLib.Variant("ay", b"p"),
        vardict({"push_id": "u%d" % i, "localized_caller_name": "Ada"})))
        for i in range(60)]
    assert [c.result() for c in calls] == ["delivered"] * 60
