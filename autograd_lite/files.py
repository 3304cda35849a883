"""Writing files so that nothing is lost: a temporary name, then a rename into place.

Every file this project writes (weights, pictures, DOT text, JSON) goes through
:func:`atomic_open` or :func:`atomic_write`. The bytes go to a temporary file in the
same folder, are flushed to the disk (``fsync``), and the temporary file is renamed
over the target with :func:`os.replace`, which is atomic on POSIX and Windows. A crash,
``kill -9``, a full disk or an exception while writing therefore leaves the previous
file whole (and no temporary file behind, except after ``kill -9``: a hidden
``.NAME.*.tmp`` beside the target).

:func:`check_output_path` tells, before any work is done, whether a path can be written
at all (its folder exists, it is not a folder itself, the folder is writable), so a
command can refuse a bad ``--save`` at once rather than after minutes of training.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(folder / "note.txt", "first\\n").read_text()
'first\\n'
>>> with atomic_open(folder / "note.txt") as handle:
...     _ = handle.write(b"second\\n")
...     raise RuntimeError("a failure half-way")
Traceback (most recent call last):
...
RuntimeError: a failure half-way
>>> (folder / "note.txt").read_text()  # the previous contents, untouched
'first\\n'
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "OutputPathError",
    "atomic_open",
    "atomic_write",
    "check_output_path",
    "free_name",
    "save_figure",
]

PathLike = str | os.PathLike[str]


class OutputPathError(ValueError):
    """A path that cannot be written: a missing folder, a folder given as a file, no access.

    The message is ``"{what} {path}: {problem}"``; ``problem`` alone is an attribute.
    """

    def __init__(self, what: str, path: str, problem: str) -> None:
        super().__init__(f"{what} {path}: {problem}" if path else f"{what}: {problem}")
        self.problem = problem


def check_output_path(path: PathLike, *, what: str = "output file") -> Path:
    """Raise :class:`OutputPathError` unless ``path`` can be written; return it as a Path.

    ``what`` names the file in the message (e.g. ``"--save"``). The checks: the name is
    not empty, it is not an existing folder, its folder exists and is a folder, and a
    file can be created in that folder (tried: an empty temporary file is created and
    removed; :func:`atomic_open` writes a new file there and renames it, so the folder's
    permission is what counts, not the old file's).

    >>> check_output_path("/no/such/w.npz", what="--save")
    Traceback (most recent call last):
    ...
    autograd_lite.files.OutputPathError: --save /no/such/w.npz: the folder /no/such does not exist
    """
    text = os.fspath(path)
    if not text.strip():
        raise OutputPathError(what, "", "expected a file name, got an empty one")
    target = Path(text)
    if target.is_dir():
        raise OutputPathError(what, text, "is a folder; expected a file name in it")
    if text.endswith(("/", os.sep)):
        raise OutputPathError(what, text, "ends with '/'; expected a file name")
    folder = target.parent
    if not folder.exists():
        raise OutputPathError(what, text, f"the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputPathError(what, text, f"{folder} is not a folder")
    try:  # a real probe: permissions, read-only mounts and root's rights all count
        descriptor, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputPathError(what, text, f"cannot create files in {folder} ({reason})") from None
    os.close(descriptor)
    os.unlink(probe)
    return target


def _new_file_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give a new file (0o666 minus umask).

    The temporary file is created 0o600; without this a saved file would be private.
    """
    try:  # Linux reports the umask without changing it
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o644


@contextlib.contextmanager
def atomic_open(path: PathLike, *, overwrite: bool = True) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through: renamed into place when the block ends.

    The file is a temporary one in ``path``'s folder; when the ``with`` block ends
    without an exception it is flushed, ``fsync``-ed and renamed to ``path`` (an existing
    file of that name keeps its permissions). On an exception it is removed and ``path``
    is left as it was. With ``overwrite=False`` an existing ``path`` is never replaced:
    :class:`FileExistsError` is raised instead (the rename is then a hard link, which
    fails atomically when the name is taken).
    """
    target = Path(path)
    folder = target.parent
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=folder if str(folder) else "."
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except OSError:
                mode = _new_file_mode()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)
            os.unlink(temporary)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def atomic_write(path: PathLike, data: bytes | str, *, overwrite: bool = True) -> Path:
    """Write ``data`` (text is encoded as UTF-8) to ``path`` atomically; return the path.

    See :func:`atomic_open` for what happens on failure and for ``overwrite``.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_open(path, overwrite=overwrite) as handle:
        handle.write(payload)
    return Path(path)


def save_figure(figure: Any, path: PathLike, *, dpi: int = 100) -> Path:
    """Save a matplotlib ``figure`` to ``path`` atomically; the format follows the extension.

    matplotlib writes to the temporary file, so it must be told the format (PNG when the
    name has no extension, as matplotlib itself assumes).
    """
    target = Path(path)
    file_format = target.suffix.lstrip(".").lower() or "png"
    supported = figure.canvas.get_supported_filetypes()
    if file_format not in supported:
        raise ValueError(
            f"cannot save a figure as {target.name}: the extension .{file_format} names no "
            f"format matplotlib writes ({', '.join(sorted(supported))})"
        )
    with atomic_open(target) as handle:
        figure.savefig(handle, format=file_format, dpi=dpi)
    return target


def free_name(path: PathLike) -> Path:
    """``path`` if no file has that name, else the first free ``stem-1.suffix``, ``stem-2...``.

    For a fallback file that must not replace one the user already has (the name may
    still be taken between this call and the write: write with ``overwrite=False``).
    """
    target = Path(path)
    if not target.exists():
        return target
    for number in range(1, 10_000):
        candidate = target.with_name(f"{target.stem}-{number}{target.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"no free name like {target} in {target.parent}")
