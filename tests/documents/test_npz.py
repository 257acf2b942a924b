"""Issue #25 item 4: .npz files whose headers lie, for every .npy version; members read only when named."""

from __future__ import annotations

import io
import json
import zipfile
import zlib

import numpy as np
import pytest

from gradwork.documents import limits
from gradwork.documents.errors import ProblemError
from gradwork.documents.npz import read_npz
from gradwork.train import ParamsError, load_params
from gradwork.train.data import DataError, load_npz


def npy_header(shape: tuple[int, ...], version: tuple[int, int] = (1, 0), descr: str = "<f4",
               header: str | None = None) -> bytes:
    """A .npy header claiming ``shape``, in format ``version`` (1.0: 2-byte length; 2.0, 3.0: 4-byte)."""
    text = header if header is not None else \
        f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    size = 2 if version == (1, 0) else 4
    body = text.encode("utf8" if version == (3, 0) else "latin1")
    padding = -(6 + 2 + size + len(body) + 1) % 64
    body += b" " * padding + b"\n"
    return b"\x93NUMPY" + bytes(version) + len(body).to_bytes(size, "little") + body


def archive(members: dict[str, bytes], path) -> str:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return str(path)


def good(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_a_header_claiming_10_to_the_12_elements_is_refused_unread_in_every_version(tmp_path, version):
    path = archive({"X.npy": npy_header((10**6, 10**6), version), "y.npy": good(np.zeros(3))}, tmp_path / "a.npz")
    with pytest.raises(ProblemError, match="'X' has 1000000000000 elements"):
        read_npz(path, ["X", "y"])


def test_version_3_headers_are_read_like_the_others(tmp_path):
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    raw = good(array)
    header_end = raw.index(b"\n") + 1
    v3 = npy_header((2, 3), (3, 0)) + raw[header_end:]
    found = read_npz(archive({"W.npy": v3}, tmp_path / "a.npz"), ["W"])
    assert np.array_equal(found["W"], array)


@pytest.mark.parametrize(("header", "message"), [
    ("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", "holds '|O' values"),
    ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", "unreadable header"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", "unreadable header"),
    ("{'descr': '<f4', 'shape': (3,), }", "unreadable header"),
    ("[" * 5000, "unreadable header"),
    ("__import__('os').system('true')", "unreadable header"),
])
def test_headers_that_are_not_plain_arrays_are_refused(tmp_path, header, message):
    path = archive({"X.npy": npy_header((), header=header)}, tmp_path / "a.npz")
    with pytest.raises(ProblemError, match=message):
        read_npz(path, ["X"])


def test_a_header_longer_than_numpy_allows_is_refused(tmp_path):
    raw = b"\x93NUMPY\x02\x00" + (10**8).to_bytes(4, "little")
    with pytest.raises(ProblemError, match="100000000-byte header"):
        read_npz(archive({"X.npy": raw}, tmp_path / "a.npz"), ["X"])


def test_a_header_bigger_than_its_member_is_a_truncated_array(tmp_path):
    path = archive({"X.npy": npy_header((1000,))}, tmp_path / "a.npz")  # no data at all
    with pytest.raises(ProblemError, match="truncated"):
        read_npz(path, ["X"])


def test_members_not_named_are_never_opened(tmp_path, monkeypatch):
    # A member that is not an array (here 50 MB of zeros, compressed to 50 KB) is never decompressed.
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("X.npy", good(np.ones((3, 2))))
        z.writestr("y.npy", good(np.arange(3)))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = b"".join(compressor.compress(b"\0" * 10**7) for _ in range(5)) + compressor.flush()
    info = zipfile.ZipInfo("junk.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "a") as z:
        info.file_size, info.CRC = 5 * 10**7, 0
        with z.open(info, "w", force_zip64=True) as member:
            member._compressor = None  # write the compressed bytes as they are
            member.write(data)
    opened: list[str] = []
    real = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    dataset = load_npz(path)
    assert dataset.X.shape == (3, 2) and "junk.bin" not in opened


def test_all_arrays_together_are_bounded(tmp_path):
    path = archive({f"{k}.npy": good(np.zeros(800, dtype=np.float32)) for k in "ab"}, tmp_path / "a.npz")
    with limits.using(elements=1_000, total_elements=1_500):
        with pytest.raises(ProblemError, match="(limit 1500; --max-total-elements to raise)"):
            read_npz(path, ["a", "b"])
        assert read_npz(path, ["a"])["a"].shape == (800,)


def test_parameters_with_a_truncated_archive_or_deep_metadata_are_one_line(tmp_path):
    from gradwork.nn import MLP
    from gradwork.train import Checkpoint, save_params

    path = save_params(tmp_path / "net.npz", Checkpoint(MLP.init([2, 3, 2], ["relu", "identity"], seed=0)))
    data = path.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ParamsError) as caught:
        load_params(tmp_path / "cut.npz")
    assert str(caught.value).startswith(f"{tmp_path / 'cut.npz'}: ") and "\n" not in str(caught.value)
    deep = archive({"gradwork.npy": good(np.asarray("[" * 100_000))}, tmp_path / "deep.npz")
    with pytest.raises(ParamsError, match="nests too deeply"):
        load_params(deep)
    listed = archive({"gradwork.npy": good(np.asarray(json.dumps([1, 2])))}, tmp_path / "list.npz")
    with pytest.raises(ParamsError, match="not a JSON object"):
        load_params(listed)


def test_parameters_read_only_the_layers_their_metadata_names(tmp_path):
    meta = {"format": "gradwork-params", "version": 1, "convention": "row", "layers": [
        {"name": "out", "units": 1, "activation": {"name": "identity"}, "bias": False}]}
    path = archive({"gradwork.npy": good(np.asarray(json.dumps(meta))), "out.W.npy": good(np.ones((2, 1))),
                    "huge.npy": npy_header((10**6, 10**6), (3, 0))}, tmp_path / "p.npz")
    assert load_params(path).model.sizes == [2, 1]


def test_a_fifo_or_device_is_not_an_npz(tmp_path):
    import os

    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="is a FIFO"):
        load_npz(fifo)
    if os.path.exists("/dev/zero"):
        with pytest.raises(ParamsError, match="is a device"):
            load_params("/dev/zero")
