# SPDX-License-Identifier: LGPL-2.1-or-later
"""Input hygiene: the refusals of issue "Hardening" item 5, each with its
named error, and what stays accepted at the bounds.

- times past the documented bound (the end of year 9999, the last instant
  every client's date type can show) are refused, whatever method takes
  them;
- a ringtone must be a regular file of at most the documented size, on a
  real file system (not /proc, /sys or /dev);
- a provider that was invalidated answers UnknownCallProvider to every
  method, never a generic error.
"""

import os

import pytest
from gi.repository import GLib

from harness import (MANAGER_IFACE, PROPERTIES_IFACE, PROVIDER_IFACE,
                     ROOT_PATH, new_uuid, raises_dbus_error, ring)

PREFIX = "io.github.callkitd.CallKit1.Error."
# 9999-12-31T23:59:59.999999Z in microseconds since 1970.
MAX_TIME = 253402300799999999
FAR = 1 << 62


def E(name):
    return PREFIX + name


def limits(client):
    return client.get_property(ROOT_PATH, MANAGER_IFACE, "Limits")


def test_limits_publish_the_bounds(client):
    got = limits(client)
    assert got["latest_time"] == MAX_TIME
    assert got["ringtone_bytes"] > 0


def test_report_call_ended_far_future_refused(client, provider):
    uuid = ring(provider, client)
    with raises_dbus_error(E("InvalidArgument"), r"ended_at.*9999"):
        provider.report_ended(uuid, "remote-ended", FAR)
    with raises_dbus_error(E("InvalidArgument"), r"ended_at"):
        provider.report_ended(uuid, "remote-ended", MAX_TIME + 1)
    assert client.get_call_properties(uuid)["State"] == "ringing"
    # At the bound: accepted.
    provider.report_ended(uuid, "remote-ended", MAX_TIME)
    client.wait_for_call_removed(uuid)


def test_outgoing_times_far_future_refused(client, provider):
    uuid = new_uuid()
    client.request_transaction([{"type": "start-call", "call": uuid,
                                 "handle": ("generic", "bob"),
                                 "provider": ("o", provider.path)}])
    provider.fulfill(provider.wait_for_action("start-call", uuid).id)
    client.wait_for_call_property(uuid, "State", "dialing")
    with raises_dbus_error(E("InvalidArgument"), r"\bat\b.*9999"):
        provider.report_outgoing_connecting(uuid, FAR)
    with raises_dbus_error(E("InvalidArgument"), r"\bat\b.*9999"):
        provider.report_outgoing_connected(uuid, FAR)
    assert client.get_call_properties(uuid)["State"] == "dialing"


def test_fulfill_date_far_future_refused(client, provider):
    uuid = ring(provider, client)
    transaction = client.request_transaction([{"type": "answer-call", "call": uuid}])
    action = provider.wait_for_action("answer-call", uuid)
    with raises_dbus_error(E("InvalidArgument"), r"date.*9999"):
        provider.fulfill(action.id, date=("x", FAR))
    provider.fulfill(action.id, date=("x", MAX_TIME))
    client.wait_for_transaction(transaction)


# ---------------------------------------------------------------------------
# Ringtones


def _register(app, ringtone):
    return app.register_provider({"ringtone": ringtone})


@pytest.mark.parametrize("path", ["/dev/zero", "/proc/self/mem", "/proc/self/environ",
                                  "/sys/kernel/mm/transparent_hugepage/enabled", "/tmp"])
def test_ringtone_not_a_regular_file_refused(app, path):
    if not os.path.exists(path):
        pytest.skip("%s does not exist on this machine" % path)
    with raises_dbus_error(E("InvalidArgument"), r"ringtone"):
        _register(app, path)


def test_ringtone_too_big_refused(client, app, tmp_path):
    big = tmp_path / "big.wav"
    with open(big, "wb") as f:
        f.truncate(limits(client)["ringtone_bytes"] + 1)
    with raises_dbus_error(E("InvalidArgument"), r"ringtone.*bytes"):
        _register(app, str(big))
    # Through the Configuration property too.
    provider = app.register_provider({})
    with raises_dbus_error(E("InvalidArgument"), r"ringtone.*bytes"):
        provider.set_configuration({"ringtone": str(big)})


def test_ringtone_regular_file_accepted(client, app, tmp_path):
    ok = tmp_path / "ring.wav"
    with open(ok, "wb") as f:
        f.truncate(limits(client)["ringtone_bytes"])
    provider = app.register_provider({"ringtone": str(ok)})
    assert provider.configuration["ringtone"] == str(ok)
    # A file that is not there (yet) is found out when a call rings.
    app.register_provider({"ringtone": str(tmp_path / "later.wav")})


# ---------------------------------------------------------------------------
# Invalidated providers


def test_methods_on_an_invalidated_provider(client, app):
    provider = app.register_provider({})
    uuid = ring(provider, client)
    provider.invalidate()
    client.wait_for_call_removed(uuid)
    for method, signature, args in [
            ("ReportNewIncomingCall", "(sa{sv})", (new_uuid(), {})),
            ("ReportCallUpdated", "(sa{sv})", (uuid, {})),
            ("ReportCallEnded", "(ssx)", (uuid, "failed", 0)),
            ("ReportOutgoingCallStartedConnecting", "(sx)", (uuid, 0)),
            ("ReportOutgoingCallConnected", "(sx)", (uuid, 0)),
            ("FulfillAction", "(sa{sv})", ("1", {})),
            ("FailAction", "(ss)", ("1", "")),
            ("Reset", "()", ()),
            ("Invalidate", "()", ())]:
        with raises_dbus_error(E("UnknownCallProvider")):
            app.call(provider.path, PROVIDER_IFACE, method,
                     GLib.Variant(signature, args))
    for iface, name in [(PROVIDER_IFACE, "Configuration"),
                        (PROVIDER_IFACE, "Owner")]:
        with raises_dbus_error(E("UnknownCallProvider")):
            app.call(provider.path, PROPERTIES_IFACE, "Get",
                     GLib.Variant("(ss)", (iface, name)))
    with raises_dbus_error(E("UnknownCallProvider")):
        provider.set_configuration({"localized_name": "x"})
