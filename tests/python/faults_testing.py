"""Helpers of the fault suite (test_faults_*.py): small file systems that can
fill up or turn read-only, and a laminar that is expected not to start.

Mounting needs root; without it the cases that mount say so and are skipped.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from laminar_testing import AWS_ENV, REPO_ROOT, laminar_bin


def need_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")


def run(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True)


class Tmpfs:
    """A tmpfs of `size` at `path`: a disk that fills up quickly."""

    def __init__(self, path: Path, size: str):
        need_root()
        path.mkdir(parents=True, exist_ok=True)
        run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        """Writes a file until the disk is full."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for size in (1 << 20, 4096, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError:
                    pass
        finally:
            os.close(fd)

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def remount(self, mode: str) -> None:
        run("mount", "-o", f"remount,{mode}", str(self.path))

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


class Ext4:
    """An ext4 file system in a loop file, mounted with `errors=remount-ro`:
    `fail()` makes the kernel turn it read-only under laminar's open files,
    as it does when a disk fails."""

    def __init__(self, image: Path, path: Path, size_mb: int = 64):
        need_root()
        if not Path("/sys/fs/ext4").is_dir():
            pytest.skip("no ext4 in this kernel")
        with open(image, "wb") as f:
            f.truncate(size_mb * 1024 * 1024)
        run("mkfs.ext4", "-q", "-F", str(image))
        path.mkdir(parents=True, exist_ok=True)
        self.image, self.path = image, path
        self.mount()

    def mount(self) -> None:
        run("mount", "-o", "loop,errors=remount-ro", str(self.image), str(self.path))

    def fail(self) -> None:
        device = subprocess.run(
            ["findmnt", "-no", "SOURCE", str(self.path)], capture_output=True, text=True, check=True
        ).stdout.strip()
        trigger = Path("/sys/fs/ext4") / Path(device).name / "trigger_fs_error"
        if not trigger.exists():
            pytest.skip("this kernel cannot trigger an ext4 error")
        trigger.write_text("1")

    def repair(self) -> None:
        """Unmounts, checks and mounts again (read-write)."""
        run("umount", str(self.path))
        subprocess.run(["e2fsck", "-fy", str(self.image)], capture_output=True)
        self.mount()

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


def failed_start(data_dir: Path, *extra: str, timeout: float = 60) -> tuple[int, str]:
    """Runs `laminar serve` on `data_dir`, expecting it to exit: its exit code
    and what it printed on stderr."""
    return failed_start_with(["--executor", "process", *extra], data_dir, timeout=timeout)


def failed_start_with(
    args: list[str], data_dir: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, str]:
    """`failed_start` with the executor and environment chosen by the caller."""
    environment = dict(os.environ)
    environment.update(AWS_ENV)
    environment["NO_COLOR"] = "1"
    environment.update(env or {})
    proc = subprocess.run(
        [str(laminar_bin()), "serve", "--port", "0", "--data-dir", str(data_dir), *args],
        cwd=str(REPO_ROOT),
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stderr


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
