"""Start and stop a standalone Voila server for one notebook: :func:`start_voila`.

Follows what was measured for voila 0.5.13 (``docs/design/VOILA_NOTES.md``):

- binds to ``127.0.0.1`` by default, on a free port picked by binding to port 0 when no
  port is given; ``--Voila.port_retries=0`` so Voila never silently moves to another port
  (a busy port is an error: :class:`PortInUseError`);
- readiness is polled on ``/voila/static/voila.js`` (polling ``/`` would start a kernel and
  run the notebook);
- runs in its own process group; :meth:`VoilaServer.stop` sends SIGTERM (Voila then shuts
  every kernel down) and waits, then SIGKILLs the group if needed;
- idle kernels are culled (closing a tab does not shut its kernel down in 0.5.13):
  ``MappingKernelManager.cull_idle_timeout`` / ``cull_interval``, with widget traffic
  (``comm_msg``, ``comm_open``, ``comm_close``) added to ``untracked_message_types`` so that
  an abandoned live dashboard, whose widgets keep talking, is culled too. These go into a
  ``voila.py`` config file (see :func:`voila_config`), as standalone Voila reads list
  traits reliably only from a config file;
- token: none on the loopback interface (only this machine can connect, as with a local
  notebook preview); when binding beyond loopback a random token is generated unless one
  is given, and it is part of :attr:`VoilaServer.url`. The token goes to Voila through the
  private ``voila.py`` config file (``Voila.token``), never on the command line, where any
  local user could read it with ``ps``.

The input of the notebook is passed through environment variables (``env``), since
preheated kernels run the notebook before any request and cannot see the query string.

Children die with their parent: on Linux, Voila gets a parent-death signal (SIGTERM, so it
still shuts its kernels down; its kernels watch Voila's pid themselves), so a ``kill -9`` of
the process that started it leaves no dashboard serving with an old token. Worker processes
of a :mod:`multiprocessing` pool call :func:`watch_parent` in their initializer.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coprod_analytics.errors import CoprodError

__all__ = [
    "DEFAULT_UNTRACKED_MESSAGE_TYPES",
    "PortInUseError",
    "VoilaError",
    "VoilaServer",
    "free_port",
    "is_loopback",
    "set_parent_death_signal",
    "start_voila",
    "voila_config",
    "watch_parent",
]

#: jupyter_server's default ``untracked_message_types`` written out in full, plus the
#: widget messages (so widget traffic alone does not keep a kernel alive).
#: The Voila template of every coprod app (``share/voila/templates/coprod`` in this package).
TEMPLATE = "coprod"

DEFAULT_UNTRACKED_MESSAGE_TYPES: tuple[str, ...] = (
    "comm_info_request",
    "comm_info_reply",
    "kernel_info_request",
    "kernel_info_reply",
    "shutdown_request",
    "shutdown_reply",
    "interrupt_request",
    "interrupt_reply",
    "debug_request",
    "debug_reply",
    "stream",
    "display_data",
    "update_display_data",
    "execute_input",
    "execute_result",
    "error",
    "status",
    "clear_output",
    "debug_event",
    "input_request",
    "input_reply",
    "comm_msg",
    "comm_open",
    "comm_close",
)


class VoilaError(CoprodError):
    """Voila could not be started (or stopped) as asked.

    The message says what went wrong, with the end of Voila's log when there is one.

    Examples
    --------
    >>> str(VoilaError("Voila exited with code 1"))
    'Voila exited with code 1'
    """


class PortInUseError(VoilaError):
    """The requested port is already in use (Voila does not silently move).

    The message says which port on which interface, and what to do.

    Examples
    --------
    >>> issubclass(PortInUseError, VoilaError)
    True
    """


_PR_SET_PDEATHSIG = 1


def _prctl() -> Any:
    """libc's ``prctl`` (Linux), loaded before any fork; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - no libc prctl
        return None


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask Linux to send ``sig`` to this process when the thread that started it ends.

    Call it in a child (a ``preexec_fn``, a worker's initializer); then check that the
    parent is still there, since it may have died before the call.

    Parameters
    ----------
    sig : int, default SIGTERM
        The signal.

    Returns
    -------
    bool
        True when set (False off Linux).

    Examples
    --------
    >>> isinstance(set_parent_death_signal(0), bool)  # 0 clears it again
    True
    """
    prctl = _prctl()
    return prctl is not None and prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def watch_parent(parent_pid: int, *, interval: float = 0.5) -> None:
    """End this process (SIGTERM, then exit) once ``parent_pid`` is no longer its parent.

    For worker processes (e.g. a :class:`concurrent.futures.ProcessPoolExecutor`
    ``initializer``): a parent-death signal where Linux has one, plus a daemon thread that
    polls the parent's pid (a ``kill -9`` of the parent leaves the worker an orphan).

    Parameters
    ----------
    parent_pid : int
        The pid of the process that started this one.
    interval : float, default 0.5
        Seconds between checks.

    Examples
    --------
    >>> watch_parent(os.getppid())  # returns at once; the watch runs in a daemon thread
    """
    set_parent_death_signal(signal.SIGTERM)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        with contextlib.suppress(OSError):
            os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        os._exit(1)

    threading.Thread(target=watch, name="coprod-parent-watch", daemon=True).start()


def _die_with_parent(parent_pid: int) -> Any:
    """A ``preexec_fn``: SIGTERM this child when its parent dies (Linux)."""
    prctl = _prctl()
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before the call
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine.

    Parameters
    ----------
    host : str
        An interface address or ``"localhost"``.

    Returns
    -------
    bool
        True for ``localhost``, ``127.0.0.0/8`` and ``::1``.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now on ``host`` (the OS picks it: bind to port 0).

    Parameters
    ----------
    host : str, default "127.0.0.1"
        The interface.

    Returns
    -------
    int
        The port (free when this returns; another process may take it later).

    Examples
    --------
    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def voila_config(
    *,
    cull_idle_timeout: int = 1800,
    cull_interval: int = 60,
    untracked_message_types: Sequence[str] = DEFAULT_UNTRACKED_MESSAGE_TYPES,
) -> str:
    """The text of a ``voila.py`` config file with kernel culling set up.

    Parameters
    ----------
    cull_idle_timeout : int, default 1800
        Seconds of inactivity before a kernel without an open page is shut down.
    cull_interval : int, default 60
        Seconds between checks for idle kernels.
    untracked_message_types : sequence of str
        Kernel messages that do not count as activity (by default including widget
        traffic, so an abandoned live dashboard is culled too).

    Returns
    -------
    str
        Python source for Voila's config file.

    Examples
    --------
    >>> text = voila_config(cull_idle_timeout=600)
    >>> "cull_idle_timeout = 600" in text, "'comm_msg'" in text
    (True, True)
    """
    types = ",\n".join(f"    {t!r}" for t in untracked_message_types)
    return (
        "# Voila configuration written by coprod-analytics (coprod_apps.launcher).\n"
        "# Idle kernels are culled: closing a browser tab does not shut its kernel down in\n"
        "# voila 0.5.13, and widget traffic (comm_*) does not count as activity.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.MappingKernelManager.cull_idle_timeout = {int(cull_idle_timeout)}\n"
        f"c.MappingKernelManager.cull_interval = {int(cull_interval)}\n"
        "c.MappingKernelManager.cull_connected = False\n"
        f"c.MappingKernelManager.untracked_message_types = [\n{types},\n]\n"
    )


@dataclass
class VoilaServer:
    """A running Voila server (returned by :func:`start_voila`).

    Attributes
    ----------
    url : str
        The page's URL (with ``?token=...`` when a token protects it).
    host : str
        The interface it listens on.
    port : int
        The port it listens on.
    token : str or None
        The token, or None when the server is open (loopback only).
    process : subprocess.Popen
        The Voila process (leader of its own process group).
    notebook : Path
        The notebook served.
    log_path : Path
        Voila's combined stdout/stderr.

    Examples
    --------
    >>> import json, tempfile, pathlib, urllib.request
    >>> nb = pathlib.Path(tempfile.mkdtemp()) / "tiny.ipynb"
    >>> _ = nb.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
    ...                                "nbformat_minor": 5}))
    >>> nb.name
    'tiny.ipynb'
    >>> with start_voila(nb) as server:  # doctest: +SKIP
    ...     urllib.request.urlopen(server.url).status
    200
    """

    url: str
    host: str
    port: int
    token: str | None
    process: subprocess.Popen[bytes]
    notebook: Path
    log_path: Path
    _workdir: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """``http://host:port`` without path or token.

        Returns
        -------
        str
            The address (``127.0.0.1`` for a server bound to all interfaces).
        """
        return f"http://{_url_host(self.host)}:{self.port}"

    def running(self) -> bool:
        """Whether the Voila process is still alive.

        Returns
        -------
        bool
            True while the process runs.
        """
        return self.process.poll() is None

    def log(self) -> str:
        """Voila's output so far.

        Returns
        -------
        str
            The log (empty when it cannot be read).
        """
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop Voila and its kernels.

        SIGTERM the process group (Voila shuts its kernels down), wait, SIGKILL it if it
        does not exit in time.

        Parameters
        ----------
        timeout : float, default 20
            Seconds to wait after SIGTERM.

        Returns
        -------
        int or None
            Voila's exit code.
        """
        proc = self.process
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        else:
            # the leader is gone; make sure no kernel of its group is left behind
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None
        return proc.returncode

    def __enter__(self) -> VoilaServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def start_voila(
    notebook: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    host: str = "127.0.0.1",
    token: str | None = None,
    preheat: bool = False,
    pool_size: int = 1,
    cull_idle_timeout: int = 1800,
    cull_interval: int = 60,
    untracked_message_types: Sequence[str] = DEFAULT_UNTRACKED_MESSAGE_TYPES,
    extra_args: Sequence[str] = (),
    ready_timeout: float = 120.0,
    log_path: str | os.PathLike[str] | None = None,
    die_with_parent: bool = True,
) -> VoilaServer:
    """Start Voila on one notebook and wait until it serves.

    Parameters
    ----------
    notebook : path
        The ``.ipynb`` to serve (its folder is the kernel's working directory).
    env : mapping, optional
        Extra environment variables for Voila and its kernels (e.g. ``COPROD_INPUT``).
    port : int, optional
        Port to listen on; a free one when omitted. A busy port raises
        :class:`PortInUseError` (never a silent move).
    host : str
        Interface to bind (default loopback).
    token : str, optional
        Protect pages and kernels with this token. Default: none on loopback, a random one
        otherwise.
    preheat : bool
        Keep ``pool_size`` kernels that have already run the notebook (fast first page;
        the notebook must then read its input from ``env``).
    pool_size : int
        Preheated kernels per notebook.
    cull_idle_timeout, cull_interval : int
        Seconds of inactivity before a kernel without an open page is shut down, and how
        often to check.
    untracked_message_types : sequence of str
        Kernel messages that do not count as activity.
    extra_args : sequence of str
        Further Voila command-line arguments.
    ready_timeout : float
        Seconds to wait for ``/voila/static/voila.js``.
    log_path : path, optional
        Where Voila's output goes (default: a temporary file).
    die_with_parent : bool, default True
        On Linux, Voila gets SIGTERM when the thread that called this ends (the process
        exiting or being killed, even with ``kill -9``): call it from a thread that lives
        as long as Voila should (the main thread, an executor's worker thread).

    Returns
    -------
    VoilaServer
        The running server (stop it with :meth:`VoilaServer.stop` or a ``with`` block).

    Raises
    ------
    PortInUseError
        The port is busy.
    VoilaError
        Voila exited or did not become ready in time (its log is in the message).

    Examples
    --------
    >>> from coprod_apps import app_notebook
    >>> notebook = app_notebook("report.ipynb")
    >>> server = start_voila(notebook, port=8866)  # doctest: +SKIP
    >>> server.url  # doctest: +SKIP
    'http://127.0.0.1:8866/'
    >>> server.stop()  # doctest: +SKIP
    0
    """
    nb = Path(notebook).resolve()
    if not nb.is_file():
        raise FileNotFoundError(f"{nb}: no such notebook")
    if port is None:
        port = free_port(host if host not in ("0.0.0.0", "") else "127.0.0.1")
    elif not (isinstance(port, int) and 0 < port < 65536):
        raise VoilaError(f"port must be an int in 1..65535; got {port!r}")
    elif not _port_is_free(host, port):
        raise PortInUseError(
            f"port {port} on {host} is already in use; choose another with --port or leave "
            "it out to pick a free one"
        )
    if token is None and not is_loopback(host):
        token = secrets.token_urlsafe(24)
    workdir = tempfile.TemporaryDirectory(prefix="coprod-voila-")
    cfg_dir = Path(workdir.name)
    config_text = voila_config(
        cull_idle_timeout=cull_idle_timeout,
        cull_interval=cull_interval,
        untracked_message_types=untracked_message_types,
    )
    if token:
        # in the private config file, not on the command line (visible to every local user
        # in `ps`); standalone voila 0.5.13 honours Voila.token from its config file
        config_text += f"c.Voila.token = {token!r}\n"
    fd = os.open(cfg_dir / "voila.py", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(config_text)
    log_file = Path(log_path) if log_path is not None else cfg_dir / "voila.log"
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(nb),
        "--no-browser",
        f"--Voila.ip={host}",
        f"--port={port}",
        "--Voila.port_retries=0",
        "--Voila.config_file_paths",
        str(cfg_dir),
    ]
    if not token:
        cmd.append("--token=")  # no token: open on loopback
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={int(pool_size)}"]
    # our template: Voila's lab template without the style sheets it asks a CDN for, so the
    # pages load nothing from another host (found on JUPYTER_PATH, ahead of any other)
    cmd.append(f"--template={TEMPLATE}")
    cmd += list(extra_args)
    full_env = {**os.environ, **(dict(env) if env else {})}
    share = str(Path(__file__).resolve().parent / "share")
    path = full_env.get("JUPYTER_PATH")
    full_env["JUPYTER_PATH"] = share + (os.pathsep + path if path else "")
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    with open(log_file, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(nb.parent),
            env=full_env,
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()) if die_with_parent else None,
        )
    url = f"http://{_url_host(host)}:{port}/" + (f"?token={token}" if token else "")
    server = VoilaServer(
        url=url,
        host=host,
        port=port,
        token=token,
        process=proc,
        notebook=nb,
        log_path=log_file,
        _workdir=workdir,
    )
    probe = f"http://{_url_host(host)}:{port}/voila/static/voila.js"
    deadline = time.monotonic() + ready_timeout
    while True:
        if proc.poll() is not None:
            log = server.log()
            server.stop()
            if "already in use" in log or "Address already in use" in log:
                raise PortInUseError(f"port {port} on {host} is already in use (Voila said so)")
            raise VoilaError(f"Voila exited with code {proc.returncode}:\n{log[-2000:]}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as resp:
                if resp.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            log = server.log()
            server.stop()
            raise VoilaError(f"Voila did not become ready in {ready_timeout:.0f} s:\n{log[-2000:]}")
        time.sleep(0.2)
    return server
