# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live calls survive a crash of callkitd: SIGKILLed mid-call and started
again, callkitd restores every provider's live calls from
$XDG_RUNTIME_DIR/callkitd/live-calls; the app that registers its provider
again (libcallkit does so by itself) gets them back with the same UUIDs,
states and audio session; calls nobody reclaims end as failed after the
grace time; a damaged file is ignored with a line in the log, and a kill
at any moment leaves a file that parses."""

import os
import random
import signal

import pytest
from gi.repository import GLib

from harness import (MANAGER_IFACE, PROVIDER_IFACE, ROOT_PATH, call_path,
                     new_uuid, ring, vardict, wait_until)
from crash_harness import parse_store, store_path, wait_file_has
from speakerbox_harness import finish, start_speakerbox_factory

CONFIG = {"localized_name": "Survivor", "desktop_entry": "org.example.Survivor"}
def active_call(provider, client):
    uuid = ring(provider, client, remote_handle=("phone-number", "+4930111"),
                localized_caller_name="Alice")
    client.request_transaction([{"type": "answer-call", "call": uuid}])
    provider.fulfill(provider.wait_for_action("answer-call", uuid).id)
    client.wait_for_call_property(uuid, "State", "active")
    provider.wait_for_signal("DidActivateAudioSession")
    return uuid


def kill(daemon):
    assert daemon.stop(signal.SIGKILL) == -signal.SIGKILL


def test_call_comes_back_to_the_provider_that_registers_again(
        bus, callkitd, start_daemon, make_client):
    app = make_client("app")
    provider = app.register_provider(CONFIG)
    held = active_call(provider, make_client("desk"))
    client = make_client("observer")
    client.request_transaction([{"type": "set-held", "call": held, "on_hold": True}])
    provider.fulfill(provider.wait_for_action("set-held", held).id)
    client.wait_for_call_property(held, "State", "held")
    active = active_call(provider, client)
    before = {u: client.get_call_properties(u) for u in (held, active)}
    wait_file_has(bus, active)
    wait_file_has(bus, held, "held")

    kill(callkitd)
    daemon = start_daemon("--reclaim-grace=60")
    observer = make_client("after")
    # Back at once, owned by nobody until the app registers again.
    for uuid in (held, active):
        props = observer.get_call_properties(uuid)
        for key in ("State", "RemoteHandle", "LocalizedCallerName", "IsOutgoing",
                    "ConnectedAt", "Provider"):
            assert props[key] == before[uuid][key], key
    assert observer.get_property(provider.path, PROVIDER_IFACE, "Owner") == ""
    assert observer.get_property(provider.path, PROVIDER_IFACE, "AudioSessionActive")

    app2 = make_client("app again")
    again = app2.register_provider(CONFIG)
    assert again.path == provider.path
    restored = again.wait_for_signal("DidRestoreCalls")
    assert sorted(restored.args[0]) == sorted([held, active])
    # DidRestoreCalls came before DidBegin, and no new audio activation.
    names = [s.name for s in again.signals]
    assert names.index("DidRestoreCalls") < names.index("DidBegin")
    again.assert_no_signal("DidActivateAudioSession")
    assert observer.get_property(provider.path, PROVIDER_IFACE, "Owner") != ""
    # The provider acts on its calls as before.
    again.report_ended(held, "remote-ended")
    observer.wait_for_call_removed(held)
    observer.request_transaction([{"type": "end-call", "call": active}])
    again.fulfill(again.wait_for_action("end-call", active).id)
    props = observer.wait_for_call_property(active, "State", "ended")
    assert props["EndedReason"] == "hung-up"
    # Nothing is left to restore.
    wait_until(lambda: not os.path.exists(store_path(bus)),
               message="the file to go with the last call")
    assert "not registered again in time" not in daemon.log_text()


def test_a_call_whose_end_was_seen_never_comes_back(bus, callkitd, start_daemon,
                                                    make_client):
    """The end of a call the file holds is kept before it is announced: a
    kill right after the end was seen does not bring the call back."""
    provider = make_client("app").register_provider(CONFIG)
    desk = make_client("desk")
    calls = [active_call(provider, desk)]
    for _ in range(3):
        calls.append(ring(provider, desk))
    for uuid in calls[1:]:
        wait_file_has(bus, uuid, "ringing")
    wait_file_has(bus, calls[0])
    for uuid in calls[:3]:
        provider.report_ended(uuid, "remote-ended")
    desk.wait_for_call_property(calls[2], "State", "ended")
    kill(callkitd)
    start_daemon()
    objects = make_client("after").managed_objects()
    assert [u for u in calls[:3] if call_path(u) in objects] == []
    assert call_path(calls[3]) in objects


def test_another_app_does_not_get_the_calls(bus, callkitd, start_daemon, make_client):
    provider = make_client("app").register_provider(CONFIG)
    uuid = active_call(provider, make_client("desk"))
    wait_file_has(bus, uuid)
    kill(callkitd)
    start_daemon()
    other = make_client("other").register_provider(
        {"localized_name": "Survivor", "desktop_entry": "org.example.Other"})
    assert other.path != provider.path
    other.assert_no_signal("DidRestoreCalls")


def test_calls_not_reclaimed_end_as_failed(bus, callkitd, start_daemon, make_client):
    provider = make_client("app").register_provider(CONFIG)
    uuid = active_call(provider, make_client("desk"))
    wait_file_has(bus, uuid)
    kill(callkitd)
    observer = make_client("observer")
    daemon = start_daemon("--reclaim-grace=1")
    assert observer.get_call_properties(uuid)["State"] == "active"
    props = observer.wait_for_call_property(uuid, "State", "ended", timeout=10)
    assert props["EndedReason"] == "failed"
    wait_until(lambda: provider.path not in observer.managed_objects(),
               message="the provider to go")
    assert "not registered again in time" in daemon.log_text()


def test_clean_stop_keeps_nothing(bus, callkitd, start_daemon, make_client):
    provider = make_client("app").register_provider(CONFIG)
    uuid = active_call(provider, make_client("desk"))
    wait_file_has(bus, uuid)
    assert callkitd.stop() == 0
    assert not os.path.exists(store_path(bus))
    start_daemon()
    assert call_path(uuid) not in make_client("observer").managed_objects()


@pytest.mark.parametrize("contents", [
    b"", b"\x00\xff garbage",
    b"(uint32 1, uint32 0, [(uint32 1, 'x', false, {}, [{'uuid': <'",
    b"(uint32 7, uint32 0, @a(usba{sv}aa{sv}) [])",
    b"(uint32 1, uint32 0, [(uint32 3, '', false, {'ringtone': <'/dev/zero'>}, "
    b"[{'uuid': <'8b99ac50-38b3-43b1-8382-5254d5b2df97'>, 'state': <'active'>}])])",
    b"(uint32 1, uint32 0, [(uint32 3, '', false, {}, [{'uuid': <'not-a-uuid'>}])])"])
def test_damaged_file_is_ignored(bus, start_daemon, make_client, contents):
    path = store_path(bus)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as f:
        f.write(contents)
    daemon = start_daemon()
    client = make_client()
    assert client.managed_objects() == {}
    assert "ignoring" in daemon.log_text()
    # And it works.
    uuid = ring(make_client("app").register_provider(CONFIG), client)
    client.wait_for_call_property(uuid, "State", "ringing")


ROUNDS = int(os.environ.get("CKD_CRASH_STORE_ROUNDS", "15"))


def test_kill_at_random_moments_leaves_a_readable_file(bus, start_daemon, make_client):
    """Calls ring, are answered and end in a storm while callkitd is
    SIGKILLed at random moments: the file is always one that parses, and
    the next callkitd never logs it as damaged."""
    seed = int(os.environ.get("CKD_CRASH_STORE_SEED", random.randrange(1 << 32)))
    rng = random.Random(seed)
    daemon = start_daemon("--incoming-report-rate=0", verbose=False)
    for round_ in range(ROUNDS):
        app = make_client("app %d" % round_)
        reply = app.call(ROOT_PATH, MANAGER_IFACE, "RegisterProvider",
                         GLib.Variant.new_tuple(vardict(localized_name="Storm %d" % round_)))
        path = reply if isinstance(reply, str) else reply[0]
        pending = []
        for _ in range(rng.randrange(5, 40)):
            uuid = new_uuid()
            pending.append(app.call_async(path, PROVIDER_IFACE, "ReportNewIncomingCall",
                                          GLib.Variant("(sa{sv})", (uuid, {}))))
            if rng.random() < 0.5:
                pending.append(app.call_async(path, PROVIDER_IFACE, "ReportCallEnded",
                                              GLib.Variant("(ssx)", (uuid, "remote-ended", 0))))
        GLib.usleep(rng.randrange(0, 20000))
        kill(daemon)
        app.close()
        directory = os.path.dirname(store_path(bus))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        half_written = [f for f in os.listdir(directory)
                        if f not in ("live-calls", "live-calls.ended")]
        if os.path.exists(store_path(bus)):
            text = open(store_path(bus)).read()
            assert parse_store(text), (
                "round %d (seed %d): the file does not parse" % (round_, seed))
        daemon = start_daemon("--incoming-report-rate=0", "--reclaim-grace=1", verbose=False)
        # Once it answers, it has read the file (it does as it gets its
        # name) and removed what the kill left half written.
        make_client("check %d" % round_).managed_objects()
        assert "damaged" not in daemon.log_text(), "round %d (seed %d)" % (round_, seed)
        left = set(half_written) & set(os.listdir(directory))
        assert not left, "round %d (seed %d): %s" % (round_, seed, left)
    assert daemon.stop() == 0


# ---------------------------------------------------------------------------
# speakerbox, on libcallkit


@pytest.fixture
def start_speakerbox(request, bus, tmp_path):
    start, boxes = start_speakerbox_factory(tmp_path)
    yield start
    errors = finish(boxes)
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


def test_speakerbox_keeps_its_call_across_a_kill(bus, callkitd, start_daemon,
                                                 start_speakerbox, client):
    phone = start_speakerbox()
    uuid = phone.ok("incoming alice")[2]
    client.wait_for_call_property(uuid, "State", "ringing")
    phone.ok("answer " + uuid)
    client.wait_for_call_property(uuid, "State", "active")
    phone.expect("audio-activated", uuid)
    wait_file_has(bus, uuid)
    provider_path = client.get_call_properties(uuid)["Provider"]

    kill(callkitd)
    start_daemon()
    phone.expect("did-begin")
    assert phone.index("did-reset") is None
    assert phone.ok("list") == ["ok", "list", "1"]
    props = client.wait_for_call_property(uuid, "State", "active")
    assert props["Provider"] == provider_path
    # The call goes on end to end: the phone hangs up through callkitd.
    phone.ok("end " + uuid)
    props = client.wait_for_call_property(uuid, "State", "ended")
    assert props["EndedReason"] == "hung-up"
