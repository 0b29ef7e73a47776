# SPDX-License-Identifier: LGPL-2.1-or-later
"""History.CallBack: through a live provider of the entry's app (holding
or ending the active call in the same transaction), or, with none, by
starting the app through a real desktop entry with a tel:/sip: URI; and
the named errors when neither works. The desktop entries live in a
private XDG_DATA_DIRS; the app started is a tiny real program that writes
down the arguments it was given."""

import os
import stat
import sys
from pathlib import Path

import pytest

from harness import (HISTORY_IFACE, ROOT_PATH, new_uuid, raises_dbus_error, ring,
                     wait_until)
from history_harness import call_back, entry_of, missed, missed_count

PHONE = {"localized_name": "Phone", "desktop_entry": "org.example.Phone"}
ALICE = ("phone-number", "+4930123")

APP = """\
import os, sys
out = {out!r}
with open(out + ".tmp", "w") as f:
    f.write("\\n".join(sys.argv[1:]))
os.rename(out + ".tmp", out)
"""


class Desktop:
    """A private XDG_DATA_DIRS with desktop entries of small programs
    that record their arguments."""

    def __init__(self, base):
        self.dir = base / "xdg-data"
        (self.dir / "applications").mkdir(parents=True)
        self.base = base

    def add(self, app_id, exec_args="%u", program=True, extra=""):
        """Writes APP_ID.desktop; returns where its program writes its
        arguments."""
        out = self.base / ("%s.args" % app_id)
        script = self.base / ("%s.py" % app_id)
        script.write_text(APP.format(out=str(out)))
        command = ("%s %s" % (sys.executable if program else "/nonexistent/program", script))
        (self.dir / "applications" / ("%s.desktop" % app_id)).write_text(
            "[Desktop Entry]\nType=Application\nName=%s\nExec=%s %s\n"
            "MimeType=x-scheme-handler/tel;x-scheme-handler/sip;\n%s"
            % (app_id, command, exec_args, extra))
        return out


@pytest.fixture
def desktop(tmp_path):
    return Desktop(tmp_path)


@pytest.fixture
def callkitd(start_daemon, desktop):
    return start_daemon(env={"XDG_DATA_DIRS": str(desktop.dir)})


@pytest.fixture
def phone(app):
    return app.register_provider(PHONE)


# ---------------------------------------------------------------------------
# Through a live provider


def test_call_back_through_the_apps_provider(app, client):
    phone = app.register_provider(dict(PHONE, supports_video=True))
    uuid = missed(phone, client, remote_handle=ALICE, has_video=True)
    entry = entry_of(client, uuid)
    assert missed_count(client) == 1

    transaction = call_back(client, entry["id"])
    start = phone.wait_for_action("start-call")
    assert start.parameters["transaction"] == transaction
    assert tuple(start.parameters["handle"]) == ALICE
    assert start.parameters["video"] is True
    assert start.call != uuid
    props = client.wait_for_call(start.call)
    assert props["IsOutgoing"] is True and props["State"] == "dialing"
    phone.fulfill(start.id)
    [outcome] = client.wait_for_transaction(transaction)
    assert (outcome["type"], outcome["result"]) == ("start-call", "fulfilled")
    # Called back: dealt with.
    assert entry_of(client, uuid)["seen"] is True
    assert missed_count(client) == 0


def test_video_call_back_by_voice_without_video(phone, client):
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE, has_video=True))
    call_back(client, entry["id"])
    assert phone.wait_for_action("start-call").parameters["video"] is False


def test_call_back_picks_the_provider_of_the_entrys_app(app, client):
    other = app.register_provider({"localized_name": "Other",
                                   "desktop_entry": "org.example.Other"})
    phone = app.register_provider(PHONE)
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE))
    call_back(client, entry["id"])
    phone.wait_for_action("start-call")
    client.sync()
    other.assert_no_signal("PerformAction")


def test_call_back_prefers_a_provider_that_takes_the_handle(app, client):
    first = app.register_provider(dict(PHONE, supported_handle_types=["generic"]))
    second = app.register_provider(dict(PHONE, supported_handle_types=["phone-number"]))
    entry = entry_of(client, missed(first, client, remote_handle=ALICE))
    call_back(client, entry["id"])
    second.wait_for_action("start-call")
    client.sync()
    first.assert_no_signal("PerformAction")


def active_call(provider, client, **update):
    uuid = ring(provider, client, remote_handle=("phone-number", "+1"), **update)
    provider.auto_fulfill = True
    client.call_method(uuid, "Answer")
    client.wait_for_call_property(uuid, "State", "active")
    provider.auto_fulfill = False
    return uuid


def test_call_back_holds_the_active_call(phone, client):
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE))
    busy = active_call(phone, client)

    transaction = call_back(client, entry["id"])
    hold = phone.wait_for_action("set-held", call=busy)
    start = phone.wait_for_action("start-call")
    assert hold.parameters["transaction"] == start.parameters["transaction"] == transaction
    assert hold.parameters["on_hold"] is True
    phone.fulfill(hold.id)
    phone.fulfill(start.id)
    outcomes = client.wait_for_transaction(transaction)
    assert [o["type"] for o in outcomes] == ["set-held", "start-call"]
    client.wait_for_call_property(busy, "State", "held")
    assert client.get_call_properties(start.call)["State"] == "dialing"


def test_call_back_ends_a_call_that_cannot_be_held(phone, client):
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE))
    busy = active_call(phone, client, supports_holding=False)

    transaction = call_back(client, entry["id"])
    end = phone.wait_for_action("end-call", call=busy)
    start = phone.wait_for_action("start-call")
    assert end.parameters["transaction"] == start.parameters["transaction"] == transaction
    phone.fulfill(end.id)
    phone.fulfill(start.id)
    assert [o["type"] for o in client.wait_for_transaction(transaction)] == [
        "end-call", "start-call"]
    assert client.known_call_properties(busy)["EndedReason"] == "hung-up"


def test_call_back_refused_whole(phone, client):
    """When the transaction cannot be valid, nothing starts and the entry
    stays unseen: the provider takes no phone numbers."""
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE))
    phone.set_configuration(dict(PHONE, supported_handle_types=["email-address"]))
    with raises_dbus_error("InvalidAction", match="phone-number"):
        call_back(client, entry["id"])
    client.sync()
    phone.assert_no_signal("PerformAction")
    assert entry_of(client, entry["call"])["seen"] is False


# ---------------------------------------------------------------------------
# Starting the app


def read_args(path):
    wait_until(path.exists, message="the app to start and write %s" % path)
    return path.read_text().split("\n")


@pytest.mark.parametrize("handle,uri", [
    (("phone-number", "+49 30 123"), "tel:+4930123"),
    (("phone-number", "(030) 123-45"), "tel:(030)123-45"),
    (("email-address", "alice@example.org"), "sip:alice@example.org"),
    (("generic", "sips:bob@example.com;transport=tls"), "sips:bob@example.com;transport=tls"),
    (("generic", "bob smith"), "sip:bob%20smith"),
])
def test_call_back_starts_the_app(app, client, desktop, callkitd, handle, uri):
    args = desktop.add("org.example.Phone")
    phone = app.register_provider(PHONE)
    entry = entry_of(client, missed(phone, client, remote_handle=handle))
    phone.invalidate()

    assert call_back(client, entry["id"]) == ""
    assert read_args(args) == [uri]
    assert "was started with " + uri in callkitd.log_text()
    assert entry_of(client, entry["call"])["seen"] is True


def test_call_back_starts_the_app_by_its_app_id(app, client, desktop):
    """Without a desktop_entry in the provider's configuration, the app id
    names the desktop entry."""
    args = desktop.add("org.example.Named")
    # An unsandboxed provider's app id is its desktop entry: keep it, drop
    # the rest of the configuration that names one.
    phone = app.register_provider({"desktop_entry": "org.example.Named"})
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE))
    assert entry["app_id"] == "org.example.Named"
    phone.invalidate()
    assert call_back(client, entry["id"]) == ""
    assert read_args(args) == ["tel:+4930123"]


@pytest.mark.parametrize("case,match", [
    ("no entry", "no desktop entry org.example.Phone.desktop"),
    ("no uri", "takes no URI"),
    ("no program", "cannot be started"),
    ("no app id", "has no desktop entry to start it with"),
])
def test_call_back_cannot_start_the_app(app, client, desktop, case, match):
    config = PHONE
    if case == "no uri":
        desktop.add("org.example.Phone", exec_args="")
    elif case == "no program":
        desktop.add("org.example.Phone", program=False)
    elif case == "no app id":
        config = {"localized_name": "Nameless"}
    phone = app.register_provider(config)
    entry = entry_of(client, missed(phone, client, remote_handle=ALICE))
    phone.invalidate()
    with raises_dbus_error("CannotStartApp", match=match):
        call_back(client, entry["id"])
    # Nothing happened: the missed call is still to be seen.
    assert entry_of(client, entry["call"])["seen"] is False


def test_call_back_of_an_app_without_id_goes_by_its_name(app, client):
    nameless = app.register_provider({"localized_name": "Nameless"})
    entry = entry_of(client, missed(nameless, client, remote_handle=ALICE))
    assert entry["app_id"] == ""
    # Another nameless app of another name is not it.
    stranger = app.register_provider({"localized_name": "Stranger"})
    call_back(client, entry["id"])
    nameless.wait_for_action("start-call")
    client.sync()
    stranger.assert_no_signal("PerformAction")
