"""The one atomic writer (gradwork.documents.files): what reaches the disk, and when it is synced."""

from __future__ import annotations

import os

import pytest

from gradwork.documents import files


@pytest.fixture
def synced(monkeypatch) -> list[int]:
    """The descriptors os.fsync was called on while the test ran (the real fsync still runs)."""
    calls: list[int] = []
    real = os.fsync

    def counting(descriptor: int) -> None:
        calls.append(descriptor)
        real(descriptor)

    monkeypatch.setattr(files.os, "fsync", counting)
    return calls


def test_a_replaced_file_is_synced_before_the_rename_and_the_rename_too(tmp_path, synced):
    target = tmp_path / "report.txt"
    target.write_text("the old report", encoding="utf-8")
    files.write_file(target, "the new report")
    assert target.read_text(encoding="utf-8") == "the new report"
    assert len(synced) == 2  # the temporary file's content, then the folder holding the rename


def test_a_new_file_is_written_whole_without_a_sync(tmp_path, synced):
    target = tmp_path / "new.txt"
    files.write_file(target, "fresh")
    assert target.read_text(encoding="utf-8") == "fresh"
    assert synced == []
    assert [p.name for p in tmp_path.iterdir()] == ["new.txt"]  # no temporary file left beside it


def test_a_failed_replacement_leaves_the_old_content(tmp_path, synced):
    target = tmp_path / "keep.txt"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(RuntimeError), files.writing(target) as stream:
        stream.write(b"half")
        raise RuntimeError("the content could not be produced")
    assert target.read_text(encoding="utf-8") == "keep me"
    assert synced == []
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
