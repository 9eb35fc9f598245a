"""rebalancing.files: the one way files are read and written.

Writes resolve the real target before anything is created, refuse inputs and the
package's own files, go through a temporary file beside the target that is synced and
renamed into place, and leave the old file untouched and no partial file under the final
name on any failure (issue 20). A full disk is a real tmpfs where this machine lets the
test mount one, an injected ``OSError(ENOSPC)`` where it does not.
"""

import errno
import os
import stat
import subprocess
from pathlib import Path

import pytest

from rebalancing import FileError, Scenario, simulate
from rebalancing import files as F
from rebalancing.export import read_results, write_results


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def enospc(*_):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a file system that is (almost) full: a 64 kB tmpfs when this process may
    mount one (root on Linux), else None (the tests then inject ENOSPC)."""
    mnt = tmp_path / "full"
    mnt.mkdir()
    if os.geteuid() != 0:
        yield None
        return
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
        capture_output=True,
        check=False,
    )
    if r.returncode != 0:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


# --- where a write goes -------------------------------------------------------------------


def test_dot_dot_through_a_folder_that_does_not_exist_yet_is_resolved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("my.json").write_text("{}")
    with pytest.raises(FileError, match="newdir/../my.json: it is the scenario file"):
        F.check_outputs([Path("newdir/../my.json")], {Path("my.json"): "the scenario file"})
    assert not Path("newdir").exists()  # nothing created before the check
    assert F.real_target("newdir/../my.json") == tmp_path / "my.json"


def test_a_symbolic_link_is_followed_to_its_target(tmp_path):
    (tmp_path / "real.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to("real.csv")
    F.write_text(tmp_path / "link.csv", "new")
    assert (tmp_path / "link.csv").is_symlink()  # the link is kept, its target written
    assert (tmp_path / "real.csv").read_text() == "new"
    with pytest.raises(FileError, match="it is the input"):
        F.write_text(tmp_path / "link.csv", "x", {tmp_path / "real.csv": "the input"})


def test_the_package_and_its_data_are_never_an_output(tmp_path):
    from rebalancing.data import DEFAULT_DATA_DIR

    for target in (
        F.PACKAGE_DIR / "engine.py",
        F.PACKAGE_DIR / "new.csv",
        F.PACKAGE_DIR / "blocks" / "sub" / "x.csv",
        DEFAULT_DATA_DIR / "facts.csv",
        DEFAULT_DATA_DIR / "new.csv",
        tmp_path / "nope" / ".." / os.path.relpath(DEFAULT_DATA_DIR / "facts.csv", tmp_path),
    ):
        with pytest.raises(FileError, match="nothing was written"):
            F.check_outputs([target])
    assert not (F.PACKAGE_DIR / "blocks" / "sub").exists()
    with pytest.raises(FileError, match=r"it is a data file the model reads \(facts.csv\)"):
        F.check_outputs([DEFAULT_DATA_DIR / "facts.csv"])


def test_a_documented_writer_may_write_its_fixed_name_only(tmp_path, monkeypatch):
    monkeypatch.setenv("REBALANCING_DATA_DIR", str(tmp_path))
    fits = tmp_path / "statsmodels_fits.json"
    F.write_text(fits, "{}", allow=[fits])
    assert fits.read_text() == "{}"
    with pytest.raises(FileError, match="inside the model's data folder"):
        F.write_text(tmp_path / "facts.csv", "x", allow=[fits])


def test_two_outputs_that_are_one_file_are_refused(tmp_path):
    with pytest.raises(FileError, match="is the same file as"):
        F.check_outputs([tmp_path / "a.csv", tmp_path / "x" / ".." / "a.csv"])


@pytest.mark.parametrize("name", ["", ".", "..", "out/", "a\x00b"])
def test_names_that_are_not_files_are_refused(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileError):
        F.write_text(name, "x")
    assert listing(tmp_path) == []


# --- how a write is made ------------------------------------------------------------------


def test_a_write_replaces_the_file_whole_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "r.csv"
    target.write_text("old")
    os.chmod(target, 0o640)
    F.write_text(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert listing(tmp_path) == ["r.csv"]  # no temporary file left


def test_a_new_file_gets_the_umask_s_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        F.write_text(tmp_path / "new.csv", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "r.csv"
    target.write_text("old,content\n")
    written = []

    def half_then_full(fd, data):
        if written:
            enospc()
        written.append(len(data) // 2)
        return os.write(fd, data[: len(data) // 2])

    monkeypatch.setattr(F, "_write", half_then_full)
    with pytest.raises(FileError, match=r"cannot write .*r.csv: No space left on device"):
        F.write_text(target, "x" * 100_000)
    assert target.read_text() == "old,content\n"
    assert listing(tmp_path) == ["r.csv"]


def test_files_written_together_are_renamed_only_when_all_are_complete(tmp_path, monkeypatch):
    (tmp_path / "r.csv").write_text("old results")
    (tmp_path / "r.meta.json").write_text("old meta")
    calls = []

    def second_fails(fd, data):
        calls.append(1)
        if len(calls) > 1:
            enospc()
        return os.write(fd, data)

    monkeypatch.setattr(F, "_write", second_fails)
    with pytest.raises(FileError, match="r.meta.json: No space left on device"):
        F.write_files({tmp_path / "r.csv": "new", tmp_path / "r.meta.json": "new"})
    assert (tmp_path / "r.csv").read_text() == "old results"
    assert (tmp_path / "r.meta.json").read_text() == "old meta"
    assert listing(tmp_path) == ["r.csv", "r.meta.json"]


def test_a_real_full_disk_leaves_the_old_file(full_disk, tmp_path, monkeypatch):
    folder = full_disk or tmp_path
    if full_disk is None:
        monkeypatch.setattr(F, "_write", enospc)
    target = folder / "r.csv"
    target.write_text("old,content\n")
    with pytest.raises(FileError, match=r"r.csv: No space left on device"):
        F.write_text(target, "y" * 200_000)
    assert target.read_text() == "old,content\n"
    assert listing(folder) == ["r.csv"]


# --- results and metadata are a pair ------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return simulate(Scenario().with_values({"global.horizon": 2030}), ["baseline"])


def test_a_results_file_and_its_metadata_are_checked_to_belong_together(small, tmp_path):
    csv, meta = write_results(small, tmp_path / "r.csv")
    df, info = read_results(csv)
    assert len(df) == len(small.to_frame()) and info["results_sha256"] == F.sha256_file(csv)
    other, _ = write_results(small, tmp_path / "other.csv")
    csv.write_bytes(csv.read_bytes().replace(b"baseline", b"baselinx", 1))  # edited by hand
    with pytest.raises(FileError, match="r.csv does not match r.meta.json"):
        read_results(csv)
    meta.write_text("{}")
    with pytest.raises(FileError, match="has no results_sha256"):
        read_results(csv)
    assert read_results(other)[1]["results_sha256"] == F.sha256_file(other)


# --- streamed outputs ---------------------------------------------------------------------


def test_a_complete_stream_gets_its_final_name(tmp_path):
    with F.partial_file(tmp_path / "s.csv") as part:
        part.open_text()
        part.write("a,b\n1,2\n")
        part.mark()
        assert (tmp_path / "s.partial.csv").exists() and not (tmp_path / "s.csv").exists()
    assert (tmp_path / "s.csv").read_text() == "a,b\n1,2\n"
    assert part.sha256 == F.sha256_text("a,b\n1,2\n")
    assert listing(tmp_path) == ["s.csv"]


def test_an_interrupted_stream_keeps_its_whole_chunks_under_the_partial_name(tmp_path):
    (tmp_path / "s.csv").write_text("the last complete sweep\n")
    with pytest.raises(KeyboardInterrupt), F.partial_file(tmp_path / "s.csv") as part:
        part.open_text()
        part.write("a,b\n1,2\n")
        part.mark()
        part.write("3,")  # half a chunk when the interruption comes
        raise KeyboardInterrupt
    assert (tmp_path / "s.partial.csv").read_text() == "a,b\n1,2\n"
    assert (tmp_path / "s.csv").read_text() == "the last complete sweep\n"


def test_a_stream_interrupted_before_a_whole_chunk_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), F.partial_file(tmp_path / "s.csv") as part:
        part.open_text()
        part.write("a,b\n1,")
        raise RuntimeError("the model failed")
    assert listing(tmp_path) == []


def test_read_bytes_is_bounded_and_refuses_non_files(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(FileError, match="larger than 100 bytes"):
        F.read_bytes(tmp_path / "big", 100)
    with pytest.raises(FileError, match="it is a folder"):
        F.read_bytes(tmp_path, 100)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(FileError, match="it is a FIFO"):
        F.read_bytes(tmp_path / "fifo", 100)
