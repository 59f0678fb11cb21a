"""Scan realism: turn a clean rendered page into what an applicant actually hands in.

A page is resampled to the scanner's dpi, warped (skew for flatbeds, perspective for phone
photos on a desk), then given the photometric traces of its path (noise, blur, paper tint,
toner, uneven lighting). The 3×3 matrix from clean-page to degraded coordinates is kept so
that tamper defects can be pasted over a field *after* degradation, as a forger would. The
final 90/180/270 rotation is a separate step (`rotate`) for the same reason. Parameters are
data: samples/data/degrade.yaml.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Literal

import cv2
import numpy as np
from PIL import Image
from pydantic import BaseModel, ConfigDict, field_validator

from pipeline.core.datafiles import load_bundled

Level = Literal["clean", "scan", "photocopy", "phone"]
LEVELS: tuple[Level, ...] = ("clean", "scan", "photocopy", "phone")
Range = tuple[float, float]


class LevelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skew_deg: Range = (0.0, 0.0)
    blur_sigma: Range = (0.0, 0.0)
    noise_sigma: Range = (0.0, 0.0)
    jpeg_quality: tuple[int, int] = (85, 95)
    paper_tint: Range = (0.0, 0.0)
    brightness: Range = (1.0, 1.0)
    grey: bool = False
    contrast: Range = (1.0, 1.0)
    speckle_per_mpx: Range = (0.0, 0.0)
    streaks: tuple[int, int] = (0, 0)
    perspective: Range = (0.0, 0.0)
    margin: Range = (0.0, 0.0)
    background_rgb: list[tuple[int, int, int]] = [(90, 80, 70)]
    lighting: Range = (1.0, 1.0)
    colour_cast: Range = (0.0, 0.0)


class DegradeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dpi_choices: list[int]
    levels: dict[Level, LevelSpec]
    rotation_weights: dict[int, float]

    @field_validator("levels")
    @classmethod
    def _every_level(cls, v: dict[Level, LevelSpec]) -> dict[Level, LevelSpec]:
        missing = set(LEVELS) - set(v)
        if missing:
            raise ValueError(f"levels missing: {sorted(missing)}")
        return v


@cache
def degrade_spec() -> DegradeSpec:
    return load_bundled("samples", "data/degrade.yaml", DegradeSpec)


@dataclass
class Degraded:
    """A degraded page before its final rotation; `matrix` maps clean-page pixels to it."""

    image: Image.Image
    level: Level
    dpi: int
    skew: float
    matrix: np.ndarray
    jpeg_quality: int


def _u(rng: random.Random, r: Range) -> float:
    return rng.uniform(float(r[0]), float(r[1]))


def map_box(matrix: np.ndarray, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Axis-aligned box around the image of `box` under the 3×3 matrix."""
    x0, y0, x1, y1 = box
    pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64).reshape(-1, 1, 2)
    out = cv2.perspectiveTransform(pts, matrix).reshape(-1, 2)
    return (int(out[:, 0].min()), int(out[:, 1].min()), int(np.ceil(out[:, 0].max())),
            int(np.ceil(out[:, 1].max())))


def choose_rotation(rng: random.Random) -> int:
    w = degrade_spec().rotation_weights
    return rng.choices(list(w), weights=list(w.values()))[0]


def choose_dpi(rng: random.Random) -> int:
    return rng.choice(degrade_spec().dpi_choices)


def degrade(page: Image.Image, level: Level, rng: random.Random, src_dpi: int,
            dpi: int | None = None) -> Degraded:
    """Degrade one clean RGB page; deterministic for a given rng state."""
    spec = degrade_spec().levels[level]
    dpi = dpi or choose_dpi(rng)
    nrng = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(page.convert("RGB"), dtype=np.uint8)
    h, w = arr.shape[:2]
    s = dpi / float(src_dpi)
    W, H = max(1, round(w * s)), max(1, round(h * s))
    skew = _u(rng, spec.skew_deg) * rng.choice((-1, 1))
    scale = np.array([[s, 0, 0], [0, s, 0], [0, 0, 1]], dtype=np.float64)
    quality = rng.randint(*spec.jpeg_quality)

    if level == "phone":
        out, M = _phone_warp(arr, spec, rng, nrng, W, H, s, skew)
    elif abs(skew) > 1e-6:
        rot = cv2.getRotationMatrix2D((W / 2, H / 2), skew, 1.0)
        M = np.vstack([rot, [0, 0, 1]]) @ scale
        out = cv2.warpAffine(arr, M[:2], (W, H), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                             borderValue=(250, 250, 248))
    else:
        M = scale
        out = cv2.resize(arr, (W, H), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)

    img = out.astype(np.float32)
    if level == "phone":
        img = _lighting(img, spec, rng, nrng)
    tint = _u(rng, spec.paper_tint)
    if tint:
        img = cv2.subtract(img, (0.0, tint * 0.3, tint, 0.0))  # type: ignore[call-overload]  # RGB: paper yellows (less blue)
    img *= np.float32(_u(rng, spec.brightness))
    if spec.grey:
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        c = _u(rng, spec.contrast)
        g = g * np.float32(c) + np.float32(180.0 - 150.0 * c)  # toner: mid greys dark, paper white
        img = _toner(g, spec, rng, nrng)
    sigma = _u(rng, spec.blur_sigma)
    if sigma > 0.05:
        k = 3 if sigma < 0.6 else 5
        img = cv2.GaussianBlur(img, (k, k), sigma)  # type: ignore[assignment]
    noise = _u(rng, spec.noise_sigma)
    if noise > 0:
        n = np.empty(img.shape, np.float32)
        cv2.setRNGSeed(int(nrng.integers(2**31)))
        cv2.randn(n.reshape(n.shape[0], -1), 0.0, float(noise))  # type: ignore[call-overload,misc]  # 2-D view: every channel gets noise
        img = cv2.add(img, n)  # type: ignore[assignment]
    np.clip(img, 0, 255, out=img)
    result = Image.fromarray(img.astype(np.uint8), "L" if spec.grey else "RGB")
    return Degraded(result, level, dpi, round(skew, 2), M, quality)


def _phone_warp(arr: np.ndarray, spec: LevelSpec, rng: random.Random, nrng: np.random.Generator,
                W: int, H: int, s: float, skew: float) -> tuple[np.ndarray, np.ndarray]:
    """The page lying on a desk, photographed slightly from the side."""
    h, w = arr.shape[:2]
    m = _u(rng, spec.margin)
    CW, CH = round(W * (1 + 2 * m)), round(H * (1 + 2 * m))
    cx, cy = CW / 2, CH / 2
    a = np.deg2rad(skew)
    ca, sa = np.cos(a), np.sin(a)
    p = _u(rng, spec.perspective)
    dst = []
    for x, y in ((0, 0), (W, 0), (W, H), (0, H)):
        dx, dy = x - W / 2, y - H / 2
        rx, ry = dx * ca - dy * sa, dx * sa + dy * ca
        jx, jy = rng.uniform(-p, p) * W, rng.uniform(-p, p) * H
        dst.append((cx + rx + jx, cy + ry + jy))
    src = np.array([(0, 0), (w, 0), (w, h), (0, h)], dtype=np.float32)
    M = cv2.getPerspectiveTransform(src, np.array(dst, dtype=np.float32)).astype(np.float64)
    # the desk (colour, texture, the paper's soft shadow) is smooth: build it at 1/4 size
    bg_rgb = np.array(rng.choice(spec.background_rgb), dtype=np.float32)
    f = 4.0
    sw, sh = max(2, round(CW / f)), max(2, round(CH / f))
    S = np.diag([1 / f, 1 / f, 1.0])
    Ms = S @ M @ np.linalg.inv(S)
    small_src = np.full((max(2, round(h / f)), max(2, round(w / f))), 1.0, np.float32)
    mask = cv2.warpPerspective(small_src, Ms, (sw, sh))
    shadow = cv2.GaussianBlur(mask, (0, 0), max(1.0, sw / 150))
    texture = cv2.GaussianBlur(nrng.standard_normal((sh, sw), dtype=np.float32) * 18, (0, 0), 0.8)
    bg_small = (bg_rgb[None, None, :] + texture[..., None]) * (1.0 - 0.35 * shadow)[..., None]
    bg = cv2.resize(np.clip(bg_small, 0, 255).astype(np.uint8), (CW, CH), interpolation=cv2.INTER_LINEAR)
    cv2.warpPerspective(arr, M, (CW, CH), dst=bg, flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_TRANSPARENT)
    return bg, M


def _lighting(img: np.ndarray, spec: LevelSpec, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    """Uneven lighting from a lamp or window, vignetting, and a colour cast."""
    h, w = img.shape[:2]
    sh, sw = max(2, h // 8), max(2, w // 8)
    lx, ly = rng.uniform(0.1, 0.9) * sw, rng.uniform(0.1, 0.9) * sh
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    d = np.sqrt((xx - lx) ** 2 + (yy - ly) ** 2)
    d /= d.max()
    low = _u(rng, spec.lighting)
    light = cv2.resize((1.0 - (1.0 - low) * d ** 1.6).astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    cast = _u(rng, spec.colour_cast)
    light3 = cv2.merge([light * np.float32(1 + cast), light, light * np.float32(1 - cast)])
    return cv2.multiply(img, light3)


def _toner(g: np.ndarray, spec: LevelSpec, rng: random.Random, nrng: np.random.Generator) -> np.ndarray:
    h, w = g.shape
    n = int(_u(rng, spec.speckle_per_mpx) * h * w / 1e6)
    if n:
        ys = nrng.integers(0, h, n)
        xs = nrng.integers(0, w, n)
        g[ys, xs] = nrng.uniform(0, 90, n)
        g[np.minimum(ys + 1, h - 1), xs] = np.minimum(g[np.minimum(ys + 1, h - 1), xs], 120)
    for _ in range(rng.randint(*spec.streaks)):
        x = rng.randrange(w)
        width = rng.randint(1, 3)
        g[:, x:x + width] -= rng.uniform(20, 60)
    return g


def rotate(img: Image.Image, rotation: int) -> Image.Image:
    """Rotate clockwise by 0/90/180/270 (a page fed sideways or upside down)."""
    ops = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
           270: Image.Transpose.ROTATE_90}
    op = ops[rotation]
    return img if op is None else img.transpose(op)


def binarise(img: Image.Image) -> Image.Image:
    """1-bit page for Group 4 TIFFs (office scanners in black-and-white mode)."""
    g = np.asarray(img.convert("L"))
    _, bw = cv2.threshold(g, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return Image.fromarray(bw).convert("1", dither=Image.Dither.NONE)
