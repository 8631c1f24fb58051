"""Result serialisation, fusion arithmetic, cancellation and the registry's mode selection."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from conftest import analyze
from forensic_studio.context import AnalysisContext, Settings, resolve_device
from forensic_studio.detectors.registry import detectors_for
from forensic_studio.fusion.fuse import fuse
from forensic_studio.pipeline import analyze_file
from forensic_studio.results import AnalysisResult, HeatMap, LayerResult


def test_result_json_round_trip_is_lossless(camera_jpeg):
    result = analyze(camera_jpeg)
    data = json.loads(json.dumps(result.to_dict()))
    again = AnalysisResult.from_dict(data).to_dict()
    assert again == data
    assert np.array_equal(AnalysisResult.from_dict(data).layer("ela").maps["ela"].values,
                          result.layer("ela").maps["ela"].values)


def test_heat_map_quantisation_keeps_range():
    heat = HeatMap.from_float(np.linspace(-2, 6, 2000 * 10).reshape(100, 200), max_side=50)
    assert heat.values.shape == (25, 50)
    assert heat.as_float().min() == pytest.approx(-2, abs=0.2) and heat.as_float().max() == pytest.approx(6, abs=0.2)


def test_fusion_contributions_add_up_to_the_probability():
    layers = [LayerResult("metadata", 0.97, 1.0, "ai", signals={"ai_metadata": True}),
              LayerResult("ela", 0.3, 0.5, "clean"), LayerResult("noise", 0.5, 0.0, "nothing")]
    fusion = fuse(layers)
    total = fusion.prior_log_odds + sum(c.log_odds for c in fusion.contributions)
    assert fusion.profile == "ai_source_in_metadata"
    assert fusion.fake_probability == pytest.approx(1 / (1 + math.exp(-total)))
    assert [c.log_odds for c in fusion.contributions][2] == 0.0  # confidence 0 moves nothing
    assert fusion.verdict == "fake" and "metadata moved it towards fake" in fusion.explanation


def test_failed_layer_contributes_nothing_and_is_reported():
    fusion = fuse([LayerResult.failed("ela", "1", "boom"), LayerResult("noise", 0.5, 0.0, "x")])
    assert fusion.verdict == "inconclusive" and fusion.fake_probability == pytest.approx(0.5)


def test_fast_mode_runs_a_subset():
    fast = {d.name for d in detectors_for("image", "fast")}
    full = {d.name for d in detectors_for("image", "full")}
    assert {"metadata", "c2pa", "camera"} <= fast < full
    assert "copy_move" not in fast and "ela" not in fast


def test_cancel_flag_stops_the_analysis(camera_jpeg):
    ctx = AnalysisContext(settings=Settings(mode="full"))
    seen = []

    def progress(stage, fraction):
        seen.append(stage)
        if stage == "ela":
            ctx.cancel()

    ctx.progress = progress
    result = analyze_file(camera_jpeg, ctx)
    assert result.error.code == "cancelled"
    assert [layer.name for layer in ctx.partial] == ["metadata", "c2pa", "camera", "learned", "model_packs"]  # kept


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(ValueError):
        resolve_device("tpu")


def test_regions_and_models_survive_the_json_round_trip():
    from forensic_studio.results import ModelInfo, Region

    layer = LayerResult("learned", 0.8, 0.9, "one face", regions=[Region((10, 20, 30, 40), 0.8, "face 1", details={"a": 1})],
                        models=[ModelInfo("m", "1", "ab" * 32)])
    again = LayerResult.from_dict(json.loads(json.dumps(layer.to_dict())))
    assert again.regions[0].box == (10, 20, 30, 40) and again.regions[0].details == {"a": 1}
    assert again.models == layer.models
