# SPDX-License-Identifier: LGPL-2.1-or-later
"""Missed-call notifications come from the history: they show again after
callkitd restarts until the missed call is seen, dismissing one marks it
seen, History.MarkSeen closes it, and its Call back goes through
History.CallBack (holding the active call, or starting the app). Against
python-dbusmock's notification_daemon template, with the fixtures of
test_notifications.py."""

import signal

import pytest

from harness import new_uuid, ring, wait_until
from history_harness import delete_entries, entry_of, get_entries, mark_seen, missed_count
from test_history_call_back import Desktop, read_args
from test_notifications import (MISSED_ACTIONS, PROVIDER_CONFIG, server,  # noqa: F401
                                start_server, wait_for_capability)

ALICE = ("phone-number", "+4930123")


@pytest.fixture
def restartable(start_server, start_daemon, make_client):
    """Starts the notification server once; then start() starts (again) a
    callkitd and returns (daemon, client) once it knows the server."""
    start_server()

    def start(*args):
        daemon = start_daemon(*args)
        client = make_client("client")
        wait_for_capability(client)
        return daemon, client

    return start


@pytest.fixture
def app(make_client):
    """The app's connection, made before any callkitd (the conftest's
    ``app`` would start one)."""
    return make_client("app")


def miss(provider, client, name="Alice", handle=ALICE, reason="remote-ended"):
    uuid = new_uuid()
    provider.report_incoming(uuid, remote_handle=handle, localized_caller_name=name)
    client.wait_for_call(uuid)
    provider.report_ended(uuid, reason)
    client.wait_for_call_removed(uuid)
    return uuid


def missed_notifies(server, name="Alice"):
    return [n for n in server.notifies("call.unanswered")
            if n[3] == "Missed call from " + name]


def wait_missed_notify(server, count=1, name="Alice"):
    return wait_until(lambda: missed_notifies(server, name)[count - 1]
                      if len(missed_notifies(server, name)) >= count else None,
                      message="missed-call notification %d of %s" % (count, name))


def last_id(server, notify_args):
    """The id of the latest Notify with these arguments (the mock counts
    ids from 1 over every new notification it was asked for)."""
    fresh = [a for a in server.calls("Notify") if a[1] == 0]
    return len(fresh) - fresh[::-1].index(notify_args)


def wait_closed(server, nid):
    wait_until(lambda: (nid,) in server.calls("CloseNotification"),
               message="notification %d to be closed" % nid)


def test_shown_again_after_callkitd_restarts_until_seen(restartable, server, app):
    daemon, client = restartable()
    phone = app.register_provider(PROVIDER_CONFIG)
    uuid = miss(phone, client)
    first = wait_missed_notify(server)
    assert daemon.stop() == 0

    daemon, client = restartable()
    again = wait_missed_notify(server, 2)
    assert again == first
    # Dismissed on the new server: seen for good.
    server.close(last_id(server, again), 2)
    client.sync()
    server.settle(client)
    assert entry_of(client, uuid)["seen"] is True
    assert missed_count(client) == 0
    assert daemon.stop() == 0

    daemon, client = restartable()
    server.settle(client)
    assert len(missed_notifies(server)) == 2


def test_a_kill_forgets_nothing(restartable, server, app):
    daemon, client = restartable()
    phone = app.register_provider(PROVIDER_CONFIG)
    miss(phone, client)
    wait_missed_notify(server)
    daemon.stop(signal.SIGKILL)
    restartable()
    wait_missed_notify(server, 2)


def test_transient_missed_calls_are_not_shown_again(restartable, server, app):
    daemon, client = restartable("--transient-missed-calls")
    phone = app.register_provider(PROVIDER_CONFIG)
    uuid = miss(phone, client)
    assert wait_missed_notify(server)[7] == -1
    assert daemon.stop() == 0
    daemon, client = restartable("--transient-missed-calls")
    server.settle(client)
    assert len(missed_notifies(server)) == 1
    # Still a missed call not seen, in the history.
    assert entry_of(client, uuid)["seen"] is False


@pytest.mark.parametrize("how", ["dismiss-button", "closed-by-user"])
def test_dismissing_marks_seen(restartable, server, app, how):
    daemon, client = restartable()
    phone = app.register_provider(PROVIDER_CONFIG)
    uuid = miss(phone, client)
    nid = server.notification_id(wait_missed_notify(server))
    if how == "dismiss-button":
        server.invoke(nid, "dismiss")
        wait_closed(server, nid)
    else:
        server.close(nid, 2)
    wait_until(lambda: entry_of(client, uuid)["seen"], message="the entry to be seen")
    assert missed_count(client) == 0


def test_expired_is_not_seen(restartable, server, app):
    daemon, client = restartable()
    phone = app.register_provider(PROVIDER_CONFIG)
    uuid = miss(phone, client)
    server.close(server.notification_id(wait_missed_notify(server)), 1)
    server.settle(client)
    assert entry_of(client, uuid)["seen"] is False


@pytest.mark.parametrize("change", ["mark-seen", "mark-all-seen", "delete"])
def test_history_changes_close_the_notification(restartable, server, app, change):
    daemon, client = restartable()
    phone = app.register_provider(PROVIDER_CONFIG)
    gone = miss(phone, client)
    kept = miss(phone, client, name="Bob")
    nid = server.notification_id(wait_missed_notify(server))
    kept_nid = server.notification_id(wait_missed_notify(server, name="Bob"))
    entry = entry_of(client, gone)
    if change == "mark-seen":
        mark_seen(client, [entry["id"]])
    elif change == "mark-all-seen":
        mark_seen(client, [])
    else:
        delete_entries(client, [entry["id"]])
    wait_closed(server, nid)
    server.settle(client)
    assert ((kept_nid,) in server.calls("CloseNotification")) == (change == "mark-all-seen")
    assert entry_of(client, kept)["seen"] is (change == "mark-all-seen")


def test_call_back_button_goes_through_the_history(restartable, server, app):
    daemon, client = restartable()
    phone = app.register_provider(PROVIDER_CONFIG)
    uuid = miss(phone, client)
    busy = ring(phone, client, remote_handle=("phone-number", "+1"))
    phone.auto_fulfill = True
    client.call_method(busy, "Answer")
    client.wait_for_call_property(busy, "State", "active")

    # With a call active, Call back holds it first, in the same
    # transaction, as History.CallBack does.
    server.invoke(server.notification_id(wait_missed_notify(server)), "call-back")
    hold = phone.wait_for_action("set-held", call=busy)
    start = phone.wait_for_action("start-call")
    assert hold.parameters["transaction"] == start.parameters["transaction"]
    assert tuple(start.parameters["handle"]) == ALICE
    client.wait_for_call_property(busy, "State", "held")
    assert entry_of(client, uuid)["seen"] is True


@pytest.fixture
def desktop(tmp_path):
    return Desktop(tmp_path)


def test_call_back_button_starts_the_app(desktop, start_server, start_daemon, make_client,
                                         server, app):
    start_server()
    start_daemon(env={"XDG_DATA_DIRS": str(desktop.dir)})
    client = make_client("client")
    wait_for_capability(client)
    args = desktop.add("org.example.Speakerbox")
    phone = app.register_provider(PROVIDER_CONFIG)
    uuid = miss(phone, client)
    nid = server.notification_id(wait_missed_notify(server))
    phone.invalidate()
    server.invoke(nid, "call-back")
    assert read_args(args) == ["tel:+4930123"]
    assert entry_of(client, uuid)["seen"] is True


def test_provider_out_of_recents_has_no_missed_notification(restartable, server, app):
    daemon, client = restartable()
    private = app.register_provider(dict(PROVIDER_CONFIG, includes_calls_in_recents=False))
    kept = app.register_provider(PROVIDER_CONFIG)
    miss(private, client, name="Private")
    miss(kept, client, name="Kept")
    wait_missed_notify(server, name="Kept")
    server.settle(client)
    assert missed_notifies(server, "Private") == []
    assert [e["localized_caller_name"] for e in get_entries(client)] == ["Kept"]


def test_at_most_the_newest_are_shown_at_start(restartable, server, app):
    """A history with more unseen missed calls than callkitd shows: the
    newest 100 come back, oldest first, so that the newest is on top."""
    daemon, client = restartable("--incoming-report-rate=0")
    phone = app.register_provider(PROVIDER_CONFIG)
    for i in range(102):
        miss(phone, client, name="caller %d" % i)
    wait_missed_notify(server, name="caller 101")
    assert daemon.stop() == 0
    before = len(server.notifies("call.unanswered"))

    daemon, client = restartable()
    wait_missed_notify(server, 2, name="caller 101")
    server.settle(client)
    shown = [n[3] for n in server.notifies("call.unanswered")[before:]]
    assert shown == ["Missed call from caller %d" % i for i in range(2, 102)]
