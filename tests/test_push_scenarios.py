# SPDX-License-Identifier: LGPL-2.1-or-later
"""The three real-world scenarios of VoIP pushes, end to end: a push rings
a call in speakerbox --push (libcallkit); then the caller cancels, the
callee declines on another device, or another device answers, and each
arrives as a push naming the ringing call. speakerbox ends the call with
the right reason (remote-ended, declined-elsewhere, answered-elsewhere);
the ringtone (a stream in a headless PipeWire with our module) and the
ringing notification (python-dbusmock's notification server) stop; only
the caller's cancel leaves a missed call. A late push about that call
afterwards rings nothing."""

import json

import pytest

from harness import call_path, new_uuid
from push_harness import deliver, registration, write_push_conf
from speakerbox_harness import finish, start_speakerbox_factory
from test_audio_daemon import wait_ringer
from test_notifications import (  # noqa: F401 - fixtures
    server, start_server, wait_for_capability)

APP = "org.example.Speakerbox"


@pytest.fixture
def callkitd(bus, start_pipewire, start_server, start_daemon):
    """PipeWire with our module and a notification server first, so that
    callkitd rings and shows from the first call."""
    write_push_conf(bus, unifiedpush=False)
    pipewire = start_pipewire()
    start_server()
    daemon = start_daemon()
    daemon.pipewire = pipewire
    return daemon


@pytest.fixture
def phone(callkitd, client, tmp_path):
    """speakerbox --push, registered, once callkitd shows calls."""
    wait_for_capability(client)
    start, boxes = start_speakerbox_factory(tmp_path)
    box = start("--push", "--app-id", APP)
    box.token = box.expect("push-token")[1]
    yield box
    errors = finish(boxes)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("reason,missed", [
    ("remote-ended", True),          # the caller cancelled
    ("declined-elsewhere", False),   # the callee declined on another device
    ("answered-elsewhere", False),   # another device answered
])
def test_push_ends_the_ringing_call(callkitd, client, server, phone, reason, missed):
    pw = callkitd.pipewire
    uuid = new_uuid()
    assert deliver(client, phone.token, json.dumps({"kind": "incoming"}).encode(),
                   push_id="ring", call_uuid=uuid, localized_caller_name="Ada",
                   remote_handle=("phone-number", "+4930123")) == "delivered"
    phone.expect("call", uuid, "ringing")
    client.wait_for_call_property(uuid, "State", "ringing")
    ringing = server.wait_for_notify("call.incoming")
    assert (ringing[3], ringing[4].split("\n")[0]) == ("Incoming call", "Ada")
    wait_ringer(pw, "ringtone")

    # The server's word that the call is over, as a push about it.
    assert deliver(client, phone.token, json.dumps({"end": reason}).encode(),
                   push_id="end", call_uuid=uuid) == "delivered"
    assert phone.expect("push", "end")[1:4] == ["end", "must_report=0", "reason=active-call"]
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == reason
    client.wait_for_call_removed(uuid)
    assert (server.notification_id(ringing),) in server.wait_for("CloseNotification")
    wait_ringer(pw, None)
    server.settle(client)
    assert len(server.notifies("call.unanswered")) == (1 if missed else 0)

    # Minutes later the network delivers the first push again, or another
    # about the same call: nothing rings.
    assert deliver(client, phone.token, json.dumps({"kind": "incoming"}).encode(),
                   push_id="ring-again", call_uuid=uuid, localized_caller_name="Ada",
                   remote_handle=("phone-number", "+4930123")) == "call-ended"
    assert deliver(client, phone.token, b"{}", push_id="ring", call_uuid=uuid) == "duplicate"
    client.sync()
    assert call_path(uuid) not in client.managed_objects()
    assert phone.index("push", "ring-again") is None
    assert len(server.notifies("call.incoming", fresh=True)) == 1
    entry = registration(client, APP)
    assert entry["outcomes"]["call-ended"] == 1
    assert entry["violations"] == 0
