"""Image forensics: editing software in metadata, and local tampering in the pixels.

Metadata: EXIF Software/ProcessingSoftware/HostComputer, XMP CreatorTool and history,
Photoshop image resources (JPEG APP13) and PNG text chunks — an editor named there is
reported; scanners, phone cameras and scanning apps are not (lists in forensics.yaml).

Pixels: a value re-typed on a pasted patch carries another noise and compression history
than the paper around it. Per block of background pixels we measure the noise level one
octave below the finest scale (the finest is what every JPEG save flattens, so a patch
saved at a lower quality, or filled flat, shows there as smoother than the paper — this is
what error-level analysis looks for, measured without a re-save) and compare it with the
block's wide neighbourhood; a compact, rectangular cluster of blocks that agree is reported
with its box. Copy-move (the same patch pasted twice) would show as many keypoint pairs
sharing one displacement; it is off by default because forms repeat glyphs and rows.
A patch pasted square onto a tilted scan is found by its level text (forensics_lines).
"""

from __future__ import annotations

import logging
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from pipeline.core.flags import make_flag
from pipeline.core.models import BBox, Evidence, Flag, OcrResult
from pipeline.core.stages import Page
from pipeline.forensics.lines import level_lines
from pipeline.forensics.settings import LevelLineSettings, TamperSettings, classify_software, config
from pipeline.geometry import to_corrected_bbox, to_decoded_quad

log = logging.getLogger(__name__)

_EXIF_SOFTWARE_TAGS = {0x0131: "Software", 0x000B: "ProcessingSoftware", 0x013C: "HostComputer"}
_XMP_FIELDS = ("xmp:CreatorTool", "stEvt:softwareAgent", "photoshop:History", "tiff:Software")
_PNG_KEYS = ("software", "comment", "description", "creator", "source", "author", "title")


# --------------------------------------------------------------------------- metadata


def _xmp_values(xmp: str, name: str) -> list[str]:
    """Attribute form name="v" and element form <name>v</name> (rdf:Seq/li lists included)."""
    vals = re.findall(rf'{re.escape(name)}="([^"]*)"', xmp)
    for body in re.findall(rf"<{re.escape(name)}>(.*?)</{re.escape(name)}>", xmp, flags=re.S):
        inner = re.findall(r"<rdf:li[^>]*>(.*?)</rdf:li>", body, flags=re.S)
        vals.extend(inner or [body])
    return [v.strip() for v in vals if v.strip()]


def _photoshop_irb_ids(raw: bytes) -> set[int]:
    """8BIM resource ids of JPEG APP13 'Photoshop 3.0' segments (walk markers up to SOS)."""
    ids: set[int] = set()
    if not raw.startswith(b"\xff\xd8"):
        return ids
    i = 2
    while i + 4 <= len(raw) and raw[i] == 0xFF:
        marker = raw[i + 1]
        if marker in (0xD9, 0xDA):  # EOI / SOS: metadata is over
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        seg_len = struct.unpack(">H", raw[i + 2:i + 4])[0]
        seg = raw[i + 4:i + 2 + seg_len]
        if marker == 0xED and seg.startswith(b"Photoshop 3.0\x00"):
            j = 14
            while j + 12 <= len(seg) and seg[j:j + 4] == b"8BIM":
                rid = struct.unpack(">H", seg[j + 4:j + 6])[0]
                nlen = seg[j + 6]
                k = j + 6 + (1 + nlen) + (1 + nlen) % 2  # Pascal name, padded to even length
                if k + 4 > len(seg):
                    break
                size = struct.unpack(">I", seg[k:k + 4])[0]
                ids.add(rid)
                j = k + 4 + size + (size % 2)
        i += 2 + seg_len
    return ids


def _png_metadata(path: Path) -> tuple[dict[str, str], Image.Exif]:
    """A PNG's text chunks (tEXt, zTXt, iTXt: keyword → text) and its eXIf chunk, wherever they
    sit (after the image data too), by walking the chunk list without inflating the image. A
    cut-off file yields what comes before the cut."""
    import zlib

    text: dict[str, str] = {}
    exif = Image.Exif()
    with path.open("rb") as fh:
        if fh.read(8) != b"\x89PNG\r\n\x1a\n":
            return text, exif
        while True:
            head = fh.read(8)
            if len(head) < 8:
                break
            length, kind = struct.unpack(">I4s", head)
            if kind not in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
                fh.seek(length + 4, 1)  # the data and its CRC
                if kind == b"IEND":
                    break
                continue
            data = fh.read(length)
            fh.seek(4, 1)
            try:
                if kind == b"eXIf":
                    exif.load(data)
                    continue
                key, _, rest = data.partition(b"\0")
                if kind == b"zTXt":
                    value = zlib.decompress(rest[1:], bufsize=length).decode("latin-1")
                elif kind == b"iTXt":  # flag, method, language\0, translated keyword\0, text
                    flag, body = rest[0], rest[2:]
                    body = body.split(b"\0", 2)[-1]
                    value = (zlib.decompress(body) if flag else body).decode("utf-8", "replace")
                else:
                    value = rest.decode("latin-1")
                text[key.decode("latin-1")] = value
            except (zlib.error, ValueError, IndexError, struct.error, SyntaxError):
                continue  # one damaged chunk is not the file
    return text, exif


def image_software_strings(path: Path) -> list[tuple[str, str]]:
    """(where, value) for every software-like metadata string in an image file."""
    found: list[tuple[str, str]] = []
    with Image.open(path) as img:
        png_text: dict[str, str] = {}
        if img.format == "PNG":  # read from the chunks: Pillow decodes the whole image to reach them
            png_text, exif = _png_metadata(path)
        else:
            exif = img.getexif()
        for tag, label in _EXIF_SOFTWARE_TAGS.items():
            v = exif.get(tag)
            if v:
                found.append((f"EXIF {label}", str(v).strip("\x00 ")))
        try:
            sub = exif.get_ifd(0x8769)  # Exif IFD: some writers put Software there
            v = sub.get(0x0131)
            if v:
                found.append(("EXIF Software", str(v).strip("\x00 ")))
        except Exception:  # noqa: BLE001
            pass
        for k, v in png_text.items():
            if k.lower() in _PNG_KEYS and v.strip():
                found.append((f"PNG text {k}", v.strip()))
        xmp_raw = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    raw = path.read_bytes()[: 8 * 1024 * 1024]
    xmp = ""
    if isinstance(xmp_raw, bytes | str):
        xmp = xmp_raw.decode("utf-8", "replace") if isinstance(xmp_raw, bytes) else xmp_raw
    if not xmp:
        a, b = raw.find(b"<x:xmpmeta"), raw.find(b"</x:xmpmeta>")
        if a >= 0 and b > a:
            xmp = raw[a:b].decode("utf-8", "replace")
    if xmp:
        for name in _XMP_FIELDS:
            found.extend((f"XMP {name}", v) for v in _xmp_values(xmp, name))
        actions = {a.lower() for a in _xmp_values(xmp, "stEvt:action")}
        edits = sorted(actions & {a.lower() for a in config().xmp_edit_actions})
        if edits:
            found.append(("XMP history action", "/".join(edits)))
    irb = _photoshop_irb_ids(raw)
    if irb & set(config().photoshop_irb_ids):
        found.append(("Photoshop image resources (APP13)", "Adobe Photoshop"))
    return found


def software_findings(found: list[tuple[str, str]]) -> list[str]:
    """'where: value (editor name)' for the editors among the strings; capture software is not."""
    out: list[str] = []
    for where, value in found:
        if where == "XMP history action":
            out.append(f"{where}: {value}")
            continue
        kind, name = classify_software(value)
        if kind == "editor":
            out.append(f"{where}: {value[:60]} ({name})")
    return list(dict.fromkeys(out))


def screen_image_metadata(path: Path, rel: str) -> list[Flag]:
    """IMAGE_EDITING_SOFTWARE when the file's metadata names an image editor."""
    hits = software_findings(image_software_strings(path))
    if not hits:
        return []
    return [make_flag("IMAGE_EDITING_SOFTWARE", [Evidence(file=rel, page=1)], software="; ".join(hits))]


# --------------------------------------------------------------------------- tampering


@dataclass
class Region:
    """A suspicious region in the coordinates of the analysed page image."""

    bbox: BBox
    score: float
    method: str
    detail: str
    detail_zh: str = ""


def _block_sum(a: np.ndarray, b: int) -> np.ndarray:
    h, w = a.shape[0] // b * b, a.shape[1] // b * b
    return a[:h, :w].reshape(h // b, b, w // b, b).sum(axis=(1, 3))


def _local_mean(values: np.ndarray, valid: np.ndarray, k: int) -> np.ndarray:
    """Mean of the valid blocks in a k×k window around each block (NaN where none).

    The window is wide (k blocks) so that a pasted patch is a small share of its own
    neighbourhood; a box filter keeps it cheap on fine block grids."""
    w = valid.astype(np.float32)
    num = cv2.boxFilter(np.where(valid, values, 0).astype(np.float32), -1, (k, k), normalize=False,
                        borderType=cv2.BORDER_CONSTANT)
    den = cv2.boxFilter(w, -1, (k, k), normalize=False, borderType=cv2.BORDER_CONSTANT)
    with np.errstate(all="ignore"):
        return np.where(den >= 3, num / np.maximum(den, 1), np.nan)


_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


def noise_maps(grey: np.ndarray, s: TamperSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per block: log noise level of background pixels (Immerkaer's Laplacian-difference
    estimator, insensitive to smooth shading), whether the block has enough background, and
    the block's mean brightness."""
    b = s.block
    g = grey.astype(np.float32)
    resid = np.abs(cv2.filter2D(g, cv2.CV_32F, _IMMERKAER)) * (np.sqrt(np.pi / 2) / 6)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    edge = (np.abs(gx) + np.abs(gy)) > s.edge_threshold
    edge = cv2.dilate(edge.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    bg = (~edge).astype(np.float32)
    n_bg = _block_sum(bg, b)
    noise = _block_sum(resid * bg, b) / np.maximum(n_bg, 1)
    mean = _block_sum(g, b) / (b * b)
    # paper only: a desk, a photo or a dark border has its own texture and must not set
    # the reference the paper around a patch is compared against
    paper = mean >= s.paper_brightness_ratio * np.percentile(mean, 90)
    valid = (n_bg >= s.min_bg_fraction * b * b) & paper
    return np.log(noise + 0.2), valid, mean


def _regions_from_mask(mask: np.ndarray, z: np.ndarray, valid: np.ndarray, s: TamperSettings,
                       scale: float, method: str) -> list[Region]:
    """Connected clusters of deviating blocks → compact, rectangular, strong enough regions.

    The score is the cluster's summed z over √n: many mildly deviating blocks that agree (a
    patch) outscore a few noisy ones (chance)."""
    n_lab, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    total = mask.shape[0] * mask.shape[1]
    out: list[Region] = []
    for i in range(1, n_lab):
        x, y, w, h, n = stats[i]
        if n < s.min_blocks or w * h > s.max_area_fraction * total:
            continue
        if w < s.min_aspect * h or h > s.max_height_fraction * max(mask.shape):
            continue  # a re-typed value is a line-shaped patch, not a photo or a card
        if x == 0 or y == 0 or x + w >= mask.shape[1] or y + h >= mask.shape[0]:
            continue  # scan borders, desk edges and shadows run into the frame
        box_valid = int(valid[y:y + h, x:x + w].sum())
        fill = n / max(1, box_valid)
        if fill < s.min_fill:
            continue
        zs = z[labels == i]
        score = float(abs(zs.sum()) / np.sqrt(n))
        if score < s.min_score:
            continue
        b = s.block / scale
        bbox = (int(x * b), int(y * b), int((x + w) * b), int((y + h) * b))
        out.append(Region(bbox, score, method,
                          f"{method}: {n} blocks, score {score:.1f}, mean z {zs.mean():+.1f}, fill {fill:.2f}",
                          f"该区域纸面噪声{'偏低' if zs.mean() < 0 else '偏高'}，与周围纸张不一致（{n} 块，得分 {score:.1f}）"))
    return out


def noise_regions(grey: np.ndarray, s: TamperSettings, scale: float) -> list[Region]:
    """Blocks whose background noise level departs from their neighbourhood, grouped."""
    logn, valid, _ = noise_maps(grey, s)
    ref = _local_mean(logn, valid, s.ring)
    dev = logn - ref
    ok = valid & np.isfinite(dev)
    if ok.sum() < 20:
        return []
    mad = float(np.median(np.abs(dev[ok]))) * 1.4826
    sigma = max(mad, 0.12)
    z = np.where(ok, dev / sigma, 0.0).astype(np.float32)
    # a patch moves all its blocks the same way: average z over 3×3 valid neighbours first
    num = cv2.boxFilter(z, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    den = cv2.boxFilter(ok.astype(np.float32), -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    zs = np.where(ok, num / np.maximum(den, 1), 0.0)
    regions: list[Region] = []
    for sign, name in ((-1, "noise-low"), (1, "noise-high")):
        if name.split("-")[1] not in s.directions:
            continue
        mask = ok & (sign * zs > s.noise_z)
        regions += _regions_from_mask(mask, z, ok, s, scale, name)
    return regions


def copy_move_regions(grey: np.ndarray, s: TamperSettings, scale: float) -> list[Region]:
    """ORB keypoints matched against themselves; many pairs with one shared, long displacement."""
    cm = s.copy_move
    orb = cv2.ORB_create(nfeatures=cm.max_keypoints, fastThreshold=12)  # type: ignore[attr-defined]
    kps, des = orb.detectAndCompute(np.clip(grey, 0, 255).astype(np.uint8), None)
    if des is None or len(kps) < cm.min_matches * 2:
        return []
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(des, des, k=3)
    diag = float(np.hypot(*grey.shape))
    shifts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for ms in pairs:
        for m in ms[1:]:
            if m.distance > cm.max_descriptor_distance:
                continue
            p, q = np.array(kps[m.queryIdx].pt), np.array(kps[m.trainIdx].pt)
            d = q - p
            if np.hypot(*d) < cm.min_shift_fraction * diag or (d[0], d[1]) < (0, 0):
                continue
            key = (int(round(d[0] / 4)), int(round(d[1] / 4)))
            shifts.setdefault(key, []).append((m.queryIdx, m.trainIdx))
    regions: list[Region] = []
    for key, prs in shifts.items():
        if len(prs) < cm.min_matches:
            continue
        pts = np.array([kps[i].pt for i, _ in prs] + [kps[j].pt for _, j in prs])
        src = np.array([kps[i].pt for i, _ in prs])
        x0, y0 = src.min(axis=0)
        x1, y1 = src.max(axis=0)
        del pts
        inv = 1 / scale
        regions.append(Region((int(x0 * inv), int(y0 * inv), int(x1 * inv), int(y1 * inv)),
                              float(len(prs)), "copy-move",
                              f"copy-move: {len(prs)} keypoint pairs shifted by "
                              f"({key[0] * 4 * inv:.0f}, {key[1] * 4 * inv:.0f}) px",
                              f"同一图块在页面中出现两次（{len(prs)} 对特征点，位移 "
                              f"{key[0] * 4 * inv:.0f}, {key[1] * 4 * inv:.0f} 像素）"))
    return regions


def find_tampered_regions(image: Image.Image, measured_tilt: float | None = None,
                          ocr_wide_lines: int | None = None,
                          ocr_line_boxes: list[np.ndarray] | None = None) -> list[Region]:
    """All suspicious regions of one page image, boxes in that image's pixel coordinates.

    `measured_tilt`: the skew OCR measured on this page, if any. A page it found straight
    (well under level_line.min_page_tilt_deg) skips the level-line test, which could only
    conclude the same. `ocr_wide_lines`: how many lines OCR read at least
    level_line.min_reference_width wide; with fewer than min_reference_lines the test could
    not establish the page's tilt either (cards, sparse certificates), so it is skipped too.
    `ocr_line_boxes`: OCR's lines as quadrilaterals in this image's pixels (to_decoded_quad);
    the level-line test then measures the ink inside them instead of finding lines itself."""
    s = config().tamper
    grey_full = np.asarray(image.convert("L"))
    # bin by an integer factor: averages f×f pixels without resampling across JPEG blocks
    # (an area resize by a whole factor is exactly that block mean)
    f = max(1, -(-max(grey_full.shape) // s.work_long_side)) * s.noise_bin
    grey = grey_full.astype(np.float32)
    if f > 1:
        h, w = grey.shape[0] // f * f, grey.shape[1] // f * f
        grey = np.asarray(cv2.resize(grey[:h, :w], (w // f, h // f), interpolation=cv2.INTER_AREA), np.float32)
    scale = 1.0 / f
    regions = noise_regions(grey, s, scale)
    if s.copy_move.enabled:
        regions += copy_move_regions(grey, s, scale)
    ll = s.level_line
    tilted = measured_tilt is None or abs(measured_tilt) >= ll.min_page_tilt_deg - ll.measured_tilt_margin_deg
    lined = ocr_wide_lines is None or ocr_wide_lines >= ll.min_reference_lines
    if ll.enabled and tilted and lined:
        regions += level_line_regions(grey_full, ll, ocr_line_boxes)
    return sorted(regions, key=lambda r: -r.score)


def level_line_regions(grey: np.ndarray, s: LevelLineSettings,
                       line_boxes: list[np.ndarray] | None = None) -> list[Region]:
    """Lines printed level on a tilted scan; scored by how many tilt spreads they stand off."""
    out = []
    for ln in level_lines(grey, s, line_boxes):
        off = abs(ln.page_tilt - ln.angle)
        out.append(Region(ln.bbox, off / max(ln.tilt_spread, 0.05), "level-line",
                          f"level-line: text at {ln.angle:+.2f}° on a page whose lines are tilted "
                          f"{ln.page_tilt:+.2f}° (±{ln.tilt_spread:.2f}°)",
                          f"此行文字是水平的（{ln.angle:+.2f}°），而本页其余文字都倾斜 {ln.page_tilt:+.2f}°"
                          f"（±{ln.tilt_spread:.2f}°）：像是粘贴上去的"))
    return out


def _wide_lines(ocr: OcrResult) -> int:
    """Lines OCR read that are wide enough to set a page's tilt in the level-line test."""
    long_side = max(ocr.width, ocr.height, 1)
    share = config().tamper.level_line.min_reference_width
    return sum(1 for ln in ocr.lines if ln.bbox[2] - ln.bbox[0] >= share * long_side)


def screen_page_pixels(page: Page, ocr: OcrResult | None) -> list[Flag]:
    """IMAGE_REGION_TAMPERED with the box of each suspicious region (at most three per page).

    The decoded image is analysed, not the corrected one: deskewing interpolates, and
    interpolation smooths noise unevenly. Where the page was read (`ocr`), boxes are mapped to
    the corrected image's (OCR) coordinates, and the evidence says which frame it is in."""
    image = page.image
    frame = "corrected page image (OCR coordinates)" if ocr is not None else "decoded page image"
    flags: list[Flag] = []
    read = ocr is not None and ocr.engine != "text_layer"
    # OCR's lines (a text layer's too) say where the level-line test should look
    boxes = [to_decoded_quad(ln.bbox, image.size, ocr.rotation, ocr.skew) for ln in ocr.lines] \
        if ocr is not None else None
    regions = find_tampered_regions(image, ocr.skew if read and ocr else None,
                                    _wide_lines(ocr) if read and ocr else None, boxes)
    for r in regions[:3]:
        bbox = to_corrected_bbox(r.bbox, image.size, ocr.rotation, ocr.skew) if ocr is not None else r.bbox
        detail = f"{r.detail}; bbox {list(bbox)} in {frame}"
        flags.append(make_flag("IMAGE_REGION_TAMPERED",
                               [Evidence(file=page.name, page=page.number, bbox=bbox)],
                               detail=detail, detail_zh=r.detail_zh or r.detail))
    return flags
