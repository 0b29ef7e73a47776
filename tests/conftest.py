# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for the integration tests; see README.md for a tour.

Each test gets its own dbus-daemon, XDG_RUNTIME_DIR and HOME under its
tmp_path, and its own callkitd from the build tree. Teardown stops callkitd
with SIGTERM and fails the test unless it exited 0 with a clean log; the log
is attached to the report of every failed test.
"""

import importlib
import json
import os
import shlex
import subprocess
import sys

import pytest

pytest.register_assert_rewrite("harness")

import harness  # noqa: E402
from harness import (  # noqa: E402
    Client, Daemon, PrivateBus, drain_main_context, scaled)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "callkitd_args(*args): extra command-line arguments for the "
        "callkitd fixture, e.g. @pytest.mark.callkitd_args('--ringing-timeout=2')")
    config.addinivalue_line(
        "markers",
        "push_conf(**keys): [Push] keys of callkitd.conf for the push tests, "
        "e.g. @pytest.mark.push_conf(report_deadline_ms=300)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed or getattr(item, "_ckd_logs_reported", False):
        return
    item._ckd_logs_reported = True
    for daemon in getattr(item, "_ckd_daemons", []):
        report.sections.append(
            ("callkitd log (pid %d, %s)" % (daemon.pid, " ".join(daemon.args)),
             daemon.log_text() or "(empty)"))
    for server in getattr(item, "_ckd_pipewire", []):
        report.sections.append(("pipewire log", server.log_text() or "(empty)"))
    for bus in getattr(item, "_ckd_buses", []):
        text = bus.log_text()
        if text:
            report.sections.append(("dbus-daemon log (%s)" % bus.bus_type, text))


@pytest.fixture
def bus(request, tmp_path, monkeypatch):
    """A private session bus (harness.PrivateBus), running for the test.

    The test process's own environment points at it too (monkeypatched
    DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR, HOME, XDG_*_HOME), so any
    child the test runs stays inside the sandbox. The system bus address
    points nowhere unless the test uses ``system_bus``."""
    private = PrivateBus(tmp_path)
    request.node._ckd_buses = getattr(request.node, "_ckd_buses", []) + [private]
    private.start()
    for key, value in private.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS",
                       "unix:path=%s" % (private.runtime_dir / "no-system-bus"))
    yield private
    drain_main_context()
    private.stop()


@pytest.fixture
def system_bus(request, bus, monkeypatch):
    """A private *system* bus for mocks of system services (logind), with
    python-dbusmock through ``dbusmock_template``. Daemons started after it
    (the ``callkitd`` fixture makes sure of that) use it."""
    private = PrivateBus(bus.base_dir / "system", bus_type="system")
    request.node._ckd_buses = getattr(request.node, "_ckd_buses", []) + [private]
    private.start()
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", private.address)
    yield private
    drain_main_context()
    private.stop()


@pytest.fixture
def start_daemon(request, bus, tmp_path):
    """Factory: start_daemon(*args, env=None, wait=True, verbose=True)
    starts callkitd from the build tree on the private bus and, with
    ``wait``, returns once it owns the bus name. Returns a harness.Daemon.

    Every daemon is stopped at teardown with SIGTERM; the test fails unless
    it exited 0 (unless the test checked the status itself through
    ``stop()`` or ``wait_exit()``) and its log has no sanitizer report or
    critical. CKD_TEST_DAEMON_WRAPPER (e.g. "valgrind -q") prefixes the
    command."""
    path = harness.daemon_path()
    if path is None or not path.exists():
        pytest.skip("callkitd not built: set CALLKITD to the daemon "
                    "(meson test does) or build into %s"
                    % (harness.SOURCE_ROOT / "build"))
    wrapper = shlex.split(os.environ.get("CKD_TEST_DAEMON_WRAPPER", ""))
    daemons = []
    request.node._ckd_daemons = daemons

    def start(*args, env=None, wait=True, verbose=True):
        argv = (["--verbose"] if verbose else []) + [str(a) for a in args]
        log_path = tmp_path / ("callkitd-%d.log" % (len(daemons) + 1))
        extra_env = dict(env or {})
        extra_env.setdefault("DBUS_SYSTEM_BUS_ADDRESS",
                             os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
        # No /etc/xdg/callkitd/callkitd.conf of the machine, and the
        # untranslated texts whatever the language of the developer.
        extra_env.setdefault("XDG_CONFIG_DIRS", str(bus.base_dir / "xdg"))
        extra_env.setdefault("LC_ALL", "C.UTF-8")
        # GSettings (GNOME's do not disturb) from memory, not the
        # developer's dconf; tests of it choose the keyfile backend.
        extra_env.setdefault("GSETTINGS_BACKEND", "memory")
        extra_env.setdefault("LANGUAGE", "")
        daemon = Daemon(path, argv, bus, log_path, env=extra_env,
                        wrapper=wrapper)
        daemons.append(daemon)
        if wait:
            daemon.wait_ready()
        return daemon

    yield start

    errors = []
    for daemon in daemons:
        try:
            daemon.finish()
        except AssertionError as e:
            errors.append("callkitd pid %d: %s" % (daemon.pid, e))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def callkitd(request, start_daemon):
    """The daemon under test, running and owning the bus name.

    Extra arguments: @pytest.mark.callkitd_args('--ringing-timeout=2'), or
    indirect parametrization:
    @pytest.mark.parametrize('callkitd', [['--incoming-report-rate=0']],
    indirect=True)."""
    if "system_bus" in request.fixturenames:
        request.getfixturevalue("system_bus")
    args = []
    marker = request.node.get_closest_marker("callkitd_args")
    if marker is not None:
        args += list(marker.args)
    if hasattr(request, "param"):
        param = request.param
        args += list(param) if isinstance(param, (list, tuple)) else [param]
    return start_daemon(*args)


@pytest.fixture
def make_client(bus):
    """Factory: make_client(name='client') connects a new, separate bus
    client (harness.Client). Needs no daemon, so it also works with
    start_daemon. Connections are closed at teardown."""
    clients = []

    def make(name="client"):
        c = Client(bus, name)
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.close()
    drain_main_context()
    harness.check_callback_errors()


@pytest.fixture
def client(callkitd, make_client):
    """A client (think: the desktop shell or callctl) connected after the
    daemon is ready."""
    return make_client("client")


@pytest.fixture
def app(callkitd, make_client):
    """Another client, for the app that owns providers."""
    return make_client("app")


@pytest.fixture
def provider(app):
    """A provider registered by ``app`` (its own connection, separate from
    ``client``), DidBegin already received. Actions are not answered unless
    the test sets provider.auto_fulfill / auto_fail."""
    return app.register_provider({"localized_name": "Test Phone"})


@pytest.fixture
def run_callctl(bus):
    """Factory: run_callctl(*args, check=True, uid=None, timeout=30) runs
    callctl (CALLCTL, set by meson test) on the private bus and returns the
    CompletedProcess (text); with ``check`` a non-zero exit fails the test.
    The main context runs meanwhile, so auto-responders answer what callctl
    asks. ``uid`` runs it as another user (needs root)."""
    path = os.environ.get("CALLCTL")
    if not path:
        fallback = harness.SOURCE_ROOT / "build" / "clients" / "callctl" / "callctl"
        path = str(fallback) if fallback.exists() else None
    if not path or not os.path.exists(path):
        pytest.skip("callctl not built: set CALLCTL (meson test does)")

    def run(*args, check=True, uid=None, timeout=30):
        env = dict(os.environ)
        if uid is not None:
            # The runtime dir is 0700: other users reach the bus through
            # its abstract socket.
            env["DBUS_SESSION_BUS_ADDRESS"] = bus.other_user_address
            env["HOME"] = "/"
        result = harness.run_process(
            [path] + [str(a) for a in args], env=env, uid=uid,
            cwd="/" if uid is not None else None, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(
                "callctl %s exited %d\nstdout:\n%s\nstderr:\n%s"
                % (" ".join(map(str, args)), result.returncode,
                   result.stdout, result.stderr))
        return result

    return run


@pytest.fixture
def dbusmock_template(request, bus, tmp_path):
    """Factory: dbusmock_template(name, parameters=None) runs a
    python-dbusmock template (e.g. 'logind', 'notification_daemon') on the
    bus the template belongs on and returns its Popen once its name is
    owned. For system-bus templates, put ``system_bus`` in the test's
    arguments so that callkitd starts with it."""
    processes = []

    def start(name, parameters=None):
        template = importlib.import_module("dbusmock.templates." + name)
        target = (request.getfixturevalue("system_bus") if template.SYSTEM_BUS
                  else bus)
        argv = [sys.executable, "-m", "dbusmock", "--template", name]
        if template.SYSTEM_BUS:
            argv.append("--system")
        if parameters:
            argv += ["--parameters", json.dumps(parameters)]
        log = open(tmp_path / ("dbusmock-%s.log" % name), "ab")
        env = dict(os.environ)
        env.update(bus.env)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, env=env,
                                preexec_fn=harness.die_with_test)
        processes.append((proc, log))
        target.wait_for_name_owner(template.BUS_NAME, process=proc)
        return proc

    yield start
    for proc, log in processes:
        proc.terminate()
        proc.wait(timeout=scaled(10))
        log.close()


@pytest.fixture
def start_pipewire(request, bus):
    """Factory: start_pipewire(module_args='', wireplumber=False) starts a
    headless PipeWire (pipewire_harness.PipeWire) in the test's runtime dir,
    with a null sink and, unless ``module_args`` is None,
    libpipewire-module-callkit loaded with those arguments. Returns once the
    server answers (and, with ``wireplumber``, once a default sink is set).
    Start it before callkitd so the daemon connects at start-up; stopped
    at teardown, its log attached to failed tests. The test fails when the
    log has a sanitizer report (the module is sanitized in a sanitizer
    build). ``wrapper`` prefixes the pipewire command (valgrind),
    ``wireplumber_wrapper`` the wireplumber one; ``drop_ins`` ({name:
    text}) adds configuration files. WirePlumber runs without its
    Bluetooth monitor, whose logind plugin a bare root cannot serve."""
    import pipewire_harness
    servers = []
    request.node._ckd_pipewire = servers

    def start(module_args="", wireplumber=False, wrapper=None, drop_ins=None,
              wireplumber_wrapper=None):
        if module_args is not None and pipewire_harness.module_dir() is None:
            pytest.skip("libpipewire-module-callkit not built: set "
                        "CALLKITD_PIPEWIRE_MODULE_DIR (meson test does)")
        server = pipewire_harness.PipeWire(bus, module_args=module_args,
                                           wireplumber=wireplumber,
                                           wrapper=wrapper,
                                           drop_ins=drop_ins,
                                           wireplumber_wrapper=wireplumber_wrapper)
        servers.append(server)
        return server.start()

    yield start
    problems = []
    for server in servers:
        server.close()
        problems += server.log_problems()
    if problems:
        pytest.fail("pipewire log:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def pipewire(start_pipewire):
    """A headless PipeWire with our module and no session manager."""
    return start_pipewire()
