"""Which pages make one document: a contract's pages, a card's two sides, one paper scanned as
a series of files."""

from __future__ import annotations

import re

from pydantic import BaseModel

from pipeline.classify.data import doc_type_data
from pipeline.core.models import DocType, Document, DocumentFile, PageInfo


class _Group(BaseModel):
    doc_type: DocType
    pages: list[PageInfo]


def group_documents(pages: list[PageInfo]) -> tuple[list[Document], list[PageInfo]]:
    """Group classified pages into documents, in input order (doc ids D01, D02, ...); and the
    pages as grouped (a continuation page takes its document's type).

    - consecutive pages of one file with the same type are one document;
    - an unknown page right after a multi-page document of the same file (a contract's clause
      pages) continues it and takes its type (`continuation`);
    - a change of type inside a file starts a new document (one PDF, several documents);
    - card types (ID card, permits): a one-page front and a one-page back next to each other
      are one document, whether they came as one file or two."""
    data = doc_type_data()
    groups: list[_Group] = []
    out_pages: list[PageInfo] = []
    for info in pages:
        prev = groups[-1] if groups else None
        same_file = prev is not None and (prev.pages[-1].file == info.file
                                          or _same_series(prev.pages[-1].file, info.file))
        if prev is not None and same_file and info.doc_type == prev.doc_type and info.doc_type != DocType.UNKNOWN:
            prev.pages.append(info)
        elif (prev is not None and same_file and info.doc_type == DocType.UNKNOWN and prev.doc_type != DocType.UNKNOWN
                and data.types[prev.doc_type].grouping.multi_page and _has_text(info)):
            conf = round(min(p.classification_confidence for p in prev.pages) * 0.8, 3)
            info = info.model_copy(update={"doc_type": prev.doc_type, "classification_confidence": conf,
                                           "continuation": True})
            prev.pages.append(info)
        else:
            groups.append(_Group(doc_type=info.doc_type, pages=[info]))
        out_pages.append(info)
    groups = _join_series(_join_sides(groups))
    docs: list[Document] = []
    for g in groups:
        files: list[DocumentFile] = []
        for p in g.pages:
            if files and files[-1].path == p.file:
                files[-1].pages.append(p.page)
            else:
                files.append(DocumentFile(path=p.file, sha256=p.file_sha256, pages=[p.page]))
        own = [p.classification_confidence for p in g.pages if not p.continuation] or [0.0]
        docs.append(Document(doc_id=f"D{len(docs) + 1:02d}", doc_type=g.doc_type, files=files,
                             classification_confidence=round(sum(own) / len(own), 3)))
    return docs, out_pages


def _same_series(a: str, b: str) -> bool:
    """'contract_p1.jpg' and 'contract_p2.jpg': pages of one paper scanned as separate files."""
    def stem(path: str) -> str:
        name = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        return re.sub(r"(?:[\s_\-]*(?:p|page|第|页|part)?[\s_\-]*\d+[\s_\-]*(?:页)?)$", "", name)

    sa, sb = stem(a), stem(b)
    return bool(sa) and sa == sb and a != b


_PAGE_MARK = re.compile(r"第\s*(\d{1,3})\s*页\s*[,，/]?\s*共\s*(\d{1,3})\s*页|(?i:page\s*(\d{1,3})\s*of\s*(\d{1,3}))")


def _page_mark(info: PageInfo) -> tuple[int, int] | None:
    """(k, n) from a printed "第k页共n页" / "Page k of n", if the page carries one."""
    m = _PAGE_MARK.search(info.ocr.text if info.ocr else "")
    if not m:
        return None
    k, n = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return int(k), int(n)


def _join_series(groups: list[_Group]) -> list[_Group]:
    """Pages of one multi-page paper that were not handed in together ('劳动合同6.jpg',
    '劳动合同8.jpg' loose and '劳动合同7.jpg' inside a zip) are one document when their file
    names are one series and their printed page numbers ("第2页共4页") neither repeat nor
    disagree on the total; the pages are then put in printed order."""
    data = doc_type_data()
    out: list[_Group] = []
    for g in groups:
        target = None
        if g.doc_type != DocType.UNKNOWN and data.types[g.doc_type].grouping.multi_page:
            target = next((h for h in out if h.doc_type == g.doc_type and _one_series(h, g)), None)
        if target is None:
            out.append(g)
            continue
        target.pages.extend(g.pages)
        if all(_page_mark(p) for p in target.pages):
            target.pages.sort(key=lambda p: _page_mark(p) or (0, 0))
    return out


def _one_series(a: _Group, b: _Group) -> bool:
    files_a = {p.file for p in a.pages}
    if not all(any(f == g.file or _same_series(f, g.file) for f in files_a) for g in b.pages):
        return False
    marks = [m for m in (_page_mark(p) for p in a.pages + b.pages) if m]
    if not marks:
        return False  # nothing printed says they belong together
    return len({n for _, n in marks}) == 1 and len({k for k, _ in marks}) == len(marks)


def _has_text(info: PageInfo) -> bool:
    return bool(info.ocr and info.ocr.text.strip())


def _join_sides(groups: list[_Group]) -> list[_Group]:
    data = doc_type_data()
    out: list[_Group] = []
    for g in groups:
        prev = out[-1] if out else None
        if (prev is not None and g.doc_type == prev.doc_type and g.doc_type != DocType.UNKNOWN
                and data.types[g.doc_type].grouping.sides and len(prev.pages) == 1 and len(g.pages) == 1):
            sides = {prev.pages[0].side, g.pages[0].side}
            if sides == {"front", "back"}:
                prev.pages.append(g.pages[0])
                continue
        out.append(g)
    return out
