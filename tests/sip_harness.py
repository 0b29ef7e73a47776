# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real SIP softphone and a real far end for the tests: baresip (driven
by baresip-bridge through its ctrl_tcp module) and sipp, each a process of
the test, on 127.0.0.1 only.

- ``Baresip``: a baresip with a generated configuration (one account, no
  registrar, ausine as the audio source, aubridge devices that nothing is
  connected to while no call holds the audio session, ctrl_tcp on a free
  port). Ready when its ctrl_tcp port listens (read from /proc/net/tcp, so
  that the probe does not take ctrl_tcp's one client slot).
- ``Bridge``: baresip-bridge (BARESIP_BRIDGE), its ``event: ...`` lines
  read while the GLib main context runs.
- ``Sipp``: sipp running one scenario of tests/sipp/; ``trigger()`` sends
  an INFO with the scenario's Call-ID to sipp's own port, the scenarios'
  cue to hang up or cancel.

Every process is stopped by its PID at teardown (``ProcessSet``).
"""

import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from gi.repository import GLib

from harness import SOURCE_ROOT, TESTS_DIR, die_with_test, scaled, wait_until

SIPP_DIR = TESTS_DIR / "sipp"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")


def bridge_path():
    path = os.environ.get("BARESIP_BRIDGE")
    candidate = Path(path) if path else (
        SOURCE_ROOT / "build" / "clients" / "baresip-bridge" / "baresip-bridge")
    if not candidate.exists():
        pytest.skip("baresip-bridge not built: set BARESIP_BRIDGE (meson test does)")
    return str(candidate)


def require_programs():
    """baresip and sipp come from Debian's baresip-core and sip-tester
    (tools/lib.sh installs them)."""
    for program, package in (("baresip", "baresip-core"), ("sipp", "sip-tester")):
        if shutil.which(program) is None:
            pytest.skip("%s not installed (Debian package %s)" % (program, package))
    if not Path("/usr/share/alsa/alsa.conf.d/50-pipewire.conf").exists():
        pytest.skip("PipeWire's ALSA plugin not installed (Debian package pipewire-alsa)")


_used_ports = set()


def free_port(kind=socket.SOCK_DGRAM):
    """A port that nothing on 127.0.0.1 uses right now (for both UDP and
    TCP), never handed out twice in one test run."""
    while True:
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in _used_ports or not port_free(port):
            continue
        _used_ports.add(port)
        return port


def port_free(port):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port_range(count):
    """``count`` consecutive free ports (baresip's rtp_ports), UDP and TCP."""
    for _ in range(200):
        base = 20000 + secrets.randbelow(30000) // 2 * 2
        ports = range(base, base + count)
        if all(p not in _used_ports and port_free(p) for p in ports):
            _used_ports.update(ports)
            return base
    raise AssertionError("no %d consecutive free ports" % count)


def tcp_listening(port):
    """Whether something listens on 127.0.0.1:port (/proc/net/tcp)."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "0A":
                return True
    return False


class LineProcess:
    """A child whose stdout is read line by line on the GLib main context;
    stderr goes to a log file."""

    def __init__(self, argv, log_path, env, name):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self._log,
                                     preexec_fn=die_with_test)
        self.lines = []
        self._consumed = set()
        self._buffer = b""
        fd = self.proc.stdout.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self._watch = GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, fd, GLib.IOCondition.IN | GLib.IOCondition.HUP,
            self._on_output)

    @property
    def pid(self):
        return self.proc.pid

    def _on_output(self, fd, condition):
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return GLib.SOURCE_CONTINUE
        if not data:
            self._watch = None
            return GLib.SOURCE_REMOVE
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        self.lines.extend(line.decode(errors="replace").rstrip("\r") for line in lines)
        return GLib.SOURCE_CONTINUE

    def _find(self, words):
        for i, line in enumerate(self.lines):
            if i in self._consumed or not line.startswith("event: "):
                continue
            got = line[len("event: "):].split(" ")
            if got[:len(words)] == words:
                self._consumed.add(i)
                return got
        return None

    def expect(self, *words, timeout=10):
        """Waits for the first unused ``event: WORDS...`` line (the words
        given as a prefix) and returns all its words."""
        __tracebackhide__ = True
        words = [str(w) for w in words]

        def found():
            got = self._find(words)
            if got is None and self.proc.poll() is not None:
                raise AssertionError("%s exited with %s while waiting for %r; output: %r\n%s"
                                     % (self.name, self.proc.returncode, " ".join(words),
                                        self.lines, self.log_text()))
            return got

        return wait_until(found, timeout=timeout, message=lambda: "%s: event %r (got %r)" % (
            self.name, " ".join(words), self.lines))

    def seen(self, *words):
        """Whether an ``event: WORDS...`` line came, used or not."""
        words = [str(w) for w in words]
        return any(line.startswith("event: ") and line[7:].split(" ")[:len(words)] == words
                   for line in self.lines)

    def log_text(self):
        if not self._log.closed:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends ``sig`` (if still running) and returns the exit status;
        SIGKILL after ``timeout`` seconds."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._watch is not None:
            # Whatever is left in the pipe, for the report.
            self._on_output(self.proc.stdout.fileno(), None)
            if self._watch is not None:
                GLib.source_remove(self._watch)
                self._watch = None
        self.proc.stdout.close()
        self._log.close()
        return self.proc.returncode


class ProcessSet:
    """What a test started, stopped by PID in reverse order at teardown."""

    def __init__(self):
        self.items = []

    def add(self, item):
        self.items.append(item)
        return item

    def stop_all(self):
        errors = []
        for item in reversed(self.items):
            try:
                item.finish()
            except AssertionError as e:
                errors.append(str(e))
        self.items = []
        return errors


BARESIP_CONFIG = """\
# Generated for a test: one account, no registrar, no sound card.
poll_method             epoll
sip_listen              127.0.0.1:{sip_port}
net_interface           127.0.0.1
rtp_ports               {rtp_base}-{rtp_last}
# Nothing is connected to these aubridge devices: baresip opens no sound
# device and sends no sound until baresip-bridge switches to the real ones.
audio_player            aubridge,callkit-idle-player
audio_source            aubridge,callkit-idle-source
audio_alert             aubridge,callkit-idle-alert
ausrc_srate             48000
auplay_srate            48000
ausrc_channels          2
auplay_channels         2
module_path             /usr/lib/baresip/modules
module                  g711.so
module                  ausine.so
module                  aubridge.so
module                  alsa.so
module_app              account.so
module_app              menu.so
module_app              ctrl_tcp.so
ctrl_tcp_listen         127.0.0.1:{ctrl_port}
"""


class Baresip:
    """baresip with a generated configuration in ``directory``."""

    def __init__(self, directory, env, user="alice"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.user = user
        # baresip listens for SIP over UDP and TCP on this port, and for
        # SIP/TLS on the next one.
        self.sip_port = free_port_range(2)
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        self.rtp_base = free_port_range(16)
        self.aor = "sip:%s@127.0.0.1" % user
        (self.directory / "config").write_text(BARESIP_CONFIG.format(
            sip_port=self.sip_port, ctrl_port=self.ctrl_port,
            rtp_base=self.rtp_base, rtp_last=self.rtp_base + 15))
        (self.directory / "accounts").write_text(
            "<%s>;regint=0;answermode=manual\n" % self.aor)
        self.proc = None
        self.runs = 0

    @property
    def ctrl(self):
        return "127.0.0.1:%d" % self.ctrl_port

    @property
    def sip_address(self):
        return "127.0.0.1:%d" % self.sip_port

    def start(self):
        self.runs += 1
        self.log_path = self.directory.parent / ("baresip-%d.log" % self.runs)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(["baresip", "-f", str(self.directory)], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, preexec_fn=die_with_test)
        wait_until(self._ready, timeout=20, poll_interval=0.01,
                   message="baresip's ctrl_tcp to listen on %s" % self.ctrl)
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError("baresip exited with %s:\n%s"
                                 % (self.proc.returncode, self.log_text()))
        return tcp_listening(self.ctrl_port)

    def log_text(self):
        texts = []
        for path in sorted(self.directory.parent.glob("baresip-*.log")):
            texts.append(path.read_text(errors="replace").replace("\r", "\n"))
        return "\n".join(texts)

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            # baresip says goodbye to its calls' peers first.
            self.proc.wait(timeout=scaled(10))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        status = self.proc.returncode
        self.proc = None
        return status

    def finish(self):
        self.stop()


class Bridge(LineProcess):
    def __init__(self, args, log_path, env):
        super().__init__([bridge_path()] + list(args), log_path, env, "baresip-bridge")

    def problems(self):
        return [line for line in self.log_text().splitlines()
                if any(m in line for m in SANITIZER_MARKERS)]

    def finish(self):
        status = self.stop()
        assert status == 0, "baresip-bridge exited %s on SIGTERM:\n%s" % (status, self.log_text())
        assert not self.problems(), "baresip-bridge log:\n%s" % self.log_text()


class Sipp:
    """sipp playing ``scenario`` (a file of tests/sipp/) against
    ``target`` (HOST:PORT; None for a UAS that waits to be called)."""

    def __init__(self, directory, scenario, target, env, caller_user="sipp",
                 caller_name="SIPp", service="alice"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.media_port = free_port_range(4)
        # sipp names its one call from this pattern (%u: its number, 1).
        self.call_id = "callkit-test-%s-1" % secrets.token_hex(8)
        name = "sipp-%s-%d" % (Path(scenario).stem, self.port)
        self.stdout_path = self.directory / (name + ".out")
        argv = ["sipp", "-sf", str(SIPP_DIR / scenario), "-i", "127.0.0.1",
                "-p", str(self.port), "-mp", str(self.media_port), "-rtp_echo",
                "-m", "1", "-l", "1", "-nostdin", "-nd",
                "-timeout", "%ds" % int(scaled(120)),
                "-trace_msg", "-message_file", str(self.directory / (name + "-messages.log")),
                "-trace_err", "-error_file", str(self.directory / (name + "-errors.log")),
                "-cid_str", self.call_id[:-1] + "%u", "-key", "caller_user", caller_user,
                "-key", "caller_name", caller_name, "-s", service]
        if target:
            argv.append(target)
        self._out = open(self.stdout_path, "ab")
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=subprocess.STDOUT,
                                     cwd=str(self.directory), preexec_fn=die_with_test)
        self.argv = argv
        self._trigger = None

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def log_text(self):
        """sipp's screen, and the messages it sent and received."""
        texts = []
        for path in sorted(self.directory.glob(self.stdout_path.stem + "*")):
            try:
                texts.append("== %s\n%s" % (path.name, path.read_text(errors="replace")[-8000:]))
            except OSError:
                pass
        return "\n".join(texts)

    def wait(self, timeout=20):
        """Waits until the scenario ran to its end; returns sipp's exit
        status (0: the call went as the scenario says)."""
        wait_until(lambda: self.proc.poll() is not None, timeout=timeout, poll_interval=0.01,
                   message="sipp (%s) to finish its scenario" % self.argv[2])
        return self.proc.returncode

    def trigger(self):
        """Sends an INFO in this call to sipp's own port: the scenario then
        hangs up (uac.xml) or cancels (uac-cancel.xml). sipp sends its 200
        OK to the call's peer, not back here, so the effect (the BYE, the
        CANCEL) is what a test waits for."""
        message = (
            "INFO sip:sipp@127.0.0.1:{sipp} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-{branch}\r\n"
            "From: <sip:test@127.0.0.1:{me}>;tag=test\r\n"
            "To: <sip:sipp@127.0.0.1:{sipp}>\r\n"
            "Call-ID: {cid}\r\n"
            "CSeq: 1 INFO\r\n"
            "Max-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.sendto(message.format(sipp=self.port, me=sock.getsockname()[1],
                                       cid=self.call_id, branch=secrets.token_hex(6)).encode(),
                        ("127.0.0.1", self.port))

    def finish(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=scaled(10))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()
