"""The files a user names: read only regular files, never more than a limit; write every
file one way, so that nothing a user owns is lost.

Reading. A name is looked up with :func:`os.stat` before anything is opened, so a device
(``/dev/zero``), a FIFO (which would block), a folder or a socket is refused by name; the
file is then opened non-blocking and checked again, and at most ``limit + 1`` bytes are
read, so a file that grows (or a ``/proc`` file that reports size 0) is still bounded.

Writing (:func:`write_files`, :func:`write_text`, :func:`partial_file`), as SQLite and git
write theirs:

1. **Resolve the real target** (:func:`real_target`): symbolic links and ``..`` followed as
   the kernel will follow them once the missing parent folders exist (a folder that does
   not exist yet is created as a real folder, so ``new/..`` is the folder holding ``new``).
2. **Refuse** (:func:`check_outputs`) a target that is an input of the run (the same file,
   by device and inode where it exists, by resolved name where it does not), a file of the
   package or of its data folder (unless the caller names it as a documented writer's fixed
   target: ``history --refit``, ``data refresh``), one that exists and is not a regular
   file, or two outputs that are one file. Nothing is created before the check passes.
3. **Write beside it**: a temporary file in the target's folder (``.r.csv.<random>.tmp``),
   flushed and ``fsync``-ed, given the old file's permissions (or the umask's), then
   renamed over the target (:func:`os.replace`, atomic on POSIX) and the folder synced.
   On any failure the temporary file is removed and the old file is untouched; no partial
   file is ever left under the final name. Several files written together (a results CSV
   and its metadata) are all written to temporary files first and renamed only when every
   one is complete.
4. **Name the file** in every refusal and every OS error (``cannot write out/r.csv: No
   space left on device``).

A long streamed output (a sweep) goes to ``<stem>.partial<suffix>`` while it is written and
is renamed to its final name only when complete; if it is interrupted, what it computed is
kept under the partial name, which says so (:func:`partial_file`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .data import DEFAULT_DATA_DIR, data_dir
from .errors import FileError, shown

_NONBLOCK = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_BINARY = getattr(os, "O_BINARY", 0)

#: The package's own folder: its modules are never an output.
PACKAGE_DIR = Path(__file__).resolve().parent


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


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
    except OSError as e:
        raise _refuse("read", path, _reason(e)) from None
    return h.hexdigest()


def sha256_text(text: str | bytes) -> str:
    """The SHA-256 (hex) of a text's UTF-8 bytes, as :func:`sha256_file` of the file
    written from it."""
    return hashlib.sha256(text.encode("utf-8") if isinstance(text, str) else text).hexdigest()


def meta_path(out: Path) -> Path:
    """``results.csv`` -> ``results.meta.json`` beside it."""
    out = Path(out)
    if out.name in ("", ".", ".."):  # `--out .`: a folder, no file name to derive from
        raise FileError(
            f"cannot write {shown(out, 300)}: it is a folder, not a file name", str(out)
        )
    return out.with_name(out.stem + ".meta.json")


def partial_path(out: Path) -> Path:
    """``sweep.csv`` -> ``sweep.partial.csv``: where a streamed output is written until it
    is complete (and stays, marked, if it is interrupted)."""
    out = Path(out)
    return out.with_name(out.stem + ".partial" + out.suffix)


# --- where a write goes -------------------------------------------------------------------


def _name_checked(path: Path, label: str = "") -> Path:
    text = os.fspath(path)
    if "\x00" in text:
        raise _refuse("write", path, "not a valid file name", label)
    if not text or path.name in ("", ".", "..") or text.endswith(("/", os.sep)):
        raise _refuse("write", path, "it is a folder, not a file name", label)
    return path


def real_target(path: str | Path) -> Path:
    """The file a write to ``path`` will replace, as an absolute path: symbolic links
    followed, ``..`` resolved as the kernel resolves it once the missing parent folders are
    created (a created folder is a real folder, so ``new/..`` is the folder holding
    ``new``; :func:`os.path.realpath` resolves a missing component's ``..`` that way)."""
    path = _name_checked(Path(path))
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):  # a loop of links, a name too long
        raise _refuse("write", path, "the name cannot be resolved") from None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def protected_folders() -> dict[Path, str]:
    """Folders no output may go into (resolved): the package's own and its data folders
    (the shipped one and ``$REBALANCING_DATA_DIR``), each with what it is."""
    out = {}
    for folder, what in (
        (data_dir(), "the model's data folder"),
        (DEFAULT_DATA_DIR, "the model's data folder"),
        (PACKAGE_DIR, "the rebalancing package's folder"),
    ):
        try:
            out.setdefault(Path(os.path.realpath(folder)), what)
        except (OSError, ValueError):
            continue
    return out


def check_outputs(
    outputs: Mapping[Path, str] | Iterable[Path],
    inputs: Mapping[Path, str] | None = None,
    *,
    allow: Iterable[Path] = (),
) -> dict[Path, Path]:
    """Refuse, before anything is written or created, an output that is one of ``inputs``
    (the same file after links, ``..`` and relative names are resolved), a file of the
    package or its data (unless it is one of ``allow``, or inside a folder of ``allow``),
    one that exists and is not a regular file, or two outputs that are the same file.

    ``inputs`` maps each input to what it is (``the scenario file``); ``outputs`` may map
    each output to what it is too (``the metadata beside r.csv``). Returns each output's
    real target (:func:`real_target`)."""
    known_ids: dict[tuple[int, int], str] = {}
    known_names: dict[Path, str] = {}
    for p, what in (inputs or {}).items():
        ident = _identity(p)
        if ident:
            known_ids.setdefault(ident, what)
        try:
            known_names.setdefault(Path(os.path.realpath(p)), what)
        except (OSError, ValueError):
            pass
    allowed = []
    for a in allow:
        with contextlib.suppress(OSError, ValueError):
            allowed.append(Path(os.path.realpath(a)))
    guarded = protected_folders()
    labels = outputs if isinstance(outputs, Mapping) else dict.fromkeys(outputs, "")
    targets: dict[Path, Path] = {}
    seen: dict[Path, Path] = {}
    for out, label in labels.items():
        out = Path(out)
        _name_checked(out, label)
        real = real_target(out)
        try:
            st = os.stat(real)
        except ValueError:
            raise _refuse("write", out, "not a valid file name", label) from None
        except OSError:
            st = None  # does not exist (yet)
        if st is not None:
            what = kind(st.st_mode)
            if what:
                raise _refuse("write", out, f"it is {what}, not a regular file", label)
            if (st.st_dev, st.st_ino) in known_ids:
                what = known_ids[(st.st_dev, st.st_ino)]
                raise _refuse("write", out, f"it is {what}; nothing was written", label)
        if real in known_names:
            raise _refuse("write", out, f"it is {known_names[real]}; nothing was written", label)
        if not any(real == a or a in real.parents for a in allowed):
            for folder, what in guarded.items():
                if _inside(real, folder):
                    reason = (
                        f"it is a data file the model reads ({real.name})"
                        if folder.name == "data" and real.parent == folder and st is not None
                        else f"it is inside {what} ({shown(folder, 200)})"
                    )
                    raise _refuse("write", out, f"{reason}; nothing was written", label)
        if real in seen:
            raise _refuse("write", out, f"it is the same file as {shown(seen[real], 200)}", label)
        seen[real] = out
        targets[out] = real
    return targets


def make_dirs(folder: Path) -> None:
    """``mkdir -p``; a failure names the folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _refuse("create folder", folder, _reason(e)) from None
    except ValueError:
        raise _refuse("create folder", folder, "not a valid file name") from None


# --- how a write is made ------------------------------------------------------------------


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, which would
    race with other threads); 0o022 where ``/proc`` does not say."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _mode_for(real: Path) -> int:
    """The permissions the file will have: the old file's, or a new file's under the
    umask (a temporary file is created 0600)."""
    try:
        return stat.S_IMODE(os.stat(real).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _write(fd: int, data) -> int:
    """One ``os.write`` (a seam for tests: a full disk is simulated here)."""
    return os.write(fd, data)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temporary(real: Path, shown_as: Path) -> tuple[int, Path]:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name[:100]}.", suffix=".tmp", dir=real.parent)
    except OSError as e:
        raise _refuse("write", shown_as, _reason(e)) from None
    return fd, Path(tmp)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def _fill(fd: int, data: bytes, shown_as: Path) -> None:
    """Write all of ``data`` to ``fd``, flush it to the disk and close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[_write(fd, view) :]
        os.fsync(fd)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise _refuse("write", shown_as, _reason(e)) from None
    try:
        os.close(fd)  # some file systems report a full disk only here
    except OSError as e:
        raise _refuse("write", shown_as, _reason(e)) from None


def write_files(
    files: Mapping[Path, str | bytes],
    inputs: Mapping[Path, str] | None = None,
    *,
    labels: Mapping[Path, str] | None = None,
    allow: Iterable[Path] = (),
) -> dict[Path, Path]:
    """Write several files as one change: check them (:func:`check_outputs`), create the
    missing parent folders, write every one to a temporary file beside its target, and
    only when all are complete rename each into place, in the order given. Text is written
    as UTF-8. On any failure before the renames nothing is changed; a failure between two
    renames (a crash) leaves files whose metadata's SHA-256 tells that they do not belong
    together. Returns each file's real target."""
    allow = list(allow)
    names = {Path(p): (labels or {}).get(p, "") for p in files}
    check_outputs(names, inputs, allow=allow)
    for p in names:
        make_dirs(Path(p).parent)
    targets = check_outputs(names, inputs, allow=allow)  # again: the folders exist now
    done: list[tuple[Path, Path, Path]] = []
    try:
        for p, content in files.items():
            p = Path(p)
            real = targets[p]
            data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
            mode = _mode_for(real)
            fd, tmp = _temporary(real, p)
            done.append((p, real, tmp))
            _fill(fd, data, p)
            try:
                os.chmod(tmp, mode)
            except OSError as e:
                raise _refuse("write", p, _reason(e)) from None
        for p, real, tmp in done:
            try:
                os.replace(tmp, real)
            except OSError as e:
                raise _refuse("write", p, _reason(e)) from None
            _sync_folder(real.parent)
    finally:
        for _, _, tmp in done:
            if tmp.exists():
                _discard(tmp)
    return targets


def write_text(
    path: str | Path,
    text: str | bytes,
    inputs: Mapping[Path, str] | None = None,
    *,
    allow: Iterable[Path] = (),
) -> Path:
    """Write one file (UTF-8 text or bytes) as :func:`write_files` does; returns its real
    target. A name ending in a slash is a folder's, refused (``Path`` would drop it)."""
    if isinstance(path, str) and path.endswith(("/", os.sep)):
        raise _refuse("write", path, "it is a folder, not a file name")
    return write_files({Path(path): text}, inputs, allow=allow)[Path(path)]


class Partial:
    """A streamed output being written under its partial name (see :func:`partial_file`).

    ``path``: the partial file as the user would name it; ``target``: the final name.
    Text goes through :meth:`write` (hashed as it goes, unbuffered, so an error is seen at
    the write that met it); :meth:`mark` records that everything written so far is whole
    (a chunk of rows), which is what an interrupted file is cut back to. A library that
    writes the file itself (pyarrow) gets its name from :meth:`unhashed` and says with
    :meth:`mark` when the file is readable."""

    def __init__(self, real: Path, shown_as: Path):
        self.target = shown_as
        self.real = real
        self.path = partial_path(shown_as)
        self.real_partial = partial_path(real)
        self._hash = hashlib.sha256()
        self._hashed = True
        self.bytes = 0
        self.complete = 0  # bytes that end with a whole chunk (text), or 1 (a library's)
        self.fd: int | None = None

    def open_text(self) -> Partial:
        """Open the partial file for text (permissions as a new file's under the umask,
        then the final file's when it is renamed)."""
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NONBLOCK | _BINARY
            self.fd = os.open(self.real_partial, flags, 0o666)
        except OSError as e:
            raise _refuse("write", self.path, _reason(e)) from None
        return self

    def write(self, text: str) -> None:
        data = text.encode("utf-8")
        try:
            view = memoryview(data)
            while view:
                view = view[_write(self.fd, view) :]
        except OSError as e:
            raise _refuse("write", self.path, _reason(e)) from None
        self._hash.update(data)
        self.bytes += len(data)

    def mark(self) -> None:
        """Everything written so far is whole: kept if the file is interrupted later."""
        self.complete = self.bytes if self._hashed else 1

    def discard(self) -> None:
        """What was written is not whole after all (a library could not finish it)."""
        self.complete = 0

    def unhashed(self) -> Path:
        """For a library that writes the file itself (pyarrow): its name; the SHA-256 is
        then read back from the file when it is complete."""
        self._hashed = False
        return self.real_partial

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest() if self._hashed else sha256_file(self.real)

    def _finish(self) -> None:
        if self.fd is not None:
            try:
                os.fsync(self.fd)
            except OSError as e:
                raise _refuse("write", self.path, _reason(e)) from None
            finally:
                self._close()

    def _close(self) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            with contextlib.suppress(OSError):
                os.close(fd)

    def _cut_back(self) -> None:
        """After an interruption: keep only whole chunks; nothing whole, nothing kept."""
        self._close()
        with contextlib.suppress(OSError):
            if not self.complete:
                os.unlink(self.real_partial)
            elif self._hashed:
                os.truncate(self.real_partial, self.complete)


@contextlib.contextmanager
def partial_file(
    path: str | Path,
    inputs: Mapping[Path, str] | None = None,
    *,
    label: str = "",
) -> Iterator[Partial]:
    """A streamed output: written to ``<stem>.partial<suffix>`` beside ``path`` and renamed
    to ``path`` when the ``with`` block ends without an error (synced first). If it ends
    with an error or an interruption, the partial file keeps the whole chunks written
    before it (:meth:`Partial.mark`; none: no file) and the error goes on (the caller says
    where they are); nothing is written under the final name. Both names are checked as
    :func:`check_outputs` checks outputs."""
    path = Path(path)
    check_outputs({path: label}, inputs)
    make_dirs(path.parent)
    real = check_outputs({path: label}, inputs)[path]
    check_outputs({partial_path(real): f"the partial file of {shown(path.name)}"}, inputs)
    p = Partial(real, path)
    mode = _mode_for(real)
    try:
        yield p
        p._finish()
        try:
            os.chmod(p.real_partial, mode)
            os.replace(p.real_partial, real)
        except OSError as e:
            raise _refuse("write", path, _reason(e)) from None
        _sync_folder(real.parent)
    except BaseException:
        p._cut_back()
        raise
