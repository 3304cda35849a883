"""``weights.save`` and ``weights.load`` with PyTorch state dicts (``.pt`` files)."""

from __future__ import annotations

import io
import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite import nn, weights
from autograd_lite.weights import WeightsFileError

# Tiny networks: PyTorch's thread pool only costs time, a lot on a busy machine.
torch.set_num_threads(1)

X = np.random.default_rng(5).normal(size=(6, 3))

# Set when a file's code runs: it never may.
RAN: list[str] = []


def run_code(text: str) -> str:
    RAN.append(text)
    return text


class Payload:
    """Pickles as a call of run_code: what a malicious file would hold."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (run_code, ("pwned",))


def tensor_model(seed: int = 0) -> Any:
    return nn.mlp([3, 4, 4, 2], "tanh", "sigmoid", rng=np.random.default_rng(seed))


def test_a_saved_pt_loads_into_pytorch_and_back(tmp_path: Path) -> None:
    model = tensor_model()
    path = tmp_path / "model.pt"
    weights.save(path, model)
    state = torch.load(path, weights_only=True)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2),
        torch.nn.Sigmoid(),
    ).double()
    theirs.load_state_dict(state)  # strict: the names and shapes fit a plain torch network
    out = theirs(torch.from_numpy(X)).detach().numpy()
    assert np.max(np.abs(out - model(X).data)) < 1e-12
    saved = weights.load(path)
    assert saved.activations == ["tanh", "tanh", "sigmoid"]
    for (W, b), (W2, b2) in zip(saved.weights, model.get_weights()):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)
    assert not [p for p in tmp_path.iterdir() if p.name != "model.pt"]  # no temporary left
    weights.save(tmp_path / "model.npz", model)
    assert path.stat().st_mode == (tmp_path / "model.npz").stat().st_mode  # the usual mode


def test_positions_follow_the_network(tmp_path: Path) -> None:
    value_net = nn.mlp([3, 4, 2], "relu", "linear", engine="value", rng=np.random.default_rng(1))
    weights.save(tmp_path / "value.pt", value_net)
    assert list(torch.load(tmp_path / "value.pt", weights_only=True)) == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    with_dropout = nn.Sequential(
        nn.Linear(3, 4, rng=np.random.default_rng(0)),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(4, 2, rng=np.random.default_rng(1)),
    )
    weights.save(tmp_path / "dropout.pth", with_dropout)
    state = torch.load(tmp_path / "dropout.pth", weights_only=True)
    with_dropout.to_torch().load_state_dict(state)
    assert list(state) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    weights.save(tmp_path / "bare.pt", value_net.get_weights())  # no activations known
    assert weights.load(tmp_path / "bare.pt").activations is None


def test_a_state_dict_saved_by_pytorch(tmp_path: Path) -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Dropout(), torch.nn.Linear(5, 1)
    )
    path = tmp_path / "theirs.pt"
    torch.save(theirs.state_dict(), path)
    saved = weights.load(path)
    assert saved.activations is None  # PyTorch records none
    assert np.array_equal(saved.weights[1][0], theirs[3].weight.detach().double().numpy())
    assert np.array_equal(saved.weights[0][1], theirs[0].bias.detach().double().numpy())
    # without a .pt name too: a file PyTorch wrote is recognised by its contents
    renamed = tmp_path / "theirs.weights"
    os.rename(path, renamed)
    assert np.array_equal(weights.load(renamed).weights[0][0], saved.weights[0][0])
    buffer = io.BytesIO()
    torch.save(theirs.state_dict(), buffer)
    buffer.seek(0)
    assert np.array_equal(weights.load(buffer).weights[1][1], saved.weights[1][1])


def test_an_npz_with_another_name_is_still_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"
    weights.save(path, tensor_model())
    assert weights.load(path).activations == ["tanh", "tanh", "sigmoid"]
    assert not weights.is_torch_file(path)


def test_code_in_a_pt_never_runs(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"0.weight": torch.ones(2, 2), "payload": Payload()}, path)
    with pytest.raises(WeightsFileError, match="weights_only=True") as caught:
        weights.load(path)
    assert RAN == []
    assert "\n" not in str(caught.value) and "Unsupported global" in str(caught.value)


def test_a_whole_pickled_module_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "module.pt"
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 2)), path)
    with pytest.raises(WeightsFileError) as caught:
        weights.load(path)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message
    assert "torch.nn.modules.container.Sequential" in message
    assert message.endswith("save model.state_dict(), not the model")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not a PyTorch state dict that loads with weights_only=True"),
        (b"not a torch file at all", "not a PyTorch state dict"),
    ],
)
def test_foreign_bytes(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(WeightsFileError, match=message) as caught:
        weights.load(path)
    assert "\n" not in str(caught.value)


def test_a_non_mlp_state_dict_and_mismatched_shapes(tmp_path: Path) -> None:
    conv = tmp_path / "conv.pt"
    torch.save(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.ReLU()).state_dict(), conv)
    with pytest.raises(WeightsFileError, match=r"0.weight has shape \(2, 1, 3, 3\)"):
        weights.load(conv)
    shapes = tmp_path / "shapes.pt"
    torch.save(
        OrderedDict([("0.weight", torch.ones(3, 2)), ("1.weight", torch.ones(1, 4))]), shapes
    )
    with pytest.raises(WeightsFileError, match=r"1.weight has shape .* takes 4 inputs"):
        weights.load(shapes)
    with pytest.raises(FileNotFoundError):
        weights.load(tmp_path / "missing.pt")


def test_recorded_activations_are_checked(tmp_path: Path) -> None:
    state = OrderedDict([("0.weight", torch.ones(1, 2)), ("0.bias", torch.zeros(1))])
    state._metadata = OrderedDict([("autograd_lite", {"activations": ["tanh", "tanh"]})])  # type: ignore[attr-defined]
    path = tmp_path / "bad.pt"
    torch.save(state, path)
    with pytest.raises(WeightsFileError, match="2 activation names for 1 layers"):
        weights.load(path)


def test_a_failed_save_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "model.pt"
    weights.save(path, tensor_model(0))
    before = path.read_bytes()
    with pytest.raises(ValueError, match="activation names"):
        weights.save(path, tensor_model(1).get_weights(), activations=["tanh"])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_bounds_and_non_finite_numbers(tmp_path: Path) -> None:
    path = tmp_path / "big.pt"
    torch.save({"0.weight": torch.zeros(300, 300), "0.bias": torch.zeros(300)}, path)
    assert weights.load(path).weights[0][0].shape == (300, 300)
    with pytest.raises(
        WeightsFileError, match=r"big.pt declares 3\d\d,\d\d\d bytes, more than 100,000"
    ):
        weights.load(path, max_bytes=100_000)
    nan = tmp_path / "nan.pt"
    torch.save({"0.weight": torch.ones(2, 2), "0.bias": torch.tensor([0.0, float("nan")])}, nan)
    with pytest.raises(WeightsFileError, match=r"nan.pt: 0.bias holds NaN or infinite numbers"):
        weights.load(nan)
    packed = tmp_path / "packed.pt"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, source.read(info))
    with pytest.raises(WeightsFileError, match=r"is compressed, which torch.save never does"):
        weights.load(packed)
