"""The command line with PyTorch: ``compare --weights model.pt``, ``train --save model.pt``,
``export --to torch``, and every one of them without PyTorch installed.

Each command runs as a program (a subprocess), as a user runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite import cli, data, nn, weights

# Tiny networks: PyTorch's thread pool only costs time, a lot on a busy machine.
torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent
# Runs the command with PyTorch made impossible to import, as on a machine without it.
WITHOUT_TORCH = (
    "import sys; sys.modules['torch'] = None; "
    "from autograd_lite.cli import main; sys.exit(main(sys.argv[1:]))"
)


def command(*args: str, torch_missing: bool = False, cwd: Path = ROOT) -> Any:
    prefix = ["-c", WITHOUT_TORCH] if torch_missing else ["-m", "autograd_lite"]
    return subprocess.run(
        [sys.executable, *prefix, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Any:
    """The command run by ``cli.main`` in this process: quicker than a program, for the
    many cases (the subprocess tests show the program behaves the same)."""
    returncode = cli.main(argv)
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(argv, returncode, out, err)


def one_line_error(done: Any, *parts: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr containing every part."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for part in parts:
        assert part in lines[0], lines[0]


@pytest.fixture(scope="module")
def torch_trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-8-1 tanh/sigmoid network trained on the moons in PyTorch, its state dict saved."""
    moons = data.load_dataset("moons", rng=0)
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1), torch.nn.Sigmoid()
    )
    X = torch.tensor(moons.X_train, dtype=torch.float32)
    y = torch.tensor(moons.y_train, dtype=torch.float32).reshape(-1, 1)
    opt = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(200):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy(module(X), y).backward()
        opt.step()
    predicted = module(torch.tensor(moons.X_test, dtype=torch.float32)).detach().numpy() > 0.5
    assert np.mean(predicted.ravel() == moons.y_test) > 0.8  # it learned
    path = tmp_path_factory.mktemp("torch") / "moons.pt"
    torch.save(module.state_dict(), path)
    return path


@pytest.mark.slow
def test_compare_checks_a_network_trained_in_pytorch(
    torch_trained: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = command(
        "compare", "--weights", str(torch_trained), "--activation", "tanh",
        "--output-activation", "sigmoid", "--cost", "cross_entropy",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "network 2-8-1, tanh hidden, sigmoid output, cross_entropy cost" in done.stdout
    assert "OK: value, tensor, numeric and torch agree with the closed form" in done.stdout
    done = in_process(["compare", "--weights", str(torch_trained)], capsys)
    one_line_error(done, "does not record the activations", "--activation")
    done = in_process(
        ["compare", "--weights", str(torch_trained), "--activation", "tanh", "--json"], capsys
    )
    report = json.loads(done.stdout)
    assert report["ok"] and report["network"]["sizes"] == [2, 8, 1]
    assert report["input"]["weights_file"] == str(torch_trained)


@pytest.mark.slow
def test_train_saves_a_state_dict_pytorch_loads(tmp_path: Path) -> None:
    path = tmp_path / "moons.pt"
    done = command("train", "--data", "moons", "--epochs", "3", "--save", str(path))
    assert done.returncode == 0, done.stderr
    assert f"saved the weights to {path}" in done.stdout
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 1),
        torch.nn.Sigmoid(),
    ).double()
    module.load_state_dict(torch.load(path, weights_only=True))  # strict
    saved = weights.load(path)
    assert saved.activations == ["tanh", "tanh", "sigmoid"]
    ours = nn.Sequential.from_weights(saved.weights, "tanh", "sigmoid")
    X = data.load_dataset("moons", rng=0).X_test
    theirs = module(torch.from_numpy(X)).detach().numpy()
    assert np.max(np.abs(theirs - ours(X).data)) < 1e-12


def run_exported(programs: list[tuple[str, np.ndarray]], folder: Path) -> list[np.ndarray]:
    """Run each printed program, then its model on its X, in a fresh Python with PyTorch
    (one process for all: each program runs in a namespace of its own, in ``folder``)."""
    runner = ["import json, runpy, sys, numpy, torch", "results = []"]
    for index, (code, X) in enumerate(programs):
        (folder / f"exported_{index}.py").write_text(code, encoding="utf-8")
        np.save(folder / f"X_{index}.npy", X)
        runner += [
            f"model = runpy.run_path('exported_{index}.py')['model']",
            f"results.append(model(torch.from_numpy(numpy.load('X_{index}.npy'))).tolist())",
        ]
    runner.append("print(json.dumps(results))")
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(runner)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr
    return [np.array(result) for result in json.loads(done.stdout)]


@pytest.mark.slow
def test_export_prints_code_that_builds_the_same_network(
    tmp_path: Path, torch_trained: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    programs: list[tuple[str, np.ndarray]] = []
    expected: list[np.ndarray] = []

    # an .npz file: the numbers come through NumPy, one line per layer
    model = nn.mlp([4, 6, 5, 3], "relu", "softmax", rng=np.random.default_rng(2), init="uniform")
    weights.save(tmp_path / "net.npz", model)
    done = command("export", "--to", "torch", "net.npz", cwd=tmp_path)  # as a program
    assert done.returncode == 0, done.stderr
    code = done.stdout
    assert "    nn.Linear(4, 6),\n    nn.ReLU(),\n" in code
    assert "    nn.Softmax(dim=-1),\n).double()" in code
    assert 'arrays = np.load("net.npz")' in code
    assert len(code.splitlines()) == 19  # short: 6 layers, one line per Linear's numbers
    X = rng.normal(size=(5, 4))
    programs.append((code, X))
    expected.append(model(X).data)

    # a .pt file autograd-lite wrote: activations recorded, one load_state_dict line
    model = nn.mlp([3, 4, 1], "sigmoid", "linear", rng=np.random.default_rng(0))
    weights.save(tmp_path / "ours.pt", model)
    code = in_process(["export", "--to", "torch", "ours.pt"], capsys).stdout
    assert code.endswith('model.load_state_dict(torch.load("ours.pt", weights_only=True))\n')
    X = rng.normal(size=(3, 3))
    programs.append((code, X))
    expected.append(model(X).data)

    # a .pt file PyTorch wrote: no activations in it, so the flags give them
    done = in_process(["export", "--to", "torch", str(torch_trained)], capsys)
    one_line_error(done, "does not record its activations", "--activation")
    argv = ["export", str(torch_trained), "--activation", "tanh", "--output-activation", "sigmoid"]
    done = in_process(argv, capsys)
    assert done.returncode == 0, done.stderr
    X = rng.normal(size=(4, 2))
    saved = weights.load(torch_trained)
    programs.append((done.stdout, X))
    expected.append(nn.Sequential.from_weights(saved.weights, "tanh", "sigmoid")(X).data)

    # a state dict whose Linear layers sit at other positions, one of them without bias
    torch.manual_seed(1)
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.Linear(5, 2, bias=False),
    ).double()
    torch.save(module.state_dict(), tmp_path / "gaps.pt")
    done = in_process(["export", "gaps.pt", "--activation", "relu"], capsys)
    assert done.returncode == 0, done.stderr
    assert "nn.Linear(5, 2, bias=False)" in done.stdout
    assert '"2.weight": state["3.weight"],' in done.stdout
    X = rng.normal(size=(4, 3))
    programs.append((done.stdout, X))
    expected.append(module.eval()(torch.from_numpy(X)).detach().numpy())

    for got, want in zip(run_exported(programs, tmp_path), expected, strict=True):
        assert got.shape == want.shape and np.max(np.abs(got - want)) < 1e-12


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    files = {
        "conv": torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)).state_dict(),
        "batchnorm": torch.nn.Sequential(
            torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)
        ).state_dict(),
        "shapes": torch.nn.Sequential(
            torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(4, 1)
        ).state_dict(),
        "module": torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU()),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.pt"
        torch.save(content, paths[name])
    return paths


EXPECTED = {
    "conv": ["0.weight has shape (2, 1, 3, 3), not a Linear layer's (n_out, n_in)"],
    "batchnorm": ["'1.running_mean' is not a Linear layer's weight or bias"],
    "shapes": ["2.weight has shape (1, 4), so it takes 4 inputs", "gives 3 outputs"],
    "module": ["weights_only=True", "torch.nn.modules.container.Sequential", "state_dict()"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_pt_files_are_one_line_and_exit_2(
    name: str, bad_files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(bad_files[name])
    one_line_error(in_process(["compare", "--weights", path], capsys), path, *EXPECTED[name])
    one_line_error(in_process(["export", "--to", "torch", path], capsys), path, *EXPECTED[name])


@pytest.mark.slow
def test_a_bad_pt_file_as_a_program(bad_files: dict[str, Path]) -> None:
    path = str(bad_files["module"])
    one_line_error(command("compare", "--weights", path), path, *EXPECTED["module"])


# ----------------------------------------------------------------------------- without PyTorch


def test_the_library_imports_without_pytorch() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "sys.modules['torch'] = None\n"
        "import autograd_lite\n"
        "found = pkgutil.walk_packages(autograd_lite.__path__, 'autograd_lite.')\n"
        "names = [m.name for m in found if m.name != 'autograd_lite.__main__']\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(len(names))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    files = list((ROOT / "autograd_lite").rglob("*.py"))
    assert int(done.stdout) == len(files) - 2  # all but autograd_lite/__init__ and __main__
    unblocked = "import sys, autograd_lite, autograd_lite.cli.export; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", unblocked], capture_output=True, text=True)
    assert done.stdout.strip() == "False"  # PyTorch is not even loaded until asked for


def test_the_python_features_name_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from autograd_lite import check, nn, weights\n"
        "model = nn.mlp([2, 3, 1], 'tanh', rng=np.random.default_rng(0))\n"
        "attempts = [model.to_torch, nn.mlp([2, 3, 1], engine='value').to_torch,\n"
        "            lambda: nn.Sequential.from_torch(None),\n"
        "            lambda: weights.save('m.pt', model), lambda: weights.load('m.pt')]\n"
        "for attempt in attempts:\n"
        "    try:\n"
        "        attempt()\n"
        "    except ImportError as error:\n"
        "        print(type(error).__name__, error)\n"
        "X, Y = np.ones((2, 2)), np.ones((2, 1))\n"
        "print(check.compare(model.get_weights(), X, Y).skipped['torch'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 6
    for line in lines[:5]:
        assert line.startswith("TorchNotInstalled ")
        assert line.endswith("needs PyTorch, which is not installed: pip install "
                             "autograd-lite[torch] (torch==2.13.0, the CPU build)")  # fmt: skip
    assert lines[0].startswith("TorchNotInstalled to_torch() needs PyTorch")
    assert "saving m.pt (a PyTorch state dict) needs PyTorch" in lines[3]
    assert lines[5].startswith("PyTorch is not installed (pip install autograd-lite[torch]")
    assert not (tmp_path / "m.pt").exists()


@pytest.mark.slow
def test_the_commands_name_the_extra(tmp_path: Path) -> None:
    model = nn.mlp([2, 3, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))
    weights.save(tmp_path / "m.pt", model)
    weights.save(tmp_path / "m.npz", model)
    extra = "pip install autograd-lite[torch]"
    done = command("compare", "--weights", str(tmp_path / "m.pt"), torch_missing=True)
    one_line_error(done, "--weights", "needs PyTorch", extra)
    done = command("train", "--save", str(tmp_path / "new.pt"), torch_missing=True)
    one_line_error(done, "--save", "needs PyTorch", extra)  # before any training
    assert not (tmp_path / "new.pt").exists()
    done = command("export", "--to", "torch", str(tmp_path / "m.pt"), torch_missing=True)
    one_line_error(done, "needs PyTorch", extra)
    done = command("export", "--to", "torch", str(tmp_path / "m.npz"), torch_missing=True)
    assert done.returncode == 0 and "nn.Linear(2, 3)" in done.stdout  # printing needs no torch
    done = command("compare", "--batch", "2", torch_missing=True)
    assert done.returncode == 0
    assert f"skipped torch: PyTorch is not installed ({extra}" in done.stdout


def test_help_lists_export(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "export" in out and "print the PyTorch code that builds a saved network" in out
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    out = capsys.readouterr().out
    assert "autograd-lite export --to torch digits.npz" in out
