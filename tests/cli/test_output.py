"""gradwork.cli.output: -o is checked before any work, and written atomically."""

from __future__ import annotations

import os

import pytest
import typer

from gradwork.cli.output import guard_output, write_output


def refused(capsys, *args, **kwargs) -> str:
    with pytest.raises(typer.Exit) as caught:
        guard_output(*args, **kwargs)
    assert caught.value.exit_code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    return lines[0]


def test_new_file_is_allowed(tmp_path):
    assert guard_output(tmp_path / "new.md", [tmp_path / "p.yaml"]) == tmp_path / "new.md"


def test_input_is_refused_even_through_a_link_or_another_spelling(tmp_path, capsys):
    source = tmp_path / "p.yaml"
    source.write_text("x")
    os.symlink(source, tmp_path / "link.yaml")
    assert "is an input" in refused(capsys, tmp_path / "link.yaml", [source], force=True)
    assert "is an input" in refused(capsys, tmp_path / "." / "p.yaml", [str(source)], force=True)


def test_existing_file_needs_force(tmp_path, capsys):
    out = tmp_path / "out.md"
    out.write_text("old")
    assert "already exists (expected --force" in refused(capsys, out, [])
    assert guard_output(out, [], force=True) == out


def test_fifo_and_folder_are_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert "not a regular file" in refused(capsys, fifo, [], force=True)
    assert "is a folder" in refused(capsys, tmp_path, [], force=True, option="--plot")


def test_stdin_is_not_an_input_path(tmp_path):
    assert guard_output(tmp_path / "out.md", ["-", None]) == tmp_path / "out.md"


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, capsys):
    out = tmp_path / "out.md"
    out.write_text("old")
    with pytest.raises(typer.Exit):
        write_output("a\ud800b", out)  # not encodable as UTF-8
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]
    assert "cannot write" in capsys.readouterr().err


def test_write_keeps_permissions(tmp_path):
    out = tmp_path / "out.md"
    out.write_text("old")
    out.chmod(0o640)
    write_output("new", out)
    assert out.read_text() == "new"
    assert out.stat().st_mode & 0o777 == 0o640
