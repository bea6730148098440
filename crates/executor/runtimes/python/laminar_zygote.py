"""laminar's Python zygote: one interpreter, started once, that forks the
runtime process of each cold start of a Python function.

laminar starts it as

    python3 laminar_zygote.py

with the channel to laminar (a SOCK_SEQPACKET socket) on file descriptor 3,
and an environment like a function's without the function's own variables.
It imports what the runtime client (laminar_runtime.py, next to this file)
imports and compiles the client once; then, for each request:

    request   JSON {"id", "env", "cwd", "cgroup", "nofile", "address_space",
              "mounts"} with the environment's stdout and stderr (SCM_RIGHTS)
    answers   "spawned <id> <pid>" or "failed <id> <why>", and later
              "exited <pid> <wait status>" (this process is the parent)

The child becomes what a spawned `python3 laminar_runtime.py` is: its own
process group, the environment's control group and rlimits, its own mount
namespace (the code at /var/task, the layers at /opt, its own /tmp), the
environment's variables and nothing of these, cwd, sys.path and argv as the
interpreter would have set them, and the client run as `__main__`.
"""

import json
import os
import select
import signal
import socket
import sys

RUNTIME_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "laminar_runtime.py")
CHANNEL_FD = 3

# What the client imports, imported once here (it is most of a cold start's
# interpreter time); the child runs the compiled client.
import importlib  # noqa: E402
import importlib.machinery  # noqa: E402
import time  # noqa: E402

with open(RUNTIME_FILE, "rb") as f:
    RUNTIME_CODE = compile(f.read(), RUNTIME_FILE, "exec")
# sys.path as the interpreter made it for a script in this folder, before
# PYTHONPATH (which the zygote has none of): the child inserts its own.
BASE_PATH = list(sys.path)
# What the interpreter added to its environment as it started (the locale
# coercion's LC_CTYPE): a spawned runtime, started with the same locale
# variables (a function that sets any is spawned), has it too.
ADDED = {k: os.environ[k] for k in ("LC_CTYPE",) if k in os.environ}

import ctypes  # noqa: E402
import resource  # noqa: E402

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18


def _check(result, what):
    if result == -1:
        errno = ctypes.get_errno()
        raise OSError(errno, "%s: %s" % (what, os.strerror(errno)))


def _mount(source, target, fstype, flags, data):
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    _check(
        _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
        "mount %s" % target,
    )


def _bind(source, target):
    _mount(source, target, None, MS_BIND | MS_REC, None)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)


def _enter_mounts(mounts):
    """The environment's own mount namespace, nested in the zygote's (where
    /var is laminar's already, with /var/runtime): the code over /var/task,
    the layers over /opt, a tmpfs over /tmp. As in namespace.rs."""
    uid, gid = os.geteuid(), os.getegid()
    if uid != 0:
        # The zygote's capabilities went with its exec: a user namespace of
        # the child's own gives them back.
        _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare")
        for name, text in (
            ("setgroups", "deny"),
            ("uid_map", "%d %d 1" % (uid, uid)),
            ("gid_map", "%d %d 1" % (gid, gid)),
        ):
            with open("/proc/self/" + name, "w") as f:
                f.write(text)
    else:
        _check(_libc.unshare(CLONE_NEWNS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE, None)
    _bind(mounts["code"], "/var/task")
    if mounts.get("opt"):
        _bind(mounts["opt"], "/opt")
    if mounts.get("tmp"):
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, mounts["tmp"])


def _become(request, out_fd, err_fd, zygote_pid):
    """In the child: everything a spawned runtime process gets. Raises on
    failure (the child then exits 127, its reason on its stderr)."""
    os.setpgid(0, 0)
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl")
    if os.getppid() != zygote_pid:
        os._exit(137)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    for fd in (null, out_fd, err_fd):
        os.close(fd)
    for procs in request["cgroup"]:
        with open(procs, "w") as f:
            f.write("0")
    files = request["nofile"]
    resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))
    if request.get("address_space"):
        space = request["address_space"]
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
    if request.get("mounts"):
        _enter_mounts(request["mounts"])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(dict(request["env"]))
    for name, value in ADDED.items():
        os.environ.setdefault(name, value)
    time.tzset()
    # As the interpreter orders it: the script's folder, PYTHONPATH, the rest.
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    sys.path[:] = BASE_PATH[:1] + extra + BASE_PATH[1:]
    importlib.invalidate_caches()
    sys.argv[:] = [RUNTIME_FILE]


def _serve(channel):
    """Forks on request until laminar goes; returns (in a child) what it is to
    become."""
    wake_r, wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    zygote_pid = os.getpid()
    channel.send(b"ready")
    while True:
        readable, _, _ = select.select([channel, wake_r], [], [])
        if wake_r in readable:
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                channel.send(b"exited %d %d" % (pid, status))
        if channel not in readable:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(channel, 1 << 20, 2)
        except InterruptedError:
            continue
        if not data:
            os._exit(0)  # laminar is gone; the children go with this process
        request = json.loads(data)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            channel.send(b"failed %d expected two descriptors" % request["id"])
            continue
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            channel.send(b"failed %d %s" % (request["id"], str(exc).encode()))
            continue
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in (wake_r, wake_w, channel.detach()):
                os.close(fd)
            return request, fds, zygote_pid
        for fd in fds:
            os.close(fd)
        channel.send(b"spawned %d %d" % (request["id"], pid))


def _child(request, fds, zygote_pid):
    try:
        _become(request, fds[0], fds[1], zygote_pid)
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, ("laminar_zygote: could not start the runtime: %r\n" % (exc,)).encode())
        finally:
            os._exit(127)
    main = type(sys)("__main__")
    main.__file__ = RUNTIME_FILE
    main.__loader__ = importlib.machinery.SourceFileLoader("__main__", RUNTIME_FILE)
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    # What the interpreter does with a script; SystemExit and uncaught errors
    # end the process as they would end it.
    exec(RUNTIME_CODE, main.__dict__)


if __name__ == "__main__":
    _child(*_serve(socket.socket(fileno=CHANNEL_FD)))
