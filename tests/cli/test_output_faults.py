"""Issue #25 item 3: every output of every command, written over an existing file when the write fails.

Three faults, each a real failure of the kernel or of the process:

* ``fsize``: a file-size limit (RLIMIT_FSIZE) below the new content: the write fails with EFBIG;
* ``full``: a full disk: the temporary file's descriptor writes to /dev/full (ENOSPC);
* ``interrupt``: the run is interrupted (KeyboardInterrupt) while the content is being synced.

Whatever happens, the old file is as it was, no temporary file is left behind, and the
command says so in one line. A real SIGKILL in the middle of a write is tested on the writer itself.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gradwork.cli import app
from gradwork.documents import files

resource = pytest.importorskip("resource")
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
OLD = b"the old content, which must survive\n"
CONFIG = """\
data: {csv: d.csv, target: label}
layers:
  - {units: 4, activation: tanh}
  - {units: 2}
optimizer: {name: sgd, lr: 0.01}
epochs: 2
"""

# (name, arguments, the output that exists beforehand, a file-size limit the new content is over)
CASES = [
    ("solve markdown", ["solve", "p.yaml", "--format", "markdown", "-o", "out.md"], "out.md", 64),
    ("solve json", ["solve", "p.yaml", "--format", "json", "-o", "out.json"], "out.json", 64),
    ("check json", ["check", "p.yaml", "a.yaml", "--format", "json", "-o", "report.json"], "report.json", 64),
    ("check gradebook", ["check", "p.yaml", "cls"], "cls.gradebook.csv", 64),
    ("check summary", ["check", "p.yaml", "cls", "-o", "summary.html"], "summary.html", 64),
    ("mark markdown", ["mark", "p.yaml", "work.md", "--format", "markdown", "-o", "marked.md"], "marked.md", 64),
    ("mark gradebook", ["mark", "p.yaml", "wcls"], "wcls/gradebook.csv", 64),
    ("graph dot", ["graph", "p.yaml", "-o", "g.dot"], "g.dot", 64),
    ("graph svg", ["graph", "p.yaml", "-o", "g.svg"], "g.svg", 64),
    ("graph png", ["graph", "p.yaml", "-o", "g.png"], "g.png", 64),
    ("graph html", ["graph", "p.yaml", "-o", "g.html"], "g.html", 64),
    ("train params", ["train", "t.yaml", "-o", "net.npz"], "net.npz", 64),
    # the parameters (a few KB) are written; the plot (tens of KB) is over the limit
    ("train plot", ["train", "t.yaml", "-o", "fresh.npz", "--plot", "curves.png"], "curves.png", 8_000),
    ("export problem", ["export", "trained.npz", "--to", "problem", "-o", "step.yaml"], "step.yaml", 64),
    ("export onnx", ["export", "trained.npz", "--to", "onnx", "-o", "net.onnx"], "net.onnx", 64),
    ("export torch", ["export", "trained.npz", "--to", "torch", "-o", "net.pt"], "net.pt", 64),
    ("generate", ["generate", "tpl.yaml", "--seed", "0", "-o", "variants"], "variants/manifest.json", 64),
]
NEEDS = {"graph svg": "dot", "graph png": "dot", "graph html": "dot"}
MODULES = {"export onnx": "onnx", "export torch": "torch"}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The inputs every case reads, made once: a problem, answers, a class, a worked solution, a trained net."""
    from gradwork.train import load_config, save_params, train_from_config

    folder = tmp_path_factory.mktemp("inputs")
    shutil.copy(EXAMPLES / "seed002_exam4a_row.yaml", folder / "p.yaml")
    shutil.copy(EXAMPLES / "answers" / "seed002_exam4a.yaml", folder / "a.yaml")
    (folder / "cls").mkdir()
    shutil.copy(EXAMPLES / "answers" / "seed002_exam4a.yaml", folder / "cls" / "alice.yaml")
    shutil.copy(ROOT / "tests" / "mark" / "fixtures" / "seed002_correct.md", folder / "work.md")
    (folder / "wcls").mkdir()
    shutil.copy(ROOT / "tests" / "mark" / "fixtures" / "seed002_correct.md", folder / "wcls" / "bob.md")
    shutil.copy(EXAMPLES / "templates" / "seed002_exam4a.yaml", folder / "tpl.yaml")
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.3f},{b:.3f},{i % 2}" for i, (a, b) in enumerate(rng.normal(size=(20, 2)))]
    (folder / "d.csv").write_text("\n".join(rows) + "\n")
    (folder / "t.yaml").write_text(CONFIG)
    save_params(folder / "trained.npz", train_from_config(load_config(folder / "t.yaml")).checkpoint)
    from matplotlib.figure import Figure  # fonts cached before any file-size limit is set

    Figure().savefig(io.BytesIO(), format="png")
    return folder


@pytest.fixture
def workdir(prepared, tmp_path, monkeypatch):
    shutil.copytree(prepared, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*.tmp"))


def _invoke(args, fault: str, limit: int, monkeypatch):
    if fault == "full":
        real = tempfile.mkstemp

        def full_disk(*a, **k):
            handle, name = real(*a, **k)
            os.close(handle)
            return os.open("/dev/full", os.O_WRONLY), name

        monkeypatch.setattr(files.tempfile, "mkstemp", full_disk)
    elif fault == "interrupt":
        def interrupted(descriptor):
            raise KeyboardInterrupt

        monkeypatch.setattr(files.os, "fsync", interrupted)
    if fault != "fsize":
        return CliRunner().invoke(app, [*args, "--force"])
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # Python ignores it: the write fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        return CliRunner().invoke(app, [*args, "--force"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


@pytest.mark.parametrize("fault", ["fsize", "full", "interrupt"])
@pytest.mark.parametrize(("name", "args", "output", "limit"), CASES, ids=[c[0] for c in CASES])
def test_a_failed_write_leaves_the_old_file(workdir, monkeypatch, name, args, output, limit, fault):
    if name in NEEDS and shutil.which(NEEDS[name]) is None:
        pytest.skip("Graphviz's dot is not installed")
    if name in MODULES:
        pytest.importorskip(MODULES[name])
    if fault == "full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    target = workdir / output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(OLD)
    result = _invoke(args, fault, limit, monkeypatch)
    assert target.read_bytes() == OLD, f"{name}: the old file was replaced or damaged"
    assert not _leftovers(workdir), _leftovers(workdir)
    assert "Traceback" not in result.stdout + result.stderr
    if fault == "interrupt":
        assert result.exit_code == 130 and len(result.stderr.splitlines()) <= 1, (result.exit_code, result.stderr)
        return
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0], result.stderr
    reason = "File too large" if fault == "fsize" else "No space left on device"
    assert reason in lines[0], lines[0]


def test_the_same_runs_write_when_nothing_fails(workdir):
    # The cases above fail because of the fault, not by themselves.
    for name, args, output, _ in CASES:
        if (name in NEEDS and shutil.which(NEEDS[name]) is None) or name.startswith("export ") and name != \
                "export problem":
            continue
        target = workdir / output
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(OLD)
        result = CliRunner().invoke(app, [*args, "--force"])
        assert result.exit_code in (0, 1), (name, result.stderr)
        assert target.read_bytes() != OLD, name


KILLED = """\
import os, signal, sys
from gradwork.documents.files import writing
with writing(sys.argv[1]) as stream:
    stream.write(b"new content, half" * 1000)
    stream.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_kill_in_the_middle_of_a_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.md"
    target.write_bytes(OLD)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-c", KILLED, str(target)], env=env, capture_output=True, timeout=60)
    assert result.returncode == -signal.SIGKILL
    assert target.read_bytes() == OLD
    # The half-written temporary file is hidden next to it, never in its place.
    assert [p.name for p in tmp_path.iterdir() if p.name != "out.md"][0].startswith(".out.md.")


def test_a_fifo_as_output_is_never_replaced_even_with_force(workdir):
    fifo = workdir / "pipe.md"
    os.mkfifo(fifo)
    for args in (["solve", "p.yaml", "-o", "pipe.md"], ["mark", "p.yaml", "work.md", "-o", "pipe.md"],
                 ["check", "p.yaml", "a.yaml", "-o", "pipe.md"], ["check", "p.yaml", "cls", "-o", "pipe.md"]):
        result = CliRunner().invoke(app, [*args, "--force"])
        assert result.exit_code == 2 and "is a FIFO (named pipe), not a regular file" in result.stderr, result.stderr
        assert fifo.is_fifo()


def test_the_writer_refuses_a_fifo_and_a_folder(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(files.OutputError, match="is a FIFO"):
        files.write_file(fifo, "x")
    with pytest.raises(files.OutputError, match="is a folder"):
        files.write_file(tmp_path, "x")
    assert fifo.is_fifo()


def test_an_error_while_producing_the_content_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(OLD)
    with pytest.raises(ZeroDivisionError), files.writing(target) as stream:
        stream.write(b"half")
        1 / 0  # noqa: B018 (the producer fails half-way)
    assert target.read_bytes() == OLD and sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]
