"""The files a user names: read only regular files, never more than a limit; write only
where no input is overwritten; every refusal and every OS error names the file and the
reason (``cannot write out/r.csv: No space left on device``).

A name is looked up with :func:`os.stat` before anything is opened, so a device
(``/dev/zero``), a FIFO (which would block), a folder or a socket is refused by name; the
file is then opened non-blocking and checked again, and at most ``limit + 1`` bytes are
read, so a file that grows (or a ``/proc`` file that reports size 0) is still bounded.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from .errors import FileError, shown

_NONBLOCK = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def kind(mode: int) -> str | None:
    """What a non-regular file is (``a FIFO``), or ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(verb: str, path: Path | str, reason: str, label: str = "") -> FileError:
    name = shown(path, 300) + (f", {label}" if label else "")
    return FileError(f"cannot {verb} {name}: {reason}", str(path))


def _reason(e: OSError) -> str:
    return e.strerror or e.__class__.__name__


def read_bytes(path: str | Path, limit: int) -> bytes:
    """The bytes of regular file ``path``, refused if it holds more than ``limit`` bytes."""
    path = Path(path)
    try:
        st = os.stat(path)
        what = kind(st.st_mode)
        if what:
            raise _refuse("read", path, f"it is {what}, not a regular file")
        if st.st_size > limit:
            raise _refuse("read", path, f"larger than {limit} bytes")
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    except FileError:
        raise
    except OSError as e:
        raise _refuse("read", path, _reason(e)) from None
    except ValueError:  # a NUL character in the name
        raise _refuse("read", path, "not a valid file name") from None
    try:
        what = kind(os.fstat(fd).st_mode)  # replaced since the stat above?
        if what:
            raise _refuse("read", path, f"it is {what}, not a regular file")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        if isinstance(e, FileError):
            raise
        raise _refuse("read", path, _reason(e)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise _refuse("read", path, f"larger than {limit} bytes")
    return b"".join(chunks)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def check_outputs(outputs: Mapping[Path, str] | Iterable[Path], inputs: Mapping[Path, str]):
    """Refuse, before anything is written, an output that is one of ``inputs`` (the same
    file after links and relative names are resolved) or that exists and is not a regular
    file. ``inputs`` maps each input to what it is (``the scenario file``); ``outputs`` may
    map each output to what it is too (``the metadata beside r.csv``)."""
    known = {}
    for p, what in inputs.items():
        ident = _identity(p)
        if ident:
            known.setdefault(ident, what)
    labels = outputs if isinstance(outputs, Mapping) else dict.fromkeys(outputs, "")
    for out, label in labels.items():
        try:
            st = os.stat(out)
        except ValueError:
            raise _refuse("write", out, "not a valid file name", label) from None
        except OSError:
            continue  # does not exist (yet): cannot be an input; opening it will say why
        what = kind(st.st_mode)
        if what:
            raise _refuse("write", out, f"it is {what}, not a regular file", label)
        if (st.st_dev, st.st_ino) in known:
            what = known[(st.st_dev, st.st_ino)]
            raise _refuse("write", out, f"it is {what}; nothing was written", label)


def make_dirs(folder: Path) -> None:
    """``mkdir -p``; a failure names the folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _refuse("create folder", folder, _reason(e)) from None
    except ValueError:
        raise _refuse("create folder", folder, "not a valid file name") from None


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path``, refusing anything but a regular file; an OS
    error (a full disk, no permission) names the file and the reason."""
    path = Path(path)
    data = text.encode("utf-8")
    try:
        fd = os.open(
            path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NONBLOCK | _BINARY, 0o666
        )  # a FIFO without a reader fails (ENXIO) instead of blocking
    except OSError as e:
        raise _refuse("write", path, _reason(e)) from None
    except ValueError:
        raise _refuse("write", path, "not a valid file name") from None
    try:
        what = kind(os.fstat(fd).st_mode)
        if what:
            raise _refuse("write", path, f"it is {what}, not a regular file")
        view = memoryview(data)
        while view:
            view = view[_write(fd, view) :]
    except OSError as e:
        os.close(fd)
        if isinstance(e, FileError):
            raise
        raise _refuse("write", path, _reason(e)) from None
    try:
        os.close(fd)  # some file systems report a full disk only here
    except OSError as e:
        raise _refuse("write", path, _reason(e)) from None


def _write(fd: int, data) -> int:
    """One ``os.write`` (a seam for tests: a full disk is simulated here)."""
    return os.write(fd, data)
