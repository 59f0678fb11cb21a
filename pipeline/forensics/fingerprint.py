"""Fingerprints of certificate pages, compared across applicants (pipeline.forensics.corpus):
the same scan handed in twice hashes alike after re-saving, rescaling or re-cropping."""

from __future__ import annotations

import cv2
import imagehash
import numpy as np
from PIL import Image, ImageOps

from pipeline.forensics.settings import config
from pipeline.pages import upright


def image_fingerprint(image: Image.Image) -> str:
    """Perceptual hash (hex) of a page, robust to re-saving, rescaling and contrast changes.

    Grey, autocontrast and a fixed size first, so the same scan re-saved or resized by
    another applicant hashes alike; the 256-bit hash keeps same-template certificates with
    different names apart better than the usual 64 bits.
    """
    fp = config().fingerprint
    grey = upright(image).convert("L")
    factor = max(grey.size) // (2 * fp.normalise_long_side)
    if factor >= 2:
        grey = grey.reduce(factor)  # cheap box average first; LANCZOS only for the last step
    scale = fp.normalise_long_side / max(grey.size)
    if scale < 1:
        grey = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                           Image.Resampling.LANCZOS)
    grey = ImageOps.autocontrast(grey, cutoff=1)
    grey = _crop_to_content(grey)
    return str(imagehash.phash(grey, hash_size=fp.hash_size))


def _crop_to_content(grey: Image.Image) -> Image.Image:
    """Cut the paper margins, so a re-cropped or re-scanned copy frames the same content."""
    a = np.asarray(grey)
    # ink, not shading: darker than the page blurred wide (σ 15 px, blurred at half size: an
    # eighth of the cost; fingerprints move by ≤ 6 of 256 bits against full-size blurring)
    half = cv2.resize(a, (max(1, a.shape[1] // 2), max(1, a.shape[0] // 2)), interpolation=cv2.INTER_AREA)
    shading = cv2.resize(cv2.GaussianBlur(half.astype(np.float32), (0, 0), 7.5), (a.shape[1], a.shape[0]),
                         interpolation=cv2.INTER_LINEAR)
    ys, xs = np.nonzero(a < shading - 50)
    if len(xs) < 100:
        return grey
    x0, x1 = np.percentile(xs, [0.5, 99.5])
    y0, y1 = np.percentile(ys, [0.5, 99.5])
    if (x1 - x0) < 0.2 * grey.width or (y1 - y0) < 0.2 * grey.height:
        return grey
    return grey.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1))


def fingerprint_distance(a: str, b: str) -> int:
    """Hamming distance between two fingerprints from image_fingerprint (bits that differ)."""
    if len(a) != len(b):
        raise ValueError(f"fingerprints of different sizes: {len(a)} vs {len(b)} hex digits")
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def duplicate_max_distance() -> int:
    """Fingerprints at or below this distance are the same image (forensics.yaml)."""
    return config().fingerprint.duplicate_max_distance
