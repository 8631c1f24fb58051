"""``eval`` on a generated labelled tree, metric arithmetic, and the benchmark's report shape."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import SHARED, png_with_text
from forensic_studio.evaluation.metrics import equal_error_rate, expected_calibration_error, roc_auc
from forensic_studio.synthetic_media import SD_PARAMETERS, jpeg_bytes, photo_like


def test_metrics_on_known_values():
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(labels, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert roc_auc(labels, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert equal_error_rate(labels, np.array([0.1, 0.2, 0.8, 0.9]))[0] == 0.0
    assert expected_calibration_error(np.array([1, 1, 0, 0]), np.array([1.0, 1.0, 0.0, 0.0])) == 0.0
    assert roc_auc(np.array([1, 1]), np.array([0.2, 0.3])) is None


def test_eval_cli_reports_per_source_and_pooled(tmp_path):
    for source in ("setA", "nested/setB"):
        (tmp_path / source / "real").mkdir(parents=True)
        (tmp_path / source / "fake").mkdir(parents=True)
        for i in range(3):
            picture = photo_like(96, 96, seed=i)
            (tmp_path / source / "real" / f"r{i}.jpg").write_bytes(jpeg_bytes(picture, 90))
            (tmp_path / source / "fake" / f"f{i}.png").write_bytes(png_with_text(picture, {"parameters": SD_PARAMETERS}))
    (tmp_path / "setA" / "fake" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    completed = subprocess.run([sys.executable, "-m", "forensic_studio", "eval", str(tmp_path), "--mode", "fast", "--json"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert set(report["sources"]) == {"setA", "nested/setB"}
    assert report["pooled"]["n"] == 12 and report["pooled"]["auc"] == 1.0
    assert sum(report["failed"].values()) == 1
    # Each layer's own score, beside the fused verdict: here the metadata layer alone separates the classes.
    metadata = report["layers"]["metadata"]
    assert set(metadata) == {"setA", "nested/setB", "pooled"}
    assert metadata["pooled"]["n"] == 12 and metadata["pooled"]["auc"] == 1.0
    # The operating point: the generated PNGs declare their generator, so every one is caught.
    assert report["pooled"]["detection_rate"] == 1.0 and report["pooled"]["missed_as_authentic"] == 0.0
    assert 0.0 <= report["pooled"]["false_alarm_rate"] <= 1.0
    # The weights behind the figures, with the number of files each took part in.
    (embedded,) = [name for name in report["models"] if name.startswith("image-dual-stream")]
    assert report["models"][embedded] == 12


def test_verdict_rates_count_accusations_and_clearances():
    from forensic_studio.evaluation.metrics import summarise

    labels = [0, 0, 0, 0, 1, 1]
    verdicts = ["fake", "authentic", "authentic", "inconclusive", "fake", "authentic"]
    m = summarise(labels, [0.9, 0.1, 0.2, 0.5, 0.8, 0.3], verdicts)
    assert m["false_alarm_rate"] == 0.25 and m["authentic_rate"] == 0.5
    assert m["detection_rate"] == 0.5 and m["missed_as_authentic"] == 0.5
    # An authentic-only source (a calibration corpus) has a false-alarm rate and no detection rate or AUC.
    only_real = summarise([0, 0], [0.1, 0.9], ["authentic", "fake"])
    assert only_real["false_alarm_rate"] == 0.5 and only_real["detection_rate"] is None and only_real["auc"] is None


def test_eval_takes_a_source_with_one_class(tmp_path):
    from forensic_studio.evaluation.evaluate import find_samples

    (tmp_path / "cameras" / "real").mkdir(parents=True)
    (tmp_path / "cameras" / "real" / "a.jpg").write_bytes(jpeg_bytes(photo_like(64, 64, seed=1), 90))
    (samples,) = find_samples(tmp_path)
    assert samples.label == 0 and samples.source == "cameras"


def test_a_layer_that_never_varies_has_no_auc():
    from forensic_studio.evaluation.evaluate import _layer_aucs

    aucs = _layer_aucs({"a": [(0, 0.5), (1, 0.5)], "b": [(0, 0.2), (1, 0.9)]})
    assert aucs["a"]["auc"] is None and aucs["b"]["auc"] == 1.0
    assert aucs["pooled"] == {"n": 4, "auc": 0.875}  # one tie among four pairs


def test_bench_reports_medians_and_memory():
    completed = subprocess.run([sys.executable, "-m", "forensic_studio", "bench", "--megapixels", "0.3", "--repeats", "1",
                                "--json"], capture_output=True, text=True, timeout=300)
    report = json.loads(completed.stdout)
    assert report["full"]["median_s"] > 0 and report["fast"]["median_s"] > 0 and report["peak_rss_mb"] > 0


@pytest.mark.skipif(not (SHARED / "datasets" / "images").is_dir(), reason="../shared/datasets is not present")
def test_shared_images_analyse_without_errors():
    """A sample of the shared labelled images goes through the full pipeline without a single error."""
    root = SHARED / "datasets" / "images" / "faces140k_stylegan"
    files = sorted((root / "real").iterdir())[:5] + sorted((root / "fake").iterdir())[:5]
    from conftest import analyze

    for path in files:
        result = analyze(path)
        assert result.error is None and not result.warnings, (path, result.warnings)


def test_fusion_weight_fit_favours_the_informative_layer(tmp_path, capsys):
    """The fitting tool keeps weights non-negative, leaves the prior alone, and follows the evidence."""
    from forensic_studio.training import fusion_weights

    rng = np.random.default_rng(0)
    lines = []
    for index in range(400):
        label = index % 2
        informative = float(np.clip(0.5 + (0.3 if label else -0.3) + rng.normal(0, 0.15), 0.01, 0.99))
        misleading = float(np.clip(0.5 - (0.1 if label else -0.1) + rng.normal(0, 0.2), 0.01, 0.99))
        lines.append(json.dumps({
            "path": f"/data/{'fake' if label else 'real'}/{index}.jpg",
            "fusion": {"profile": "metadata_absent"},
            "layers": [{"name": "learned", "score": informative, "confidence": 0.9},
                       {"name": "noise", "score": misleading, "confidence": 1.0}],
        }))
    results = tmp_path / "train.jsonl"
    results.write_text("\n".join(lines), encoding="utf-8")
    fusion_weights.main([str(results), "--pull", "0.001"])
    fitted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert fitted["weights"]["learned"] > 1.0 and fitted["weights"]["noise"] < 0.3
    assert min(fitted["weights"].values()) >= 0 and fitted["prior_log_odds"] == 0.0


def test_video_bench_reports_ratios_to_ffmpeg_decoding():
    from rich.console import Console

    from forensic_studio.bench import run_video_bench

    report = run_video_bench(2.0, 320, 240, 1, Console(quiet=True))
    assert report["full"]["median_s"] > 0 and report["fast"]["median_s"] > 0
    decode = report["ffmpeg_decode"]
    if "error" in decode:  # no ffmpeg on this machine: the ratio is absent and says why
        assert "ffmpeg" in decode["error"] and "over_ffmpeg_decode" not in report["full"]
    else:
        assert report["full"]["over_ffmpeg_decode"] > 0 and report["fast"]["over_ffmpeg_decode"] > 0


def test_fusion_weights_grouped_cross_validation(tmp_path):
    """Leave-one-group-out predictions use weights fitted without the held-out group."""
    from forensic_studio.training.fusion_weights import grouped_predictions, manifest_groups

    rng = np.random.default_rng(0)
    labels = np.array([0, 1] * 20, dtype=float)
    features = np.c_[np.where(labels == 1, 1.5, -1.5) + rng.normal(0, 1, 40), rng.normal(0, 1, 40)]
    manifest = tmp_path / "manifest.csv"
    rows = ["file,repo,pair_id"] + [f"clip{i}.mp4,repo{i % 5},{'pair' + str(i % 3) if i % 4 == 0 else ''}" for i in range(40)]
    manifest.write_text("\n".join(rows) + "\n")
    groups = manifest_groups(manifest, [f"/x/fake/clip{i}.mp4" for i in range(40)])
    assert groups[0] == "pair0" and groups[1] == "repo1"
    held_out = grouped_predictions(features, labels, groups, np.array([1.0, 1.0]), 0.0, 0.01)
    assert roc_auc(labels, held_out) > 0.8
