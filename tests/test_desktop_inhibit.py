# SPDX-License-Identifier: LGPL-2.1-or-later
"""Sleep and idle inhibition: while a call is dialing, connecting, active
or held, callkitd holds logind's "idle" (block) and "sleep" (delay)
inhibitors, named after the call's app; they go when the last call ends,
when the provider's owner leaves the bus, and when callkitd dies (logind
drops an inhibitor when its file descriptor closes: python-dbusmock's
logind template watches the pipe it hands out for the hang-up, as logind
does). Without logind everything else works.
"""

import pytest
from gi.repository import Gio

from harness import new_uuid, ring, wait_until

WHY = "Call in progress"


def poll_until(condition, **kwargs):
    """wait_until for a condition read with synchronous D-Bus calls, which
    wake no main loop: poll."""
    __tracebackhide__ = True
    kwargs.setdefault("poll_interval", 0.02)
    return wait_until(condition, **kwargs)


@pytest.fixture
def logind(system_bus, dbusmock_template):
    dbusmock_template("logind")
    return system_bus


def inhibitors(system_bus):
    """What logind holds: (what, who, why, mode), sorted."""
    reply = system_bus.connection.call_sync(
        "org.freedesktop.login1", "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager", "ListInhibitors", None, None,
        Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
    return sorted((what, who, why, mode)
                  for what, who, why, mode, _uid, _pid in reply)


def held_by(app_name):
    return [("idle", app_name, WHY, "block"),
            ("sleep", app_name, WHY, "delay")]


def answer(client, provider, uuid):
    provider.auto_fulfill = True
    client.call_method(uuid, "Answer")
    client.wait_for_call_property(uuid, "State", "active")


def test_active_call_holds_idle_and_sleep_until_it_ends(logind, callkitd,
                                                        client, app):
    provider = app.register_provider({"localized_name": "Softphone"})
    poll_until(lambda: "inhibit" in client.manager_property("Capabilities"))
    uuid = ring(provider, client, supports_holding=True)
    # A ringing call alone keeps nothing awake.
    client.sync()
    assert inhibitors(logind) == []
    answer(client, provider, uuid)
    poll_until(lambda: inhibitors(logind) == held_by("Softphone"),
               message="both inhibitors held")

    client.call_method(uuid, "SetHeld", ("(b)", (True,)))
    client.wait_for_call_property(uuid, "State", "held")
    client.sync()
    assert inhibitors(logind) == held_by("Softphone")

    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    poll_until(lambda: inhibitors(logind) == [], message="inhibitors released")


def test_outgoing_dialing_call_holds_them(logind, callkitd, client, app):
    provider = app.register_provider({"localized_name": "Dialer"})
    poll_until(lambda: "inhibit" in client.manager_property("Capabilities"))
    uuid = new_uuid()
    app.request_transaction([{"type": "start-call", "call": uuid,
                              "handle": ("generic", "bob")}])
    client.wait_for_call_property(uuid, "State", "dialing")
    poll_until(lambda: inhibitors(logind) == held_by("Dialer"))
    provider.report_ended(uuid, "failed")
    poll_until(lambda: inhibitors(logind) == [])


def test_second_call_keeps_them_until_the_last_ends(logind, callkitd, client,
                                                    app):
    provider = app.register_provider({"localized_name": "Softphone"})
    provider.auto_fulfill = True
    first = ring(provider, client)
    answer(client, provider, first)
    second = ring(provider, client)
    client.call_method(second, "Answer")
    client.wait_for_call_property(second, "State", "active")
    poll_until(lambda: inhibitors(logind) == held_by("Softphone"))
    provider.report_ended(first, "remote-ended")
    client.wait_for_call_removed(first)
    client.sync()
    assert inhibitors(logind) == held_by("Softphone")
    provider.report_ended(second, "remote-ended")
    poll_until(lambda: inhibitors(logind) == [])


def test_they_name_an_app_that_still_has_a_call(logind, callkitd, client,
                                                make_client):
    first = make_client("first").register_provider({"localized_name": "First"})
    second = make_client("second").register_provider(
        {"localized_name": "Second"})
    a = ring(first, client, supports_holding=True)
    answer(client, first, a)
    poll_until(lambda: inhibitors(logind) == held_by("First"))
    client.call_method(a, "SetHeld", ("(b)", (True,)))
    client.wait_for_call_property(a, "State", "held")
    b = ring(second, client)
    answer(client, second, b)
    client.sync()
    # Still the first app's: its held call needs them.
    assert inhibitors(logind) == held_by("First")
    first.report_ended(a, "remote-ended")
    poll_until(lambda: inhibitors(logind) == held_by("Second"),
               message="the inhibitors naming the app left")
    second.report_ended(b, "remote-ended")
    poll_until(lambda: inhibitors(logind) == [])


def test_provider_owner_vanishing_releases_them(logind, callkitd, client,
                                                make_client):
    app = make_client("doomed")
    provider = app.register_provider({"localized_name": "Softphone"})
    uuid = ring(provider, client)
    answer(client, provider, uuid)
    poll_until(lambda: inhibitors(logind) == held_by("Softphone"))
    app.close()
    client.wait_for_call_removed(uuid)
    poll_until(lambda: inhibitors(logind) == [],
               message="inhibitors released with the owner")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGKILL"])
def test_callkitd_stopping_or_killed_releases_them(logind, callkitd, client,
                                                   app, sig):
    import signal
    provider = app.register_provider({"localized_name": "Softphone"})
    uuid = ring(provider, client)
    answer(client, provider, uuid)
    poll_until(lambda: inhibitors(logind) == held_by("Softphone"))
    status = callkitd.stop(getattr(signal, sig))
    assert status == (0 if sig == "SIGTERM" else -signal.SIGKILL)
    # Nothing of callkitd runs any more: only the closed descriptor tells
    # logind.
    poll_until(lambda: inhibitors(logind) == [],
               message="inhibitors dropped with callkitd's descriptors")


def test_logind_arriving_later_is_used(system_bus, dbusmock_template,
                                       callkitd, client, app):
    provider = app.register_provider({"localized_name": "Softphone"})
    uuid = ring(provider, client)
    answer(client, provider, uuid)
    assert "inhibit" not in client.manager_property("Capabilities")
    announced = []
    client.connection.signal_subscribe(
        None, "org.freedesktop.DBus.Properties", "PropertiesChanged",
        "/io/github/callkitd/CallKit1", "io.github.callkitd.CallKit1.Manager",
        0, lambda c, s, p, i, m, params: announced.append(params.unpack()[1]))
    client.sync()
    dbusmock_template("logind")
    # Told, not only readable.
    wait_until(lambda: any("inhibit" in c.get("Capabilities", [])
                           for c in announced))
    poll_until(lambda: inhibitors(system_bus) == held_by("Softphone"))


def test_no_logind_calls_work_and_the_log_says_why(system_bus, callkitd,
                                                   client, app):
    provider = app.register_provider({"localized_name": "Softphone"})
    uuid = ring(provider, client)
    answer(client, provider, uuid)
    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    assert "inhibit" not in client.manager_property("Capabilities")
    # The system bus is asked without waiting: the line may come later.
    wait_until(lambda: "logind is not running on the system bus" in callkitd.log_text(),
               message="the log saying that logind is not running")


def test_no_system_bus_calls_work_and_the_log_says_why(callkitd, client, app):
    provider = app.register_provider({"localized_name": "Softphone"})
    uuid = ring(provider, client)
    answer(client, provider, uuid)
    provider.report_ended(uuid, "remote-ended")
    client.wait_for_call_removed(uuid)
    assert "inhibit" not in client.manager_property("Capabilities")
    assert "cannot connect to the system bus" in callkitd.log_text()
