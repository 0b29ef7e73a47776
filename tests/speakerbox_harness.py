# SPDX-License-Identifier: LGPL-2.1-or-later
"""speakerbox (clients/speakerbox) as a test peer: started on the test's
private bus, driven through its stdin, its stdout read line by line while
the GLib main context runs (so the test's own bus clients keep working).

speakerbox prints ``event: KIND ARGS...`` for what happens and
``ok COMMAND ...`` / ``error COMMAND MESSAGE`` for each command."""

import fcntl
import os
import signal
import subprocess
from pathlib import Path

import pytest

import harness
from harness import SOURCE_ROOT, scaled, wait_until

from gi.repository import GLib

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:")


def speakerbox_path():
    path = os.environ.get("SPEAKERBOX")
    candidate = Path(path) if path else (
        SOURCE_ROOT / "build" / "clients" / "speakerbox" / "speakerbox")
    if not candidate.exists():
        pytest.skip("speakerbox not built: set SPEAKERBOX (meson test does)")
    return str(candidate)


class Speakerbox:
    def __init__(self, args, log_path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen([speakerbox_path()] + [str(a) for a in args],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self._log,
                                     preexec_fn=harness.die_with_test)
        self.lines = []           # every stdout line, in order
        self._consumed = set()
        self._buffer = b""
        fd = self.proc.stdout.fileno()
        fcntl.fcntl(fd, fcntl.F_SETFL,
                    fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
        self._watch = GLib.unix_fd_add_full(
            GLib.PRIORITY_DEFAULT, fd,
            GLib.IOCondition.IN | GLib.IOCondition.HUP, self._on_output)

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
        self.lines.extend(line.decode() for line in lines)
        return GLib.SOURCE_CONTINUE

    def send(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def _find(self, prefix, words):
        for i, line in enumerate(self.lines):
            if i in self._consumed or not line.startswith(prefix):
                continue
            got = line[len(prefix):].split(" ")
            if got[:len(words)] == words:
                self._consumed.add(i)
                return got
        return None

    def expect(self, *words, timeout=5):
        """Waits for the first unused ``event: WORDS...`` line (matching the
        words given, as a prefix) and returns its words."""
        __tracebackhide__ = True
        return wait_until(
            lambda: self._find("event: ", list(words)), timeout=timeout,
            message=lambda: "event %r from speakerbox (got %r)" % (
                " ".join(words), self.lines))

    def index(self, *words, last=False):
        """Position of the first (or last) ``event: WORDS`` line, or None."""
        found = None
        for i, line in enumerate(self.lines):
            if line.startswith("event: ") and line[7:].split(" ")[:len(words)] == list(words):
                found = i
                if not last:
                    break
        return found

    def reply(self, name):
        """Waits for the next reply to command ``name``, as words."""
        __tracebackhide__ = True
        return wait_until(
            lambda: (["ok"] + r if (r := self._find("ok ", [name])) else None)
            or (["error"] + r if (r := self._find("error ", [name])) else None),
            message=lambda: "reply to %r (got %r)" % (name, self.lines))

    def command(self, line):
        """Sends a command; returns its reply as words (``ok ...`` or
        ``error ...``)."""
        __tracebackhide__ = True
        self.send(line)
        return self.reply(line.split(" ")[0])

    def ok(self, line):
        __tracebackhide__ = True
        reply = self.command(line)
        assert reply[0] == "ok", "%r failed: %r (output: %r)" % (line, reply, self.lines)
        return reply

    def log_text(self):
        try:
            return Path(self.log_path).read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=None):
        """quit (or a signal); returns the exit status."""
        if self.proc.poll() is None:
            if sig is None and self.proc.stdin.closed:
                sig = signal.SIGTERM
            if sig is None:
                self.send("quit")
            else:
                self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=scaled(10))
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self._watch is not None:
                GLib.source_remove(self._watch)
                self._watch = None
            self.proc.stdout.close()
            if not self.proc.stdin.closed:
                self.proc.stdin.close()
            self._log.close()

    def problems(self):
        return [line for line in self.log_text().splitlines()
                if any(m in line for m in SANITIZER_MARKERS)]


def start_speakerbox_factory(tmp_path):
    """Returns (start, boxes): start(*args) runs speakerbox and returns once
    it registered (its did-begin)."""
    boxes = []

    def start(*args, wait=True):
        box = Speakerbox(args, tmp_path / ("speakerbox-%d.log" % len(boxes)))
        boxes.append(box)
        if wait:
            box.expect("did-begin")
        return box

    return start, boxes


def finish(boxes):
    errors = []
    for box in boxes:
        status = box.stop() if box.proc.returncode is None else box.proc.returncode
        if status != 0:
            errors.append("speakerbox exited %s:\n%s" % (status, box.log_text()))
        elif box.problems():
            errors.append("speakerbox log:\n%s" % box.log_text())
    return errors
