# SPDX-License-Identifier: LGPL-2.1-or-later
"""Waking an app that is not running: a push for an app without a
registered connection is queued, callkitd starts the app's bus name by
D-Bus activation (a real service file in the test bus's own service dir,
running speakerbox --push), and the app, once registered, gets the push
and reports the call it announces, which rings. speakerbox --push as a
child of the test shows the same app while it runs: its token, the call
a push announces, and what --push-misbehave costs."""

import os

import pytest

from harness import new_uuid, wait_until
from push_harness import deliver, installed_once, registration
from speakerbox_harness import finish, speakerbox_path, start_speakerbox_factory
from test_push import callkitd, push_conf  # noqa: F401 - fixtures

APP = "org.example.Speakerbox"


@pytest.fixture
def start_speakerbox(tmp_path):
    start, boxes = start_speakerbox_factory(tmp_path)
    yield start
    errors = finish(boxes)
    assert not errors, "\n".join(errors)


def test_push_starts_the_app(bus, client, make_client):
    bus.add_service(APP, [os.path.abspath(speakerbox_path()), "--push", "--app-id", APP])
    token = installed_once(client, make_client, APP, bus_name=APP)
    assert bus.get_name_owner(APP) is None
    first, second = new_uuid(), new_uuid()
    assert deliver(client, token, b"{}", push_id="wake-1", call_uuid=first,
                   remote_handle=("phone-number", "+4930111"),
                   localized_caller_name="Ada") == "queued"
    assert deliver(client, token, b"{}", push_id="wake-2", call_uuid=second,
                   remote_handle=("phone-number", "+4930222")) == "queued"
    assert registration(client, APP)["queued"] == 2
    # The bus started speakerbox; it registered and got both pushes, in
    # order, and reported their calls: they ring.
    props = client.wait_for_call_property(first, "State", "ringing", timeout=15)
    assert props["RemoteHandle"] == ("phone-number", "+4930111")
    assert props["LocalizedCallerName"] == "Ada"
    client.wait_for_call_property(second, "State", "ringing")
    owner = bus.wait_for_name_owner(APP)
    entry = registration(client, APP)
    assert entry["connected"] is True
    assert (entry["queued"], entry["delivered"], entry["pending_reports"]) == (0, 2, 0)
    assert entry["outcomes"]["queued"] == 2
    # The app that answered is the one the bus started.
    provider = client.get_call_properties(first)["Provider"]
    assert client.get_property(provider, "io.github.callkitd.CallKit1.Provider",
                               "Owner") == owner


@pytest.mark.push_conf(activation_timeout_ms=500)
def test_app_that_cannot_start_counts_missed(bus, callkitd, client, make_client):
    # Its service file runs a program that exits at once without
    # registering: the push is missed, not lost.
    bus.add_service(APP, ["/bin/false"])
    token = installed_once(client, make_client, APP, bus_name=APP)
    assert deliver(client, token, b"x", push_id="never") == "queued"
    wait_until(lambda: registration(client, APP)["outcomes"]["missed"] == 1, timeout=10,
               poll_interval=0.05, message="the push to be counted missed")
    assert "cannot start %s for a push" % APP in callkitd.log_text() or \
        "did not register within 500 ms" in callkitd.log_text()


def test_speakerbox_push_mode(client, start_speakerbox):
    box = start_speakerbox("--push", "--app-id", APP)
    token = box.expect("push-token")[1]
    assert box.ok("push")[2] == token
    assert registration(client, APP)["token"] == token
    uuid = new_uuid()
    deliver(client, token, b"{}", push_id="p1", call_uuid=uuid,
            remote_handle=("phone-number", "+4930123"))
    assert box.expect("push", "p1")[1:] == ["p1", "must_report=1", "reason=-", "call=" + uuid,
                                           "handle=+4930123"]
    box.expect("call", uuid, "ringing")
    client.wait_for_call_property(uuid, "State", "ringing")
    # Answered from the desktop, as any speakerbox call.
    client.call_method(uuid, "Answer")
    client.wait_for_call_property(uuid, "State", "active")


@pytest.mark.push_conf(report_deadline_ms=300)
def test_speakerbox_push_misbehave(client, start_speakerbox):
    box = start_speakerbox("--push", "--app-id", APP, "--push-misbehave")
    token = box.expect("push-token")[1]
    deliver(client, token, b"{}", push_id="ignored", remote_handle=("generic", "bob"))
    box.expect("push-ignored", "ignored")
    assert box.expect("push-deadline-missed")[1] == "ignored"
    assert registration(client, APP)["violations"] == 1
