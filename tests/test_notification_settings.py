# SPDX-License-Identifier: LGPL-2.1-or-later
"""callkitd.conf: the user's choice of notifications, read at start and
followed while callkitd runs, against python-dbusmock's
notification_daemon template."""

import os

import pytest

import harness
from harness import ring, wait_until
# The notification server and its fixtures; ``callkitd`` is redefined
# below so that the settings file is written before the daemon starts.
from test_notifications import (PROVIDER_CONFIG, phone, ringing_notification,  # noqa: F401
                                server, start_server, wait_for_capability,
                                without_duration)


def write_conf(path, text):
    """Replace ``path`` as editors do: a new file renamed over the old."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / (path.name + ".new")
    tmp.write_text(text)
    os.rename(tmp, path)


@pytest.fixture
def user_conf(bus):
    """$XDG_CONFIG_HOME/callkitd/callkitd.conf of the daemon under test."""
    return bus.home / ".config" / "callkitd" / "callkitd.conf"


@pytest.fixture
def system_conf(bus):
    """callkitd.conf in the daemon's $XDG_CONFIG_DIRS (set by conftest)."""
    return bus.base_dir / "xdg" / "callkitd" / "callkitd.conf"


@pytest.fixture
def conf_text():
    """What user_conf holds when callkitd starts (None: no file)."""
    return None


@pytest.fixture
def callkitd(request, conf_text, user_conf, start_server, start_daemon):
    """The notification server, then callkitd with @pytest.mark.callkitd_args
    and ``conf_text`` in its settings file."""
    # The directory exists, so that the daemon watches it by inotify.
    user_conf.parent.mkdir(parents=True, exist_ok=True)
    if conf_text is not None:
        write_conf(user_conf, conf_text)
    start_server()
    marker = request.node.get_closest_marker("callkitd_args")
    return start_daemon(*(marker.args if marker is not None else ()))


def wait_for_log(daemon, text, count=1):
    __tracebackhide__ = True
    # Writing to a file wakes no main loop: poll.
    wait_until(lambda: daemon.log_text().count(text) >= count,
               message="%d time(s) %r in the callkitd log" % (count, text),
               poll_interval=0.01)


def answer_and_miss(client, phone, server):
    """A call answered, then one missed: every kind of notification had
    its chance."""
    phone.auto_fulfill = True
    answered = ring(phone, client)
    client.call_method(answered, "Answer")
    client.wait_for_call_property(answered, "State", "active")
    client.call_method(answered, "End")
    client.wait_for_call_removed(answered)
    missed = ring(phone, client)
    phone.report_ended(missed, "remote-ended")
    client.wait_for_call_removed(missed)
    server.settle(client)


@pytest.mark.parametrize("conf_text,category", [
    ("[Notifications]\nringing=false\n", "call.incoming"),
    ("[Notifications]\nongoing=false\n", "call"),
    ("[Notifications]\nmissed=false\n", "call.unanswered"),
])
def test_file_turns_a_kind_off(client, phone, server, conf_text, category):
    answer_and_miss(client, phone, server)
    kinds = {a[6]["category"] for a in server.calls("Notify")}
    assert kinds == {"call.incoming", "call", "call.unanswered"} - {category}


@pytest.mark.parametrize("conf_text", [
    "[Notifications]\nmissed-persistent=false\n"])
def test_file_lets_missed_calls_expire(client, phone, server):
    call = ring(phone, client)
    ringing_notification(server)
    phone.report_ended(call, "unanswered")
    assert server.wait_for_notify("call.unanswered")[7] == -1


@pytest.mark.parametrize("conf_text", ["[Notifications]\nringing=true\n"])
@pytest.mark.callkitd_args("--no-ringing-notifications")
def test_command_line_wins(client, phone, server):
    answer_and_miss(client, phone, server)
    assert server.notifies("call.incoming") == []


def test_system_file_under_the_users(server, system_conf, user_conf,
                                     start_server, start_daemon, make_client):
    write_conf(system_conf, "[Notifications]\nringing=false\nongoing=false\n")
    write_conf(user_conf, "[Notifications]\nringing=true\n")
    start_server()
    start_daemon()
    client = make_client("client")
    wait_for_capability(client)
    phone_ = make_client("app").register_provider(PROVIDER_CONFIG)
    answer_and_miss(client, phone_, server)
    # The user's file wins for ringing; the system's ongoing=false stays.
    kinds = {a[6]["category"] for a in server.calls("Notify")}
    assert kinds == {"call.incoming", "call.unanswered"}


def test_change_applies_while_running(client, phone, server, callkitd,
                                      user_conf):
    first = ring(phone, client, localized_caller_name="Alice")
    nid = server.notification_id(ringing_notification(server))

    write_conf(user_conf, "[Notifications]\nringing=false\n")
    wait_for_log(callkitd, "settings changed")
    # What is shown goes, and the next call rings without a notification.
    assert server.wait_for("CloseNotification") == [(nid,)]
    ring(phone, client, localized_caller_name="Bob")
    server.settle(client)
    assert len(server.calls("Notify")) == 1

    write_conf(user_conf, "[Notifications]\nringing=true\n")
    wait_for_log(callkitd, "settings changed", 2)
    shown = {n[4] for n in server.wait_for("Notify", 3)[1:]}
    assert shown == {"Alice\nSpeakerbox", "Bob\nSpeakerbox"}
    assert client.get_call_properties(first)["State"] == "ringing"


@pytest.mark.parametrize("conf_text", [
    "[Notifications]\nringing=maybe\nmissed=false\nonging=false\n"])
def test_bad_values_are_named_and_defaults_used(client, phone, server,
                                                callkitd, user_conf):
    answer_and_miss(client, phone, server)
    # ringing keeps its default; the good key still counts.
    kinds = {a[6]["category"] for a in server.calls("Notify")}
    assert kinds == {"call.incoming", "call"}
    log = callkitd.log_text()
    assert ('%s: [Notifications] ringing: "maybe" is not true or false, '
            'default used' % user_conf) in log
    assert "%s: [Notifications] onging: unknown key, ignored" % user_conf in log


@pytest.mark.parametrize("conf_text", ["ringing=false\n[Notifications\n"])
def test_unreadable_file_is_ignored(client, phone, server, callkitd,
                                    user_conf):
    answer_and_miss(client, phone, server)
    kinds = {a[6]["category"] for a in server.calls("Notify")}
    assert kinds == {"call.incoming", "call", "call.unanswered"}
    assert "%s: " % user_conf in callkitd.log_text()
    assert "file ignored" in callkitd.log_text()


EXAMPLE = (harness.SOURCE_ROOT / "data" / "callkitd.conf").read_text()


@pytest.mark.parametrize("conf_text", [EXAMPLE])
def test_shipped_example_is_the_defaults(client, phone, server, callkitd):
    answer_and_miss(client, phone, server)
    kinds = {a[6]["category"] for a in server.calls("Notify")}
    assert kinds == {"call.incoming", "call", "call.unanswered"}
    assert "WARNING" not in callkitd.log_text()
    missed = server.notifies("call.unanswered")[0]
    assert missed[7] == 0


def test_turning_missed_calls_off_closes_them(client, phone, server, callkitd,
                                              user_conf):
    call = ring(phone, client)
    ringing_notification(server)
    phone.report_ended(call, "remote-ended")
    nid = server.notification_id(server.wait_for_notify("call.unanswered"))

    write_conf(user_conf, "[Notifications]\nmissed=false\n")
    wait_for_log(callkitd, "settings changed")
    assert (nid,) in server.wait_for("CloseNotification", 2)


@pytest.mark.parametrize("conf_text", [
    "[Notifications]\ncaller-on-lock-screen=false\n"])
def test_caller_kept_off_the_lock_screen(client, phone, server, callkitd):
    ring(phone, client, localized_caller_name="Alice")
    hints = ringing_notification(server)[6]
    assert "x-gnome-privacy-scope" not in hints
    assert hints["urgency"] == 2


def answer(client, phone):
    phone.auto_fulfill = True
    call = ring(phone, client, localized_caller_name="Alice")
    client.call_method(call, "Answer")
    client.wait_for_call_property(call, "State", "active")
    return call


@pytest.mark.parametrize("conf_text", [
    "[Notifications]\nduration-interval=1\n"])
def test_duration_updates_in_place(client, phone, server, callkitd):
    call = answer(client, phone)
    first = server.wait_for_notify("call")
    nid = server.notification_id(first)
    # Each update replaces the notification, a whole second on; the call
    # rounds to whole seconds, so a late timer still shows 0:01, 0:02.
    server.wait_for_notify("call", 3)
    ticks = server.notifies("call")[1:3]
    assert [(t[0:4], t[4].split("\n")[-1]) for t in ticks] == [
        (("callkitd", nid, "org.example.Speakerbox", "Ongoing call"), "0:01"),
        (("callkitd", nid, "org.example.Speakerbox", "Ongoing call"), "0:02"),
    ]
    # Only the clock changed: low urgency (no new banner in GNOME Shell).
    assert first[6]["urgency"] == 1
    assert all(t[6]["urgency"] == 0 for t in ticks)

    # A change in between shows the duration then, and the ticks go on.
    client.call_method(call, "SetMuted", ("(b)", (True,)))
    muted = harness.wait_until(
        lambda: next((n for n in server.notifies("call")
                      if "Muted" in n[4]), None),
        message="the muted call's notification")
    assert without_duration(muted[4]) == "Alice\nSpeakerbox\nMuted"
    assert muted[6]["urgency"] == 1
    count = len(server.notifies("call"))
    server.wait_for_notify("call", count + 1)

    client.call_method(call, "End")
    client.wait_for_call_removed(call)
    harness.wait_until(lambda: (nid,) in server.calls("CloseNotification"),
                       message="the ongoing call's notification closed")


@pytest.mark.parametrize("conf_text", [
    "[Notifications]\nduration-interval=0\n"])
def test_no_duration(client, phone, server, callkitd):
    answer(client, phone)
    ongoing = server.wait_for_notify("call")
    assert ongoing[4] == "Alice\nSpeakerbox"
