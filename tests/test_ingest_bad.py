"""Bad input: every hand-made bad file yields one typed FileError; good files still go on."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
import pytest
from ocr_testpages import EN_LINES, render

from pipeline import pages
from pipeline.ingest import collect_inputs, sniff_media_type
from pipeline.ocr import get_router


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png() -> bytes:
    """A tiny PNG declaring 30000 × 30000 pixels (900 MP)."""
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 100)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def good_jpeg() -> bytes:
    buf = io.BytesIO()
    render(EN_LINES).save(buf, "JPEG", quality=90, dpi=(300, 300))
    return buf.getvalue()


def good_png() -> bytes:
    buf = io.BytesIO()
    render(["Truncated"], size=(400, 200)).save(buf, "PNG")
    return buf.getvalue()


def encrypted_pdf(path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(path, encryption=pikepdf.Encryption(user="secret", owner="owner"))


def unsafe_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("../escaped.txt"), b"evil")
        zf.writestr(zipfile.ZipInfo("/tmp/absolute-credcase-test.txt"), b"evil")
        link = zipfile.ZipInfo("link.jpg")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")


def zip_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("scan.png", b"\x00" * (40 * 1024 * 1024))


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "applicant"
    folder.mkdir()
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(good_jpeg())
    jpeg = good_jpeg()
    png = good_png()
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "truncated.png").write_bytes(png[: len(png) // 2])
    (folder / "notes.pdf").write_text("这不是 PDF / this is not a PDF\n", encoding="utf-8")
    encrypted_pdf(folder / "locked.pdf")
    (folder / "bomb.png").write_bytes(bomb_png())
    (folder / "broken.tif").write_bytes(b"II*\x00" + b"\x08\x00\x00\x00" + os.urandom(64))
    os.symlink(outside, folder / "link-outside.jpg")
    unsafe_zip(folder / "unsafe.zip")
    zip_bomb(folder / "bomb.zip")
    (folder / "corrupt.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0junk")
    odd = "证书\u0065\u0301-\u202eRTL\u202c-😀.jpg"  # combining accent, RTL override, emoji
    (folder / odd).write_bytes(jpeg)
    return folder


EXPECTED = {
    "empty.jpg": "EMPTY_FILE",
    "truncated.jpg": "TRUNCATED_IMAGE",
    "truncated.png": "TRUNCATED_IMAGE",
    "notes.pdf": "UNKNOWN_FORMAT",
    "locked.pdf": "ENCRYPTED_PDF",
    "bomb.png": "DECOMPRESSION_BOMB",
    "broken.tif": "CORRUPT_IMAGE",
    "link-outside.jpg": "FILE_OUTSIDE_FOLDER",
    "unsafe.zip": "UNSAFE_ZIP_PATH",
    "bomb.zip": "ZIP_BOMB",
    "corrupt.zip": "CORRUPT_ZIP",
}


@pytest.mark.ocr
def test_each_bad_file_gives_one_typed_error_and_good_file_is_read(bad_folder: Path, tmp_path: Path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    files, errors = collect_inputs([bad_folder], workdir)

    got = {e.file: e.code for e in errors}
    assert got == EXPECTED
    assert len(errors) == len(EXPECTED)  # exactly one per bad file
    for e in errors:
        assert e.file in e.message_zh and e.file in e.message_en
    assert "这不是" not in got  # hidden and system files are skipped quietly

    assert len(files) == 1
    good = files[0]
    assert good.source.media_type == "image/jpeg"
    assert good.source.path.startswith("证书é-")  # NFC: e + U+0301 became é
    assert good.source.path.endswith("😀.jpg")
    assert len(good.source.sha256) == 64 and good.source.page_count == 1

    # nothing escaped the work folder
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not Path("/tmp/absolute-credcase-test.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()

    page = next(pages.iter_pages(good))
    result = get_router("tesseract", None).read(page).ocr
    assert "Welding Inspector" in result.text


def test_bad_files_raise_typed_errors_from_iter_pages_too(bad_folder: Path):
    from pipeline.core.errors import InputFileError
    from pipeline.core.models import SourceFile
    from pipeline.core.stages import LoadedFile

    for name, media in [("locked.pdf", "application/pdf"), ("bomb.png", "image/png"),
                        ("broken.tif", "image/tiff")]:
        f = LoadedFile(SourceFile(path=name, sha256="0" * 64, size=1, media_type=media), bad_folder / name)
        with pytest.raises(InputFileError) as info:
            list(pages.iter_pages(f))
        assert info.value.code == EXPECTED[name]


def test_zip_members_are_named_inside_the_zip_and_gbk_names_recovered(tmp_path: Path):
    folder = tmp_path / "a"
    folder.mkdir()
    with zipfile.ZipFile(folder / "bundle.zip", "w") as zf:
        zf.writestr("inner/scan.jpg", good_jpeg())
        zf.writestr("AAAAAAAA.jpg", good_jpeg())
    # as Windows zip tools write it: GBK bytes, no UTF-8 flag (same length as the placeholder)
    raw = (folder / "bundle.zip").read_bytes().replace(b"AAAAAAAA.jpg", "学位证书.jpg".encode("gbk"))
    (folder / "bundle.zip").write_bytes(raw)
    files, errors = collect_inputs([folder], tmp_path / "w")
    assert errors == []
    assert [f.source.path for f in files] == ["bundle.zip/inner/scan.jpg", "bundle.zip/学位证书.jpg"]
    assert all(f.local_path.is_relative_to(tmp_path / "w") for f in files)
    # the applicant handed in a zip: it is the folder
    files2, _ = collect_inputs([folder / "bundle.zip"], tmp_path / "w2")
    assert [f.source.path for f in files2] == ["inner/scan.jpg", "学位证书.jpg"]


def test_magic_bytes_not_extension():
    assert sniff_media_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_media_type(good_jpeg()[:16]) == "image/jpeg"
    assert sniff_media_type(b"hello world\n") == "text/plain"
    assert sniff_media_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"


def test_too_many_pages_is_refused_before_decoding(tmp_path: Path):
    from PIL import Image

    from pipeline.core.inputs import input_settings

    folder = tmp_path / "a"
    folder.mkdir()
    n = input_settings().limits.max_pages_per_file + 1
    frames = [Image.new("L", (8, 8), 255) for _ in range(n)]
    frames[0].save(folder / "huge.tif", save_all=True, append_images=frames[1:])
    files, errors = collect_inputs([folder], tmp_path / "w")
    assert files == []
    assert [(e.file, e.code) for e in errors] == [("huge.tif", "TOO_MANY_PAGES")]
    assert str(n) in errors[0].message_en


def test_lazy_pages_first_page_before_the_rest_are_decoded(tmp_path: Path):
    from PIL import Image

    folder = tmp_path / "a"
    folder.mkdir()
    frames = [render([f"Page {i}"], size=(300, 120)) for i in range(5)]
    frames[0].save(folder / "five.tif", save_all=True, append_images=frames[1:])
    files, _ = collect_inputs([folder], tmp_path / "w")
    it = pages.iter_pages(files[0])
    first = next(it)
    assert first.number == 1 and isinstance(first.image, Image.Image)
    assert [p.number for p in it] == [2, 3, 4, 5]


def test_png_with_damaged_data_is_caught_at_collection_without_decoding(tmp_path: Path):
    """The probe checks a PNG by its chunk checksums (no decode): a flipped byte inside the
    image data is a CORRUPT_IMAGE before any page is read; the intact copy is collected."""
    folder = tmp_path / "applicant"
    folder.mkdir()
    png = bytearray(good_png())
    idat = png.index(b"IDAT")
    png[idat + 40] ^= 0xFF
    (folder / "damaged.png").write_bytes(bytes(png))
    (folder / "intact.png").write_bytes(good_png())
    workdir = tmp_path / "work"
    workdir.mkdir()
    files, errors = collect_inputs([folder], workdir)
    assert [(e.file, e.code) for e in errors] == [("damaged.png", "CORRUPT_IMAGE")]
    assert [f.source.path for f in files] == ["intact.png"] and files[0].source.page_count == 1
