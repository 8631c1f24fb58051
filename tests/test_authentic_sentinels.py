"""Real camera photos that must never be called fake, and the corpus tooling behind the calibration.

The sentinel photos are listed in ``corpora/sentinel_authentic.csv`` (public repositories,
pinned by commit and SHA-256). CI has no snapshot fetcher, so the files are expected under
``../shared/datasets/images/authentic_sentinel/`` (any layout: they are found by hash);
where they are absent the test says so and skips.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED, analyze
from forensic_studio.training.corpus import CorpusFile, corpus_split, read_manifest, write_manifest
from forensic_studio.training.operating_point import bands

REPO = Path(__file__).resolve().parents[1]
SENTINELS = REPO / "corpora" / "sentinel_authentic.csv"
SENTINEL_DIR = SHARED / "datasets" / "images" / "authentic_sentinel"


def _sentinel_files() -> list[Path]:
    wanted = {item.sha256 for item in read_manifest(SENTINELS)}
    found = {}
    for path in SENTINEL_DIR.rglob("*") if SENTINEL_DIR.is_dir() else []:
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in wanted:
                found[digest] = path
    return sorted(found.values())


@pytest.mark.skipif(not SENTINEL_DIR.is_dir(), reason="the sentinel photos are not in ../shared/datasets/images")
def test_real_camera_photos_are_never_called_fake():
    files = _sentinel_files()
    assert files, f"none of the photos of {SENTINELS.name} is under {SENTINEL_DIR}"
    verdicts = {path.name: analyze(path).fusion.verdict for path in files}
    assert not [name for name, verdict in verdicts.items() if verdict == "fake"], verdicts


def test_sentinel_manifest_is_pinned_and_authentic():
    items = read_manifest(SENTINELS)
    assert len(items) >= 10
    assert all(item.label == "authentic" and len(item.sha256) == 64 and len(item.commit) == 40 for item in items)
    assert len({item.group for item in items}) >= 5  # several cameras, not one


def test_corpus_split_holds_out_whole_repositories(tmp_path):
    files = [CorpusFile(f"owner/repo{r}", "0" * 40, f"f{i}.jpg", f"{r}{i}".ljust(64, "0"),
                        "authentic" if r < 6 else "generated", "camera", f"repo:{r}")
             for r in range(10) for i in range(r + 1)]
    held_out = corpus_split(files)
    for label in ("authentic", "generated"):
        repos = {f.repo for f in files if f.label == label}
        assert held_out & repos and repos - held_out  # both sides hold repositories of each label
    # A repository is on one side only, and the manifest round-trips.
    write_manifest(tmp_path / "m.csv", files)
    assert read_manifest(tmp_path / "m.csv") == files


def test_bands_keep_false_alarms_at_the_asked_rate():
    rng = np.random.default_rng(0)
    authentic, fakes = rng.beta(2, 5, 1000), rng.beta(5, 2, 1000)
    authentic_below, fake_above = bands(authentic, fakes, false_alarms=0.01, misses=0.05)
    assert (authentic >= fake_above).mean() <= 0.01
    assert (fakes <= authentic_below).mean() <= 0.05
    assert authentic_below <= fake_above
