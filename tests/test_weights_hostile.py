"""Issue 14, item 7: weights.load bounds what it reads, and names every problem.

Hostile files are written by hand here: .npy headers that declare huge arrays, zip
entries that claim gigabytes, a real zip bomb (megabytes of zeros in kilobytes), members
that are not arrays, deep or huge JSON metadata, NaN and infinite weights, skipped
layers and unknown keys. Each must give a WeightsFileError naming the problem, without
allocating what the file declares; `autograd-lite compare --weights BAD` must exit 2
(never 1, which means an engine disagrees) with one line.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import weights

GOOD = [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]


def npy_header(descr: str, shape: tuple[int, ...], *, fortran: bool = False) -> bytes:
    """A version 1.0 .npy header written by hand (it may declare anything)."""
    text = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape}, }}"
    pad = -(10 + len(text) + 1) % 64
    body = (text + " " * pad + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def npy(array: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, bytes], compressed: bool = True) -> Path:
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def good_members() -> dict[str, bytes]:
    members = {}
    for index, (W, b) in enumerate(GOOD):
        members[f"W{index}.npy"] = npy(W)
        members[f"b{index}.npy"] = npy(b)
    return members


def refused(path: Any, match: str, **options: Any) -> str:
    with pytest.raises(weights.WeightsFileError, match=match) as caught:
        weights.load(path, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_header_declaring_74_gib_is_refused_without_allocating(tmp_path: Path) -> None:
    members = good_members()
    members["W0.npy"] = npy_header("<f8", (100_000, 100_000)) + b"\0" * 48
    path = write_zip(tmp_path / "huge.npz", members)
    assert path.stat().st_size < 4096
    tracemalloc.start()
    try:
        message = refused(path, r"W0\.npy declares an array of shape \(100000, 100000\)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "80,000,000,000 bytes" in message and "limit of 1,073,741,824" in message
    assert peak < 5_000_000


def test_a_header_that_disagrees_with_its_member_size_is_refused(tmp_path: Path) -> None:
    members = good_members()
    members["W0.npy"] = npy_header("<f8", (300, 200)) + b"\0" * 48  # 480,000 declared
    refused(write_zip(tmp_path / "short.npz", members), r"\(480,000 bytes\) in a member of")


def test_a_zip_entry_claiming_gigabytes_is_refused_before_decompressing(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "claims.npz", good_members(), compressed=False)
    raw = bytearray(path.read_bytes())
    central = raw.index(b"PK\x01\x02")  # the first central directory entry: W0.npy
    raw[central + 24 : central + 28] = struct.pack("<I", 0xFFFFFFF0)  # uncompressed size
    path.write_bytes(bytes(raw))
    refused(path, r"W0\.npy declares 4,294,967,280 bytes, more than the limit")


def test_a_zip_bomb_is_refused_from_its_header(tmp_path: Path) -> None:
    members = good_members()
    members["W0.npy"] = npy(np.zeros((2000, 2000)))  # 32 MB of zeros: about 30 KB deflated
    path = write_zip(tmp_path / "bomb.npz", members)
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        refused(path, r"more than the limit of 1,000,000", max_bytes=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # the 32 MB were never decompressed


def test_the_limit_counts_all_arrays_together(tmp_path: Path) -> None:
    members = {f"W{i}.npy": npy(np.ones((50, 50))) for i in range(4)}
    members |= {f"b{i}.npy": npy(np.zeros(50)) for i in range(4)}
    path = write_zip(tmp_path / "many.npz", members)
    refused(
        path, r"brings the arrays to [0-9,]+ bytes, more than the limit of 50,000", max_bytes=50_000
    )
    assert len(weights.load(path, max_bytes=200_000).weights) == 4


def test_an_enormous_npy_header_is_refused(tmp_path: Path) -> None:
    members = good_members()
    # version 2.0: a four-byte header length, here 100 MB
    members["W0.npy"] = b"\x93NUMPY\x02\x00" + struct.pack("<I", 100_000_000) + b"{" * 64
    refused(write_zip(tmp_path / "header.npz", members), r"W0\.npy is not a readable \.npy array")


def test_members_that_are_not_arrays(tmp_path: Path) -> None:
    members = good_members() | {"README.txt": b"hello"}
    refused(write_zip(tmp_path / "text.npz", members), r"unexpected member 'README\.txt'")
    members = good_members()
    members["b1.npy"] = b"just some text, not an array"
    refused(write_zip(tmp_path / "fake.npz", members), r"b1\.npy is not a readable \.npy array")
    members = good_members() | {"W0.npy/": b""}
    refused(write_zip(tmp_path / "folder.npz", members), "unexpected member")


@pytest.mark.parametrize(
    ("descr", "match"),
    [
        ("|O", "holds Python objects"),
        ("<c16", "holds complex128 data"),
        ("|V8", "holds |V8 data"),
        ("<M8[s]", "holds datetime64"),
    ],
)
def test_arrays_of_anything_but_numbers_are_refused(tmp_path: Path, descr: str, match: str) -> None:
    members = good_members()
    members["W0.npy"] = npy_header(descr, (3, 2)) + b"\0" * 96
    refused(write_zip(tmp_path / "dtype.npz", members), match)


def test_unknown_keys_are_named(tmp_path: Path) -> None:
    members = good_members() | {"extra.npy": npy(np.ones(2))}
    refused(write_zip(tmp_path / "extra.npz", members), r"unexpected member 'extra\.npy'")
    members = good_members() | {"W01.npy": npy(np.ones((1, 1)))}
    refused(write_zip(tmp_path / "zero.npz", members), r"unexpected member 'W01\.npy'")


def test_a_member_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.npz"
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_zip(path, good_members())
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("W0.npy", npy(np.full((3, 2), 9.0)))
    refused(path, r"member 'W0\.npy' appears twice")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_infinite_weights_are_refused(tmp_path: Path, bad: float) -> None:
    W = np.ones((3, 2))
    W[1, 0] = bad
    path = tmp_path / "nan.npz"
    np.savez(path, W0=W, b0=np.zeros(3))
    refused(path, r"W0 holds 1 NaN or infinite number; weights must be finite")
    np.savez(path, W0=np.ones((3, 2)), b0=np.full(3, bad))
    refused(path, r"b0 holds 3 NaN or infinite numbers")


def test_missing_and_skipped_layers_are_named(tmp_path: Path) -> None:
    path = tmp_path / "gap.npz"
    np.savez(path, W0=np.ones((3, 2)), b0=np.zeros(3), W2=np.ones((1, 3)), b2=np.zeros(1))
    refused(path, r"layer 1 is missing \(no W1, b1\) before layer 2")
    np.savez(path, W0=np.ones((3, 2)), b0=np.zeros(3), b1=np.zeros(1))
    refused(path, r"b1 has no weights W1")
    np.savez(path, b0=np.zeros(3))
    refused(path, r"not an autograd-lite weights file: it holds b0 \(expected W0")


def test_json_metadata_is_bounded_in_depth_and_size(tmp_path: Path) -> None:
    path = tmp_path / "meta.npz"
    deep = "[" * 100_000 + "]" * 100_000  # json.loads would hit RecursionError
    np.savez(path, W0=np.ones((1, 1)), b0=np.zeros(1), activations=np.array(deep))
    refused(path, "holds 200,000 characters")
    nested = '[["tanh"]]'
    np.savez(path, W0=np.ones((1, 1)), b0=np.zeros(1), activations=np.array(nested))
    refused(path, "not a flat JSON array of names")
    np.savez(path, W0=np.ones((1, 1)), b0=np.zeros(1), activations=np.array('{"a": 1}'))
    refused(path, "not a flat JSON array of names")
    np.savez(path, W0=np.ones((1, 1)), b0=np.zeros(1), activations=np.ones(3))
    refused(path, r"'activations' is float64 \(3,\), not text")
    np.savez(path, W0=np.ones((1, 1)), b0=np.zeros(1), format=np.array("x" * 70_000))
    refused(path, "'format' holds 70,000 characters")


def test_too_many_members_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "crowd.npz"
    empty = npy(np.zeros(0))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("W0.npy", npy(np.ones((1, 1))))
        for index in range(20_001):
            archive.writestr(f"b{index}.npy", empty)
    refused(path, "has 20,002 members; a weights file has at most 20,000")


def test_corrupt_and_truncated_archives(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "crc.npz", good_members(), compressed=False)
    raw = bytearray(path.read_bytes())
    data_at = raw.index(npy(GOOD[0][0])) + 140  # inside W0's numbers (after its header)
    raw[data_at] ^= 0xFF
    path.write_bytes(bytes(raw))
    refused(path, "not a readable weights file")
    cut = tmp_path / "cut.npz"
    weights.save(cut, GOOD)
    cut.write_bytes(cut.read_bytes()[:-30])
    refused(cut, "not a readable weights file")
    method = write_zip(tmp_path / "method.npz", good_members(), compressed=False)
    raw = bytearray(method.read_bytes())
    central = raw.index(b"PK\x01\x02")
    raw[central + 10 : central + 12] = struct.pack("<H", 99)  # an unknown compression
    method.write_bytes(bytes(raw))
    refused(method, "not a readable weights file")


def test_good_files_still_load_including_fortran_order_and_float32(tmp_path: Path) -> None:
    path = tmp_path / "good.npz"
    weights.save(path, GOOD, activations=["tanh", "linear"])
    saved = weights.load(path)
    assert saved.activations == ["tanh", "linear"]
    for (W, b), (W2, b2) in zip(saved.weights, GOOD):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    W = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    members = {"W0.npy": npy(W), "b0.npy": npy(np.zeros(3, dtype=np.float32))}
    loaded = weights.load(write_zip(tmp_path / "fortran.npz", members)).weights
    np.testing.assert_array_equal(loaded[0][0], np.arange(6.0).reshape(3, 2))
    assert loaded[0][1].dtype == np.float64
    buffer = io.BytesIO()
    weights.save(buffer, GOOD)
    assert len(weights.load(io.BytesIO(buffer.getvalue())).weights) == 2


def run_compare(path: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "autograd_lite", "compare", "--weights", str(path)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_compare_with_a_bad_weights_file_exits_2_with_one_line(tmp_path: Path) -> None:
    huge = good_members()
    huge["W0.npy"] = npy_header("<f8", (100_000, 100_000)) + b"\0" * 48
    nan = tmp_path / "nan.npz"
    np.savez(nan, W0=np.full((1, 2), np.nan), b0=np.zeros(1))
    gap = tmp_path / "gap.npz"
    np.savez(gap, W0=np.ones((3, 2)), b0=np.zeros(3), W2=np.ones((1, 3)), b2=np.zeros(1))
    for path, words in (
        (write_zip(tmp_path / "huge.npz", huge), "more than the limit"),
        (nan, "NaN or infinite"),
        (gap, "layer 1 is missing"),
    ):
        result = run_compare(path)
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "--weights" in lines[0]
