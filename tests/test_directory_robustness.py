# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bad input to the CallDirectory gets a named error and leaves the old
list: a pipe whose writer never closes it (TimedOut after [Directory]
read-timeout-seconds), a stream without end (LimitExceeded at 256 MiB,
fed from a generator, never written to disk), too many entries, a full
disk (a small tmpfs over the directory: StorageFailed), and a daemon that
keeps serving while a list is read."""

import os
import subprocess
import threading

import pytest

from directory_harness import (
    add_blocking, directory_dir, list_of, lookup, replace, replace_fd, write_config)
from gi.repository import Gio, GLib

from harness import (BUS_NAME, DIRECTORY_IFACE, ROOT_PATH, raises_dbus_error, vardict,
                     wait_until)

SPAM = "org.example.Spam"
INPUT_LIMIT = 256 * 1024 * 1024


@pytest.fixture
def quick_timeout_client(bus, start_daemon, make_client):
    write_config(bus, read_timeout_seconds=1)
    start_daemon()
    return make_client()


def test_a_pipe_that_never_closes_times_out(quick_timeout_client):
    client = quick_timeout_client
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    r, w = os.pipe()
    try:
        os.write(w, b"+4930222222\n")
        with raises_dbus_error("TimedOut", match="close"):
            replace_fd(client, "blocking", r, app_id=SPAM)
        # The daemon served others while it waited, and after.
        assert lookup(client, "+4930111111")["blocked"] is True
        assert lookup(client, "+4930222222")["blocked"] is False
    finally:
        os.close(r)
        os.close(w)


def test_lookups_go_on_while_a_list_is_read(quick_timeout_client, make_client):
    """The read is off the main loop: another client is answered while a
    replace waits for its pipe."""
    client = quick_timeout_client
    other = make_client("other")
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    r, w = os.pipe()
    outcome = {}

    def slow_replace():
        try:
            replace_fd(client, "blocking", r, app_id=SPAM)
        except Exception as e:  # noqa: BLE001
            outcome["error"] = e

    t = threading.Thread(target=slow_replace)
    t.start()
    try:
        # Answered while the replace is still reading (its writer is open).
        assert lookup(other, "+4930111111")["blocked"] is True
        assert t.is_alive()
    finally:
        os.close(w)
        t.join()
        os.close(r)
    # The writer closed with nothing written: the list is now empty.
    assert "error" not in outcome
    assert lookup(other, "+4930111111")["blocked"] is False


def endless():
    """10 GB of comment lines, made as they are read."""
    line = b"#" + b"x" * 4094 + b"\n"
    block = line * 256
    for _ in range(10 * 1024 * 1024 * 1024 // len(block)):
        yield block


def test_an_endless_stream_hits_the_limit(client):
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    r, w = os.pipe()
    written = [0]

    def writer():
        try:
            for block in endless():
                view = memoryview(block)
                while view:
                    n = os.write(w, view)
                    written[0] += n
                    view = view[n:]
        except BrokenPipeError:
            pass
        finally:
            os.close(w)

    t = threading.Thread(target=writer)
    t.start()
    try:
        with raises_dbus_error("LimitExceeded", match="268435456 bytes"):
            replace_fd(client, "blocking", r, app_id=SPAM)
    finally:
        os.close(r)
        t.join()
    assert INPUT_LIMIT < written[0] < 2 * INPUT_LIMIT
    assert lookup(client, "+4930111111")["blocked"] is True
    assert list_of(client, SPAM, "blocking")["generation"] == 1


def test_a_long_line_is_refused(client):
    with raises_dbus_error("InvalidArgument", match="line 2"):
        replace(client, "blocking", "+4930111111\n" + "+49" + "1" * 10000 + "\n", app_id=SPAM)


@pytest.fixture
def small_disk(bus):
    """A 64 KiB tmpfs where the lists live."""
    path = directory_dir(bus)
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the full-disk test runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs",
                           str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % done.stderr.strip())
    yield path
    subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_keeps_the_old_list(small_disk, start_daemon, make_client):
    start_daemon()
    client = make_client()
    replace(client, "blocking", "+4930111111\n", app_id=SPAM)
    # 20000 numbers take 160 KiB: more than the disk holds.
    text = "".join("+1555%07d\n" % i for i in range(20000))
    with raises_dbus_error("StorageFailed", match="cannot store the list"):
        replace(client, "blocking", text, app_id=SPAM)
    with raises_dbus_error("StorageFailed"):
        add_blocking(client, ["+1555%07d" % i for i in range(10000)], app_id=SPAM)
    assert lookup(client, "+4930111111")["blocked"] is True
    assert lookup(client, "+15550000001")["blocked"] is False
    entry = list_of(client, SPAM, "blocking")
    assert entry["generation"] == 1 and entry["count"] == 1
    # No temporary file is left to fill the disk.
    assert sorted(p.name for p in small_disk.iterdir()) == [SPAM + ".blocking"]



def test_pipes_kept_open_tie_up_four_threads_at_most(quick_timeout_client):
    """Four replaces whose pipes never close run at once; a fifth, sent
    after them (one connection: callkitd takes them in order), whose text
    is whole, waits for a thread: it is answered after the first of the
    four timed out, not before."""
    client = quick_timeout_client
    answers = []
    pipes = [os.pipe() for _ in range(5)]
    os.write(pipes[4][1], b"+4930111111\n")
    os.close(pipes[4][1])

    def done(connection, result, i):
        try:
            connection.call_with_unix_fd_list_finish(result)
            answers.append((i, "ok"))
        except GLib.Error as e:
            answers.append((i, "TimedOut" if "TimedOut" in e.message or
                            "TimedOut" in str(e) else e.message))

    for i in range(5):
        fds = Gio.UnixFDList.new_from_array([os.dup(pipes[i][0])])
        client.connection.call_with_unix_fd_list(
            BUS_NAME, ROOT_PATH, DIRECTORY_IFACE, "ReplaceBlockingEntries",
            GLib.Variant.new_tuple(GLib.Variant("h", 0),
                                   vardict(app_id="org.example.App%d" % i)),
            GLib.VariantType("(u)"), Gio.DBusCallFlags.NONE, 60000, fds, None, done, i)
    try:
        wait_until(lambda: len(answers) == 5, timeout=30)
    finally:
        for r, w in pipes[:4]:
            os.close(w)
        for r, _ in pipes:
            os.close(r)
    assert sorted(answers) == [(0, "TimedOut"), (1, "TimedOut"), (2, "TimedOut"),
                               (3, "TimedOut"), (4, "ok")], answers
    order = [i for i, _ in answers]
    assert order.index(4) > 0, order
    assert lookup(client, "+4930111111")["blocked_by"] == ["org.example.App4"]
