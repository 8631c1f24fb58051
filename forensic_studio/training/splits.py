"""Grouped train/validation splits that keep near-duplicates on one side.

Files are grouped by perceptual hash (64-bit DCT hash, Hamming distance at most
``NEAR_DUPLICATE_BITS``) with union-find, so a re-encoded or slightly cropped
copy of a training image can never be scored as validation. A group's side is a
pure function of its content (the smallest SHA-256 in it), so training and
``eval --split`` recompute the same split without a list being shipped.
Grouping runs within each source folder (on the shipped sources this gives the
same split as grouping them all together: no near-duplicates cross sources).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

NEAR_DUPLICATE_BITS = 6
VALIDATION_SHARE = 0.2
SPLIT_SALT = "forensic-studio-split-v1"


@dataclass(frozen=True)
class LabelledFile:
    path: Path
    label: int  # 1 = fake
    source: str
    sha256: str


def read_source(folder: Path) -> list[LabelledFile]:
    """Files of one dataset folder (``real/``, ``fake/``, ``manifest.csv``)."""
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        LabelledFile(folder / row["file"], int(row["label"] == "fake"), folder.name, row["sha256"])
        for row in rows
        if (folder / row["file"]).is_file()
    ]


def perceptual_hash(path: Path) -> int:
    with Image.open(path) as im:
        gray = np.asarray(im.convert("L").resize((32, 32), Image.Resampling.BILINEAR), dtype=np.float32)
    low = cv2.dct(gray)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int("".join("1" if b else "0" for b in bits), 2)


def near_duplicate_groups(hashes: list[int], max_bits: int = NEAR_DUPLICATE_BITS) -> list[int]:
    """Union-find over all pairs within ``max_bits``; returns a root index per item."""
    parent = list(range(len(hashes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    values = np.array(hashes, dtype=np.uint64)
    for i in range(len(values)):
        xor = values[i + 1 :] ^ values[i]
        distance = np.unpackbits(xor.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
        for j in np.nonzero(distance <= max_bits)[0] + i + 1:
            parent[find(int(j))] = find(i)
    return [find(i) for i in range(len(values))]


def is_validation(group_key: str) -> bool:
    digest = hashlib.sha256((SPLIT_SALT + group_key).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < VALIDATION_SHARE


def split_by_source(files: list[LabelledFile]) -> tuple[list[LabelledFile], list[LabelledFile]]:
    """``split_files`` applied to each source separately; order is kept within each side."""
    sources: dict[str, list[LabelledFile]] = {}
    for item in files:
        sources.setdefault(item.source, []).append(item)
    validation = {id(v) for group in sources.values() for v in split_files(group)[1]}
    return [f for f in files if id(f) not in validation], [f for f in files if id(f) in validation]


def split_files(files: list[LabelledFile]) -> tuple[list[LabelledFile], list[LabelledFile]]:
    """(train, validation), grouped by near-duplicate clusters."""
    roots = near_duplicate_groups([perceptual_hash(f.path) for f in files])
    group_key: dict[int, str] = {}
    for root, item in zip(roots, files):
        group_key[root] = min(group_key.get(root, item.sha256), item.sha256)
    train, val = [], []
    for root, item in zip(roots, files):
        (val if is_validation(group_key[root]) else train).append(item)
    return train, val
