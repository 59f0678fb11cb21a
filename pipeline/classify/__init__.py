"""Classification: which document each page is, and which pages make one document.

    cues = page_cues(page, read.ocr)        # PageCues: card, MRZ, ruled table, seals
    kind = classify_page(read.ocr, cues)     # PageClass: doc type, confidence, side
    documents, pages = group_documents(pages)

Keywords, patterns, layout cues and grouping rules per doc type are data
(pipeline/data/doc_types.yaml).
"""

from __future__ import annotations

from pipeline.classify.cues import image_cues, page_cues
from pipeline.classify.data import doc_type_data
from pipeline.classify.grouping import group_documents
from pipeline.classify.scoring import classify_page, decide, score_text

__all__ = ["classify_page", "decide", "doc_type_data", "group_documents", "image_cues", "page_cues",
           "score_text"]
