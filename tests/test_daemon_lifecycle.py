# SPDX-License-Identifier: LGPL-2.1-or-later
"""callkitd as a service: readiness and watchdog through sd_notify, the
bus name and --replace, exit statuses."""

import socket

from harness import BUS_NAME, scaled, wait_until


def notify_socket(tmp_path):
    """A datagram socket where callkitd's sd_notify messages arrive, as
    systemd's would."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    return sock, str(path)


def read_notifications(sock, until, timeout=10):
    """Collects the KEY=VALUE lines sent to ``sock`` until ``until`` is
    among them."""
    seen = []

    def got():
        while True:
            try:
                seen.extend(sock.recv(4096).decode().splitlines())
            except BlockingIOError:
                break
        return until in seen

    wait_until(got, timeout=scaled(timeout), poll_interval=0.01,
               message="%s over NOTIFY_SOCKET (got %r)" % (until, seen))
    return seen


def test_ready_watchdog_and_stopping(tmp_path, bus, start_daemon):
    sock, path = notify_socket(tmp_path)
    daemon = start_daemon(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"})
    seen = read_notifications(sock, "READY=1")
    # READY=1 goes out once the name is owned, never before.
    assert bus.get_name_owner(BUS_NAME) == daemon.unique_name
    assert any(line.startswith("STATUS=") for line in seen)
    read_notifications(sock, "WATCHDOG=1")
    assert daemon.stop() == 0
    read_notifications(sock, "STOPPING=1")
    sock.close()


def test_no_watchdog_without_watchdog_usec(tmp_path, bus, start_daemon):
    sock, path = notify_socket(tmp_path)
    daemon = start_daemon(env={"NOTIFY_SOCKET": path})
    read_notifications(sock, "READY=1")
    assert daemon.stop() == 0
    seen = read_notifications(sock, "STOPPING=1")
    assert "WATCHDOG=1" not in seen
    sock.close()


def test_second_instance_exits_non_zero(bus, callkitd, start_daemon):
    second = start_daemon(wait=False)
    assert second.wait_exit() == 1
    assert "--replace" in second.log_text()
    assert bus.get_name_owner(BUS_NAME) == callkitd.unique_name


def test_replace(bus, callkitd, start_daemon):
    second = start_daemon("--replace", wait=False)
    assert callkitd.wait_exit() == 0
    owner = bus.wait_for_name_owner(BUS_NAME, process=second.proc,
                                    pid=second.pid)
    assert owner != callkitd.unique_name


def test_bad_options_exit_2(start_daemon):
    daemon = start_daemon("--ringing-timeout=0", wait=False)
    assert daemon.wait_exit() == 2
    daemon = start_daemon("--no-such-option", wait=False)
    assert daemon.wait_exit() == 2
