"""Pages rendered with PIL for the ingestion/OCR tests (known text, known layout)."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from pipeline.models import Page, PageInfo
from pipeline.pages import pixel_sha256

SERIF_CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

EN_LINES = ["CERTIFICATE OF QUALIFICATION", "This is to certify that Zhang Wei",
            "is a Certified Welding Inspector", "Certificate number 21034567"]
ZH_LINES = ["中华人民共和国学位证书", "张伟在南京工业大学机械工程", "专业完成了硕士学位的学习"]


def render(lines: list[str], size: tuple[int, int] = (1240, 620), font_px: int = 40,
           font: str = SERIF_CJK) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    f = ImageFont.truetype(font, font_px)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * int(font_px * 1.9)), line, font=f, fill="black")
    return img


def as_page(img: Image.Image, file: str = "test.png", page: int = 1) -> Page:
    info = PageInfo(file=file, file_sha256="0" * 64, page=page, width=img.width, height=img.height,
                    image_sha256=pixel_sha256(img))
    return Page(info=info, image=img)


def squash(text: str) -> str:
    """Whitespace-free text, for engine-independent containment checks."""
    return "".join(text.split())
