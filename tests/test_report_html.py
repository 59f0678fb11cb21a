"""The reviewers' HTML report and the batch index, from real image files in tmp_path."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw
from test_checks_rules import case_file, clean_docs, doc

from pipeline.core.flags import make_flag
from pipeline.core.models import DocType, Evidence, OcrResult, PageInfo, SourceFile
from pipeline.report import IndexRow, render_case_html, render_index_html

BOX = (300, 200, 500, 260)  # where the tampered value sits, in corrected-image coordinates


def corrected_page() -> Image.Image:
    img = Image.new("RGB", (800, 600), "white")
    ImageDraw.Draw(img).rectangle(BOX, fill=(20, 20, 160))  # a blue "value" the flag points at
    return img


def thumbnails(html: str) -> list[Image.Image]:
    out = []
    for b64 in re.findall(r'<img class="thumb boxed"[^>]*src="data:image/png;base64,([^"]+)"', html):
        out.append(Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB"))
    return out


def case_with_flag(file: str, rotation: int = 0):
    case = case_file(clean_docs())
    case.flags.append(make_flag("IMAGE_REGION_TAMPERED", [Evidence(file=file, page=1, bbox=BOX)],
                                detail="粘贴区域 pasted patch"))
    case.pages = [PageInfo(file=file, file_sha256="0", page=1, width=800, height=600, doc_type=DocType.DIPLOMA,
                           ocr=OcrResult(engine="tesseract", text="x", mean_conf=0.9, width=800, height=600,
                                         rotation=rotation))]
    case.input_files = [SourceFile(path=file, sha256="0", size=1, media_type="image/png", page_count=1)]
    case.recommendation = "refer_for_investigation"
    return case


def _box_lines_up(thumb: Image.Image) -> None:
    px = thumb.load()
    w, h = thumb.size
    reds = [(x, y) for x in range(w) for y in range(h)
            if px[x, y][0] > 180 and px[x, y][1] < 60 and px[x, y][2] < 60]
    blues = [(x, y) for x in range(w) for y in range(h) if px[x, y][2] > 120 and px[x, y][0] < 60]
    assert reds and blues
    rx0, rx1 = min(x for x, _ in reds), max(x for x, _ in reds)
    ry0, ry1 = min(y for _, y in reds), max(y for _, y in reds)
    bx0, bx1 = min(x for x, _ in blues), max(x for x, _ in blues)
    by0, by1 = min(y for _, y in blues), max(y for _, y in blues)
    # the red frame surrounds the blue value, tightly
    assert rx0 <= bx0 and bx1 <= rx1 and ry0 <= by0 and by1 <= ry1
    assert (rx1 - rx0) - (bx1 - bx0) < 20 and (ry1 - ry0) - (by1 - by0) < 20


def test_report_shows_recommendation_flags_and_boxed_thumbnail(tmp_path: Path):
    folder = tmp_path / "A0001"
    folder.mkdir()
    corrected_page().save(folder / "scan.png")
    case = case_with_flag("scan.png")
    html = render_case_html(case, [folder])
    assert "移交核查" in html and "Refer for investigation" in html
    assert html.index("移交核查") < html.index("各材料信息对照")  # recommendation and flags come first
    zh = html.index("图像局部区域疑似被粘贴")
    assert zh < html.index("A region of the image looks pasted over")  # Chinese first
    assert 'class="flag sev-critical"' in html
    thumbs = thumbnails(html)
    assert len(thumbs) == 1
    _box_lines_up(thumbs[0])
    # the rest of the report
    assert "张伟" in html and "泰州华达机械有限公司" in html
    assert case.documents[0].fields["id_number"].value in html  # reviewers see the full number
    assert "注册焊接检验师" in html or "Certified Welding Inspector" in html
    assert "申请认定专业技术资格名称及所属系列" in html and "工程师 机械工程" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained


def test_thumbnail_follows_the_ocr_rotation(tmp_path: Path):
    # the scan lies on its side; OCR turned it 90° clockwise and its boxes refer to the upright page
    corrected_page().rotate(90, expand=True).save(tmp_path / "side.png")
    html = render_case_html(case_with_flag("side.png", rotation=90), [tmp_path])
    thumbs = thumbnails(html)
    assert len(thumbs) == 1
    _box_lines_up(thumbs[0])


def test_source_in_a_zip_and_missing_source(tmp_path: Path):
    buf = io.BytesIO()
    corrected_page().save(buf, format="PNG")
    with zipfile.ZipFile(tmp_path / "A0002.zip", "w") as zf:
        zf.writestr("A0002/scan.png", buf.getvalue())
    html = render_case_html(case_with_flag("scan.png"), [tmp_path / "A0002.zip"])
    assert len(thumbnails(html)) == 1
    # the source is gone: the flag is still shown, without a thumbnail
    html = render_case_html(case_with_flag("gone.png"), [tmp_path / "nowhere"])
    assert "图像局部区域疑似被粘贴" in html and not thumbnails(html)


def test_comparison_table_highlights_mismatch():
    d = clean_docs()
    d["si"] = doc("D04", DocType.SOCIAL_INSURANCE_RECORD, name="李娜", employer="泰州华达机械有限公司",
                  insured_place="泰州")
    html = render_case_html(case_file(d), None)
    assert re.search(r'<td class="bad"[^>]*>李娜</td>', html)
    assert not re.search(r'<td class="bad"[^>]*>泰州华达机械有限公司</td>', html)


def test_index_page():
    a = case_file(clean_docs())
    d = clean_docs()
    del d["form"]
    b = case_file(d)
    b.case_id = "A0002"
    rows = [IndexRow.from_case(a, "cases/T1.html"), IndexRow.from_case(b, "cases/A0002.html")]
    assert rows[1].flag_counts == {"gap": 1}
    html = render_index_html(rows)
    assert '<a href="cases/A0002.html">A0002</a>' in html
    assert "提交专家评审" in html and "退回补充材料" in html
    # every applicant row sits in the sortable body, under one heading row
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == 2 and 'class="sortable"' in html and "localeCompare" in html

    class Rec:  # pipeline.store.CaseRecord's shape
        case_id, source, status, recommendation = "A0003", "A0003", "done", "ineligible"
        flag_codes, n_errors = ["NOT_EMPLOYED_IN_TAIZHOU", "UNCLASSIFIED_PAGE"], 0

    row = IndexRow.from_record(Rec(), Path("/out/cases"))
    assert row.html == "cases/A0003.html" and row.critical == 1
    assert row.flag_counts == {"policy": 1, "quality": 1}


def test_pdf_source_thumbnail(tmp_path: Path):
    import numpy as np
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    from pipeline.core.stages import LoadedFile
    from pipeline.pages import iter_pages

    pdf = tmp_path / "cert.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A5)
    c.setFillColorRGB(20 / 255, 20 / 255, 160 / 255)
    c.rect(120, 300, 100, 30, stroke=0, fill=1)
    c.save()
    src = SourceFile(path="cert.pdf", sha256="0", size=pdf.stat().st_size, media_type="application/pdf")
    page = next(iter_pages(LoadedFile(source=src, local_path=pdf)))
    arr = np.asarray(page.image.convert("RGB")).astype(int)
    ys, xs = np.nonzero((arr[:, :, 2] > 120) & (arr[:, :, 0] < 60))
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    case = case_with_flag("cert.pdf")
    case.flags[-1].evidence = [Evidence(file="cert.pdf", page=1, bbox=box)]
    w, h = page.image.size
    case.pages = [PageInfo(file="cert.pdf", file_sha256="0", page=1, width=w, height=h,
                           ocr=OcrResult(engine="tesseract", text="x", mean_conf=0.9, width=w, height=h))]
    case.input_files = [src]
    thumbs = thumbnails(render_case_html(case, [tmp_path]))
    assert len(thumbs) == 1
    _box_lines_up(thumbs[0])


def test_appendix2_takes_the_highest_degree():
    from pipeline.report.case import _appendix2

    d = clean_docs()
    d["master"] = doc("D09", DocType.DEGREE_CERTIFICATE, name="Wei Zhang", institution="University of Manchester",
                      level="Master of Science", major="Welding Engineering", graduation_date="2013-12-15")
    html = _appendix2(case_file(d))
    assert "Master of Science" in html and "University of Manchester Welding Engineering 2013-12-15" in html
