"""File-level forensics: editing software in image metadata, edited/updated PDFs, fingerprints.

Every file here is a real JPEG/PNG/PDF written to tmp_path and read back through
pipeline.forensics.screen_file, as the run loop does.
"""

from __future__ import annotations

import hashlib
import re
import struct
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline.core.errors import DataFileError
from pipeline.core.models import SourceFile
from pipeline.core.stages import LoadedFile
from pipeline.forensics import fingerprint_distance, image_fingerprint, screen_file
from pipeline.forensics.fingerprint import duplicate_max_distance
from pipeline.forensics.pdf import count_revisions
from pipeline.forensics.settings import ForensicsConfig, classify_software, config
from pipeline.pages import parse_pdf_date

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _loaded(path: Path, media: str) -> LoadedFile:
    data = path.read_bytes()
    src = SourceFile(path=f"applicant/{path.name}", sha256=hashlib.sha256(data).hexdigest(),
                     size=len(data), media_type=media)
    return LoadedFile(source=src, local_path=path)


def _certificate(text: str = "CERTIFICATE No. 2019-08812") -> Image.Image:
    img = Image.new("RGB", (900, 640), (246, 244, 238))
    d = ImageDraw.Draw(img)
    d.rectangle((20, 20, 880, 620), outline=(120, 90, 30), width=6)
    d.text((120, 120), "Certified Welding Inspector", fill=(20, 20, 20), font=ImageFont.truetype(FONT, 48))
    d.text((120, 260), text, fill=(20, 20, 20), font=ImageFont.truetype(FONT, 36))
    d.text((120, 380), "持证人 / Holder: 张伟", fill=(20, 20, 20), font=ImageFont.truetype(FONT, 36))
    return img


def _jpeg_with_exif(path: Path, **tags: str) -> Path:
    exif = Image.Exif()
    ids = {"Make": 0x010F, "Model": 0x0110, "Software": 0x0131, "ProcessingSoftware": 0x000B}
    for k, v in tags.items():
        exif[ids[k]] = v
    _certificate().save(path, "JPEG", quality=88, exif=exif)
    return path


# --------------------------------------------------------------------------- images


def test_photoshop_tagged_jpeg_is_flagged(tmp_path):
    p = _jpeg_with_exif(tmp_path / "cert.jpg", Software="Adobe Photoshop 24.1 (Windows)")
    flags = screen_file(_loaded(p, "image/jpeg"))
    assert [f.code for f in flags] == ["IMAGE_EDITING_SOFTWARE"]
    f = flags[0]
    assert "Adobe Photoshop 24.1" in f.message_en and "Adobe Photoshop" in f.message_zh
    assert f.evidence[0].file == "applicant/cert.jpg" and f.category == "forgery"


@pytest.mark.parametrize("tags", [
    {"Make": "Apple", "Model": "iPhone 13", "Software": "16.4.1"},
    {"Make": "Google", "Model": "Pixel 7", "Software": "HDR+ 1.0.540104767zd"},
    {"Software": "EPSON Scan 2"},
    {"Software": "CamScanner"},
    {"Make": "Canon", "Software": "Canon MF Toolbox 4.9"},
])
def test_phone_and_scanner_tagged_jpegs_are_not_flagged(tmp_path, tags):
    p = _jpeg_with_exif(tmp_path / "photo.jpg", **tags)
    assert screen_file(_loaded(p, "image/jpeg")) == []


def test_meitu_processing_software_is_flagged(tmp_path):
    # EXIF ASCII cannot carry 美图秀秀; the app's Latin name is what lands there
    p = _jpeg_with_exif(tmp_path / "m.jpg", Make="Xiaomi", ProcessingSoftware="Meitu 9.6.0")
    flags = screen_file(_loaded(p, "image/jpeg"))
    assert flags and "Meitu" in flags[0].message_en


def test_xmp_creator_tool_and_history_are_read(tmp_path):
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
           'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" xmp:CreatorTool="美图秀秀 Canva">'
           '<xmpMM:History><rdf:Seq><rdf:li stEvt:action="edited" stEvt:softwareAgent="Canva (Web)"/>'
           '</rdf:Seq></xmpMM:History></rdf:Description></rdf:RDF></x:xmpmeta>')
    p = tmp_path / "x.jpg"
    _certificate().save(p, "JPEG", quality=90, xmp=xmp.encode())
    flags = screen_file(_loaded(p, "image/jpeg"))
    assert len(flags) == 1
    msg = flags[0].message_en
    assert "XMP xmp:CreatorTool: 美图秀秀 Canva (Meitu 美图秀秀)" in msg and "XMP history action: edited" in msg


def test_photoshop_image_resources_without_software_tag_are_flagged(tmp_path):
    p = tmp_path / "irb.jpg"
    _certificate().save(p, "JPEG", quality=90)
    raw = p.read_bytes()
    res = b"8BIM" + struct.pack(">H", 0x03ED) + b"\x00\x00" + struct.pack(">I", 16) + b"\x00" * 16
    body = b"Photoshop 3.0\x00" + res
    app13 = b"\xff\xed" + struct.pack(">H", len(body) + 2) + body
    p.write_bytes(raw[:2] + app13 + raw[2:])
    flags = screen_file(_loaded(p, "image/jpeg"))
    assert flags and "APP13" in flags[0].message_en


def test_png_text_chunk_software_is_flagged(tmp_path):
    p = tmp_path / "g.png"
    info = PngInfo()
    info.add_text("Software", "GIMP 2.10.34")
    _certificate().save(p, "PNG", pnginfo=info)
    flags = screen_file(_loaded(p, "image/png"))
    assert flags and "GIMP" in flags[0].message_en


def test_untagged_and_broken_images_give_no_flag(tmp_path):
    p = tmp_path / "plain.png"
    _certificate().save(p, "PNG")
    assert screen_file(_loaded(p, "image/png")) == []
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0garbage")
    assert screen_file(_loaded(bad, "image/jpeg")) == []  # the reader reports unreadable files


def test_capture_signatures_win_over_editor_substrings():
    assert classify_software("Adobe Scan 23.1") == ("capture", "Adobe Scan")
    assert classify_software("Adobe Photoshop Express")[0] == "editor"
    assert classify_software("Paint.NET v4.3.12")[0] == "editor"
    assert classify_software("17.1")[0] == "capture"
    assert classify_software("SomethingElse 1.0") == ("unknown", None)


# --------------------------------------------------------------------------- PDFs


def _reportlab_pdf(path: Path, producer: str | None = None) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    if producer:
        c.setProducer(producer)
    c.drawString(100, 700, "Social insurance record 2021-01 .. 2023-12")
    c.showPage()
    c.save()
    return path


def _append_update(path: Path, extra: str = "") -> None:
    """Append one incremental update (new Info object, xref, trailer with /Prev, %%EOF)."""
    raw = path.read_bytes()
    with pikepdf.open(path) as pdf:
        size = int(pdf.trailer.Size)
        root = pdf.trailer.Root.objgen
    prev = int(re.findall(rb"startxref\s+(\d+)", raw)[-1])
    if not raw.endswith(b"\n"):
        raw += b"\n"
    obj = f"{size} 0 obj\n<< /Producer (Edited) {extra} >>\nendobj\n".encode()
    off = len(raw)
    xref_off = off + len(obj)
    tail = (f"xref\n{size} 1\n{off:010d} 00000 n \ntrailer\n<< /Size {size + 1} /Root {root[0]} {root[1]} R "
            f"/Info {size} 0 R /Prev {prev} >>\nstartxref\n{xref_off}\n%%EOF\n").encode()
    path.write_bytes(raw + obj + tail)


def test_plain_reportlab_pdf_is_not_flagged(tmp_path):
    p = _reportlab_pdf(tmp_path / "plain.pdf")
    assert screen_file(_loaded(p, "application/pdf")) == []


def test_pdf_with_incremental_update_is_flagged(tmp_path):
    p = _reportlab_pdf(tmp_path / "upd.pdf")
    _append_update(p)
    with pikepdf.open(p) as pdf:  # still a valid PDF, and the update is what a reader sees
        assert str(pdf.docinfo["/Producer"]) == "Edited"
    flags = screen_file(_loaded(p, "application/pdf"))
    assert [f.code for f in flags] == ["PDF_MODIFIED"]
    assert "1 incremental update" in flags[0].message_en


def test_signature_only_update_is_not_an_edit(tmp_path):
    p = _reportlab_pdf(tmp_path / "signed.pdf")
    _append_update(p, extra="/ByteRange [0 10 20 30]")
    assert screen_file(_loaded(p, "application/pdf")) == []
    revs = count_revisions(p.read_bytes(), linearized=False)
    assert (revs.eof_markers, revs.appended, revs.signature_only) == (2, 1, True)


@pytest.mark.parametrize("producer,name", [("Adobe Photoshop 24.0", "Adobe Photoshop"),
                                           ("PDFescape Online", "PDFescape"),
                                           ("Sejda PDF Desktop", "Sejda")])
def test_pdf_written_by_editor_is_flagged(tmp_path, producer, name):
    p = _reportlab_pdf(tmp_path / "ed.pdf", producer=producer)
    flags = screen_file(_loaded(p, "application/pdf"))
    assert [f.code for f in flags] == ["PDF_MODIFIED"]
    assert name in flags[0].message_en


def test_acrobat_alone_is_not_flagged_but_with_late_moddate_it_is(tmp_path):
    p = _reportlab_pdf(tmp_path / "acro.pdf", producer="Adobe Acrobat Pro DC 21.1")
    assert screen_file(_loaded(p, "application/pdf")) == []
    with pikepdf.open(p, allow_overwriting_input=True) as pdf:
        pdf.docinfo["/CreationDate"] = "D:20200105101500+08'00'"
        pdf.docinfo["/ModDate"] = "D:20230310090000+08'00'"
        pdf.save(p)
    flags = screen_file(_loaded(p, "application/pdf"))
    assert len(flags) == 1
    assert "ModDate 1159d after CreationDate" in flags[0].message_en
    assert "Adobe Acrobat" in flags[0].message_en


def test_pdf_dates_parse():
    d = parse_pdf_date("D:20230102030405+08'00'")
    assert d is not None and d.isoformat() == "2023-01-02T03:04:05+08:00"
    assert parse_pdf_date("D:2021") is not None and parse_pdf_date("garbage") is None


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_survives_resave_and_rescale_and_separates_other_certificates(tmp_path):
    a = _certificate()
    p = tmp_path / "resaved.jpg"
    a.resize((600, 427)).save(p, "JPEG", quality=55)
    fa, fb = image_fingerprint(a), image_fingerprint(Image.open(p))
    other = image_fingerprint(_certificate("CERTIFICATE No. 2021-55310").transpose(Image.Transpose.FLIP_TOP_BOTTOM))
    assert len(fa) == 64  # 256-bit hash as hex
    assert fingerprint_distance(fa, fb) <= duplicate_max_distance()
    assert fingerprint_distance(fa, other) > duplicate_max_distance()
    assert fingerprint_distance(fa, fa) == 0
    with pytest.raises(ValueError):
        fingerprint_distance(fa, fa[:16])


def test_config_names_file_line_and_entry_when_broken():
    from pipeline.core.datafiles import parse

    assert config().fingerprint.duplicate_max_distance == duplicate_max_distance()
    with pytest.raises(DataFileError) as exc:
        parse("pdf_editors: {strong: [], weak: []}\nimage_editors:\n  - {name: X}\n", "forensics.yaml",
              ForensicsConfig)
    assert "forensics.yaml" in str(exc.value) and "line 3, image_editors.0.patterns" in str(exc.value)


def _chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_png_metadata_is_read_from_the_chunks_wherever_they_sit(tmp_path):
    """zTXt and iTXt before the image data, a tEXt after it (some writers append there) and an
    eXIf chunk: all found without decoding the image (pipeline.forensics_image._png_metadata)."""
    from PIL import PngImagePlugin

    from pipeline.forensics.image import _png_metadata, image_software_strings

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "scanned", zip=True)
    info.add_itxt("Description", "证书扫描件", zip=True)
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.0"
    p = tmp_path / "late.png"
    _certificate().save(p, "PNG", pnginfo=info, exif=exif.tobytes())
    raw = p.read_bytes()
    iend = raw.rindex(b"IEND") - 4
    p.write_bytes(raw[:iend] + _chunk(b"tEXt", b"Software\x00GIMP 2.10") + raw[iend:])

    text, got_exif = _png_metadata(p)
    assert text == {"Comment": "scanned", "Description": "证书扫描件", "Software": "GIMP 2.10"}
    assert got_exif.get(0x0131) == "Adobe Photoshop 25.0"
    found = image_software_strings(p)
    assert ("PNG text Software", "GIMP 2.10") in found and ("EXIF Software", "Adobe Photoshop 25.0") in found
    flags = screen_file(_loaded(p, "image/png"))
    assert [f.code for f in flags] == ["IMAGE_EDITING_SOFTWARE"]
