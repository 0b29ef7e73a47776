# SPDX-License-Identifier: LGPL-2.1-or-later
"""A headless PipeWire server (and optionally WirePlumber) for one test.

Everything lives in the private bus's XDG_RUNTIME_DIR and XDG_CONFIG_HOME:
the server reads its drop-ins from $XDG_CONFIG_HOME/pipewire/pipewire.conf.d
(PIPEWIRE_CONFIG_DIR would hide the system config and break the pw-* tools).

The server gets a null sink (there is no sound card) and, unless told not
to, libpipewire-module-callkit from the build tree, found through
PIPEWIRE_MODULE_DIR: PipeWire 0.3.65 refuses absolute module paths.

The state is read with pw-dump, the tool a user would run.
"""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import harness
from harness import (LOG_FAILURE_PATTERN, SOURCE_ROOT, _process_gone, scaled,
                     wait_until)

SYSTEM_MODULE_DIR = "/usr/lib/x86_64-linux-gnu/pipewire-0.3"
SINK_NAME = "callkit-test-sink"

SINK_DROP_IN = """\
context.objects = [
  { factory = adapter
    args = {
      factory.name     = support.null-audio-sink
      node.name        = %s
      node.description = "Test sink"
      media.class      = Audio/Sink
      audio.position   = [ FL FR ]
      monitor.channel-volumes = true
    }
  }
]
""" % SINK_NAME

# WirePlumber 0.4 loads its logind plugin for the Bluetooth monitor, and
# that plugin is fatal where systemd-logind's /run/systemd is missing (a
# bare Debian root, a container): WirePlumber exits at once with status 70.
# There is no Bluetooth here anyway.
WIREPLUMBER_DROP_IN = """\
-- callkitd's tests: no Bluetooth, and so no logind plugin.
bluez_monitor.enabled = false
"""

MODULE_DROP_IN = """\
context.modules = [
  { name = libpipewire-module-callkit
    args = { %s }
  }
]
"""


def module_dir():
    """Where the built libpipewire-module-callkit.so is:
    CALLKITD_PIPEWIRE_MODULE_DIR (set by meson), else build/pipewire-module.
    None when neither holds the module."""
    path = os.environ.get("CALLKITD_PIPEWIRE_MODULE_DIR")
    candidates = [Path(path)] if path else []
    candidates.append(SOURCE_ROOT / "build" / "pipewire-module")
    for candidate in candidates:
        if (candidate / "libpipewire-module-callkit.so").exists():
            return candidate
    return None



def first_json_document(text):
    """The objects of pw-dump's output ``text`` ([] for none). pw-dump
    prints them as one JSON array once it has them all; objects that
    change before it exits are printed again as further arrays after it.
    The first is a complete view of the graph: it is the one returned, the
    rest is ignored. A first array cut short raises ValueError."""
    text = text.lstrip()
    if not text:
        return []
    objects, _ = json.JSONDecoder().raw_decode(text)
    return objects

class PipeWire:
    """A pipewire process (and a wireplumber when asked) on ``bus``'s
    runtime dir. ``env`` is what a PipeWire client of this server needs.

    ``module_args``: None to run without our module, else the text put in
    the module's ``args = { ... }`` (SPA-JSON, may be empty). ``drop_ins``:
    more configuration files {name: text}; the module's own is
    20-callkit-module.conf."""

    def __init__(self, bus, module_args="", wireplumber=False, wrapper=None,
                 drop_ins=None, wireplumber_wrapper=None):
        self.bus = bus
        self.module_args = module_args
        self.want_wireplumber = wireplumber
        self.wrapper = list(wrapper or [])
        self.wireplumber_wrapper = list(wireplumber_wrapper or [])
        self.base_dir = Path(bus.base_dir) / "pipewire"
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.base_dir / "pipewire.log"
        self.wp_log_path = self.base_dir / "wireplumber.log"
        self.proc = None
        self.wireplumber = None
        self._logs = []

        env = dict(os.environ)
        for key in ("PIPEWIRE_REMOTE", "PIPEWIRE_RUNTIME_DIR",
                    "PIPEWIRE_CONFIG_DIR", "PIPEWIRE_MODULE_DIR"):
            env.pop(key, None)
        env.update(bus.env)
        self.env = env

        wp_dir = Path(env["XDG_CONFIG_HOME"]) / "wireplumber" / "bluetooth.lua.d"
        wp_dir.mkdir(parents=True, exist_ok=True)
        (wp_dir / "80-callkit-test-no-bluetooth.lua").write_text(WIREPLUMBER_DROP_IN)
        conf_dir = Path(env["XDG_CONFIG_HOME"]) / "pipewire" / "pipewire.conf.d"
        conf_dir.mkdir(parents=True, exist_ok=True)
        (conf_dir / "10-callkit-test-sink.conf").write_text(SINK_DROP_IN)
        module_conf = conf_dir / "20-callkit-module.conf"
        self.server_env = dict(env)
        if module_args is not None:
            found = module_dir()
            if found is None:
                raise AssertionError(
                    "libpipewire-module-callkit.so is not built "
                    "(set CALLKITD_PIPEWIRE_MODULE_DIR)")
            self.server_env["PIPEWIRE_MODULE_DIR"] = "%s:%s" % (
                found, SYSTEM_MODULE_DIR)
            # A sanitized module needs its runtime loaded first. Leaks are
            # valgrind's to find (test_audio_module.py): at exit PipeWire
            # has unloaded its modules, so LeakSanitizer can tell neither
            # ours from PipeWire's nor suppress those.
            preload = os.environ.get("CALLKITD_PIPEWIRE_PRELOAD")
            if preload and not self.wrapper:
                self.server_env["LD_PRELOAD"] = preload
                self.server_env["ASAN_OPTIONS"] = ":".join(
                    o for o in (env.get("ASAN_OPTIONS"), "detect_leaks=0")
                    if o)
            module_conf.write_text(MODULE_DROP_IN % module_args)
        elif module_conf.exists():
            module_conf.unlink()
        for name, text in (drop_ins or {}).items():
            (conf_dir / name).write_text(text)

    # -- processes ---------------------------------------------------------

    def _spawn(self, argv, log_path, env):
        log = open(log_path, "ab")
        self._logs.append(log)
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=harness.die_with_test)

    def start(self):
        self.proc = self._spawn(self.wrapper + ["pipewire"], self.log_path,
                                self.server_env)
        wait_until(self._responds, timeout=scaled(20),
                   message="pipewire to answer", poll_interval=0.02)
        if self.want_wireplumber:
            self.wireplumber = self._spawn(self.wireplumber_wrapper + ["wireplumber"],
                                           self.wp_log_path, self.env)
            wait_until(lambda: self.default_sink() is not None,
                       timeout=scaled(20),
                       message="wireplumber to choose a default sink",
                       poll_interval=0.05)
        return self

    def _responds(self):
        if self.proc.poll() is not None:
            raise AssertionError("pipewire exited with status %d:\n%s"
                                 % (self.proc.returncode, self.log_text()))
        try:
            subprocess.run(["pw-cli", "info", "0"], env=self.env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=scaled(2),
                           check=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            return False
        return True

    @staticmethod
    def _stop_process(proc, sig, timeout):
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return proc.returncode

    def stop_wireplumber(self, sig=signal.SIGTERM):
        status = self._stop_process(self.wireplumber, sig, 10)
        self.wireplumber = None
        return status

    def stop(self, sig=signal.SIGTERM):
        """Stop wireplumber and pipewire; return pipewire's exit status."""
        self.stop_wireplumber()
        status = self._stop_process(self.proc, sig, 10)
        if self.proc is not None:
            pid = self.proc.pid
            wait_until(lambda: _process_gone(pid), timeout=10,
                       message="pipewire %d to go" % pid, poll_interval=0.01)
        self.proc = None
        return status

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        self.stop()
        for log in self._logs:
            log.close()
        self._logs = []

    def log_text(self):
        texts = []
        for path in (self.log_path, self.wp_log_path):
            try:
                texts.append(path.read_text(errors="replace"))
            except FileNotFoundError:
                pass
        return "\n".join(texts)

    def log_problems(self):
        """Sanitizer reports in pipewire's log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines()
                if LOG_FAILURE_PATTERN.search(line)]

    # -- state -------------------------------------------------------------

    def run(self, argv, timeout=10, check=True, **kwargs):
        """Run a pw-* tool (or anything) as a client of this server."""
        return subprocess.run(argv, env=self.env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True,
                              timeout=scaled(timeout), check=check, **kwargs)

    def spawn_client(self, argv, log_name="client.log"):
        """Start a long-running client (pw-play, a test stream); the caller
        stops it."""
        return self._spawn(argv, self.base_dir / log_name, self.env)

    def dump(self):
        """Every object, as pw-dump prints it."""
        return first_json_document(self.run(["pw-dump", "--no-colors"]).stdout)

    def nodes(self):
        return [o for o in self.dump()
                if o.get("type") == "PipeWire:Interface:Node"]

    def node(self, node_id):
        for o in self.nodes():
            if o["id"] == node_id:
                return o
        return None

    def find_nodes(self, **props):
        """Nodes whose properties have all of ``props`` (dots as __)."""
        wanted = {k.replace("__", "."): v for k, v in props.items()}
        return [n for n in self.nodes()
                if all(str(n["info"]["props"].get(k)) == str(v)
                       for k, v in wanted.items())]

    def metadata(self, name):
        """Entries of the metadata object called ``name`` as a list of
        dicts (subject, key, type, value), or None when there is none."""
        for o in self.dump():
            if (o.get("type") == "PipeWire:Interface:Metadata"
                    and o.get("props", {}).get("metadata.name") == name):
                return o.get("metadata") or []
        return None

    def default_sink(self):
        entries = self.metadata("default") or []
        for entry in entries:
            if entry.get("key") == "default.audio.sink":
                return entry.get("value")
        return None

    def node_props_param(self, node_id):
        """The node's current Props param (volume, mute, channelVolumes,
        softVolumes, softMute ...), or None."""
        node = self.node(node_id)
        if node is None:
            return None
        params = node["info"].get("params", {}).get("Props") or []
        merged = {}
        for p in params:
            merged.update(p)
        return merged


def wait_for(condition, message, timeout=10):
    """wait_until with the harness's scaling, for PipeWire state polled
    through pw-dump (no signal to wait on from the outside). ``message``
    is a string or a callable giving one."""
    deadline = time.monotonic() + scaled(timeout)
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.02)
    what = message() if callable(message) else message
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))
