"""Tests of ``autograd_lite.files``: atomic writes and output-path checks, and their users.

A file the project writes is either the old one, whole, or the new one, whole: after an
exception half-way, a full disk, a ``kill -9`` during the write, a failing or missing
Graphviz. Each test that writes over an existing file checks the old bytes survive.
"""

from __future__ import annotations

import doctest
import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import files, nn, viz, weights
from autograd_lite.value import Value

ROOT = Path(__file__).resolve().parent.parent
OLD = b"the previous contents, which must survive\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder in which no file can be created, whoever runs the tests."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    try:  # root may write anywhere on disk, but not in sysfs
        descriptor, probe = files.tempfile.mkstemp(dir="/sys")
    except OSError:
        return Path("/sys")
    os.close(descriptor)
    os.unlink(probe)
    pytest.skip("running as root with a writable /sys: no unwritable folder to test with")


def test_doctests() -> None:
    assert doctest.testmod(files).failed == 0


# ----------------------------------------------------------------------------- atomic writes


def test_atomic_write_writes_text_and_bytes(tmp_path: Path) -> None:
    assert files.atomic_write(tmp_path / "a.txt", "grüße\n").read_bytes() == "grüße\n".encode()
    assert files.atomic_write(tmp_path / "b.bin", b"\x00\xff").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_usual_permissions_and_an_old_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    umask = os.umask(0o022)
    try:
        new = files.atomic_write(tmp_path / "new.txt", "x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644  # not mkstemp's private 0o600
        old = tmp_path / "old.txt"
        old.write_bytes(OLD)
        old.chmod(0o640)
        files.atomic_write(old, "y")
        assert stat.S_IMODE(old.stat().st_mode) == 0o640
    finally:
        os.umask(umask)


def test_an_exception_half_way_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(OLD)
    with pytest.raises(RuntimeError, match="half-way"), files.atomic_open(path) as handle:
        handle.write(b"new and incomplete")
        raise RuntimeError("half-way")
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_a_full_disk_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(OLD)

    def disk_full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        files.atomic_write(path, b"new" * 1000)
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []


def test_kill_9_during_a_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "weights.npz"
    path.write_bytes(OLD)
    child = textwrap.dedent(
        f"""
        import sys, time
        from autograd_lite.files import atomic_open
        with atomic_open({str(path)!r}) as handle:
            handle.write(b"half of the new file")
            handle.flush()
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", child],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "writing\n"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        process.kill()
        process.wait()
    assert path.read_bytes() == OLD
    (temporary,) = leftovers(tmp_path)  # the hidden temporary file a kill leaves
    assert temporary.startswith(".weights.npz.")


def test_overwrite_false_never_replaces_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.dot"
    path.write_bytes(OLD)
    with pytest.raises(FileExistsError):
        files.atomic_write(path, "new", overwrite=False)
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []
    assert files.free_name(path) == tmp_path / "mine-1.dot"
    files.atomic_write(tmp_path / "mine-1.dot", "new", overwrite=False)
    assert files.free_name(path) == tmp_path / "mine-2.dot"
    assert files.free_name(tmp_path / "unused.dot") == tmp_path / "unused.dot"


# ----------------------------------------------------------------------------- path checks


def test_check_output_path_accepts_a_new_or_existing_file(tmp_path: Path) -> None:
    assert files.check_output_path(tmp_path / "new.npz") == tmp_path / "new.npz"
    (tmp_path / "old.npz").write_bytes(OLD)
    assert files.check_output_path(tmp_path / "old.npz") == tmp_path / "old.npz"
    assert (tmp_path / "old.npz").read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.npz"]  # the probe is gone


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "expected a file name, got an empty one"),
        (" ", "expected a file name, got an empty one"),
        ("{tmp}", "is a folder; expected a file name in it"),
        ("{tmp}/new/", "ends with '/'"),
        ("{tmp}/missing/w.npz", "the folder {tmp}/missing does not exist"),
        ("{tmp}/missing/deeper/w.npz", "the folder {tmp}/missing/deeper does not exist"),
        ("{tmp}/a-file/w.npz", "{tmp}/a-file is not a folder"),
    ],
)
def test_check_output_path_refuses_with_one_line(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "a-file").write_bytes(OLD)
    with pytest.raises(files.OutputPathError) as caught:
        files.check_output_path(name.format(tmp=tmp_path), what="--save")
    assert isinstance(caught.value, ValueError)
    text = str(caught.value)
    assert text.startswith("--save")
    assert message.format(tmp=tmp_path) in text
    assert "\n" not in text


def test_check_output_path_refuses_an_unwritable_folder(tmp_path: Path) -> None:
    folder = unwritable_folder(tmp_path)
    with pytest.raises(files.OutputPathError, match=r"cannot create files in .*\(Permission"):
        files.check_output_path(folder / "w.npz", what="--plot")


# ----------------------------------------------------------------------------- the writers


def model() -> Any:
    return nn.mlp([2, 3, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))


def test_weights_save_that_fails_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.npz"
    weights.save(path, model())
    before = path.read_bytes()

    def savez_then_fail(file: Any, **arrays: Any) -> None:
        file.write(b"PK\x03\x04 the start of an archive")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(weights.np, "savez", savez_then_fail)
    with pytest.raises(OSError, match="No space left"):
        weights.save(path, nn.mlp([2, 5, 1], rng=np.random.default_rng(1)))
    assert path.read_bytes() == before
    assert weights.load(path).weights[0][0].shape == (3, 2)
    assert leftovers(tmp_path) == []


def test_hidden_units_and_plots_are_written_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "units.png"
    viz.hidden_units(nn.mlp([4, 3, 2], rng=np.random.default_rng(0)), (2, 2), path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path.write_bytes(OLD)
    with pytest.raises(ValueError, match=r"\.jpx names no format"):
        viz.hidden_units(model(), (1, 2), path=tmp_path / "units.jpx")
    assert not (tmp_path / "units.jpx").exists()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(files.os, "fsync", fail)
    with pytest.raises(OSError):
        viz.hidden_units(model(), (1, 2), path=path)
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- Graphviz


def fake_dot(folder: Path, body: str) -> str:
    """A PATH holding only a fake ``dot`` executable running ``body`` (a shell script)."""
    folder.mkdir()
    script = folder / "dot"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return f"{folder}:/bin:/usr/bin"


def graph() -> Any:
    return Value(2.0, label="x") * 3


def test_missing_dot_never_replaces_the_users_dot_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    mine = tmp_path / "mine.dot"
    mine.write_bytes(OLD)
    with pytest.raises(viz.GraphvizNotFound) as caught:
        viz.save(graph(), tmp_path / "mine.svg")
    assert mine.read_bytes() == OLD
    fallback = tmp_path / "mine-1.dot"
    assert caught.value.written == fallback
    assert fallback.read_text(encoding="utf-8") == viz.draw(graph()).source
    assert f"written to {fallback} instead ({mine} already exists and was left alone)" in str(
        caught.value
    )


def test_a_dot_that_hangs_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", fake_dot(tmp_path / "bin", "exec sleep 30"))
    path = tmp_path / "g.svg"
    path.write_bytes(OLD)
    with pytest.raises(viz.GraphvizFailed) as caught:
        viz.save(graph(), path, timeout=0.5)
    assert caught.value.reason.startswith("took more than 0.5 s to lay out a graph of")
    assert "smaller max_nodes" in str(caught.value)
    assert path.read_bytes() == OLD


def test_a_dot_that_fails_is_reported_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = "echo 'Error: trouble in layout, giving up' >&2; exit 1"
    monkeypatch.setenv("PATH", fake_dot(tmp_path / "bin", body))
    path = tmp_path / "g.png"
    path.write_bytes(OLD)
    with pytest.raises(viz.GraphvizFailed) as caught:
        viz.save(graph(), path)
    assert caught.value.reason.endswith("(Error: trouble in layout, giving up)")
    assert path.read_bytes() == OLD
    monkeypatch.setenv("PATH", fake_dot(tmp_path / "bin2", "kill -SEGV $$"))
    with pytest.raises(viz.GraphvizFailed, match=r"exit status -11"):
        viz.save(graph(), path)
    assert path.read_bytes() == OLD


def test_a_format_that_contradicts_the_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="extension of png but the format asked for is svg"):
        viz.save(graph(), tmp_path / "g.png", format="svg")
    with pytest.raises(ValueError, match="unknown format 'gif'"):
        viz.save(graph(), tmp_path / "g", format="gif")
    assert viz.save(graph(), tmp_path / "g.gv", format="dot").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "g.gv"]
