"""Each signal layer on generated images whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from conftest import analyze
from forensic_studio.synthetic_media import jpeg_bytes, photo_like


def layer(result, name):
    found = result.layer(name)
    assert found is not None and found.error is None, result.warnings
    return found


def test_copy_move_finds_a_region_pasted_twice(write):
    clean = photo_like(600, 800, seed=11)
    forged = clean.copy()
    forged[350:500, 500:650] = clean[60:210, 80:230]  # clone a 150-px patch elsewhere
    clean_result = analyze(write("clean.png", clean))
    forged_result = analyze(write("forged.png", forged))
    assert layer(forged_result, "copy_move").details["consistent_pairs"] >= 10
    assert layer(forged_result, "copy_move").score > 0.8
    assert layer(clean_result, "copy_move").score < 0.5
    assert layer(forged_result, "copy_move").maps["copy_move"].values.max() == 255


def test_double_saved_jpeg_is_flagged(write):
    image = photo_like(512, 640, seed=12)
    single = write("single.jpg", jpeg_bytes(image, 90))
    first = np.asarray(Image.open(write("first.jpg", jpeg_bytes(image, 60))).convert("RGB"))
    double = write("double.jpg", jpeg_bytes(first, 90))
    single_layer, double_layer = layer(analyze(single), "jpeg"), layer(analyze(double), "jpeg")
    assert double_layer.details["double_compression"] is True
    assert single_layer.details["double_compression"] is False
    assert double_layer.score > 0.8 > 0.5 > single_layer.score


def test_periodic_pattern_peaks_in_the_spectrum(write):
    image = photo_like(768, 768, seed=13).astype(np.float32)
    y, x = np.mgrid[0:768, 0:768]
    pattern = 3.0 * np.sin(2 * np.pi * x / 3) * np.sin(2 * np.pi * y / 3)  # up-sampling-like grid
    patterned = np.clip(image + pattern[..., None], 0, 255).astype(np.uint8)
    plain_layer = layer(analyze(write("plain.png", image.astype(np.uint8))), "spectrum")
    peak_layer = layer(analyze(write("periodic.png", patterned)), "spectrum")
    assert peak_layer.score > 0.8 and plain_layer.score < 0.5
    assert [abs(f) for f in peak_layer.details["peak_frequency_cycles_per_px"]] == pytest.approx([1 / 3, 1 / 3], abs=0.01)


def test_a_small_image_is_analysed_on_a_native_crop_and_shown_not_weighed(write):
    image = photo_like(300, 340, seed=15).astype(np.float32)
    y, x = np.mgrid[0:300, 0:340]
    patterned = np.clip(image + (3.0 * np.sin(2 * np.pi * x / 3) * np.sin(2 * np.pi * y / 3))[..., None], 0, 255)
    small = layer(analyze(write("small.png", patterned.astype(np.uint8))), "spectrum")
    assert small.details["crop_px"] == 256 and small.confidence == 0.0 and "shown, not weighed" in small.summary
    # No padding: the peak found is the pattern's, not one made by reflecting the image.
    assert [abs(f) for f in small.details["peak_frequency_cycles_per_px"]] == pytest.approx([1 / 3, 1 / 3], abs=0.01)


def test_region_with_different_noise_is_inconsistent(write):
    rng = np.random.default_rng(14)
    smooth = photo_like(512, 512, seed=14, noise_sigma=0).astype(np.float32)
    noisy = smooth + rng.normal(scale=1.5, size=smooth.shape)
    spliced = noisy.copy()
    spliced[128:320, 160:352] = smooth[128:320, 160:352] + rng.normal(scale=7.0, size=(192, 192, 3))
    consistent = layer(analyze(write("even.png", np.clip(noisy, 0, 255).astype(np.uint8))), "noise")
    inconsistent = layer(analyze(write("spliced.png", np.clip(spliced, 0, 255).astype(np.uint8))), "noise")
    assert inconsistent.score > 0.8 and consistent.score < 0.5


def test_ela_exposes_an_uncompressed_paste_in_a_jpeg_background(write):
    background = photo_like(512, 640, seed=15)
    decoded = np.asarray(Image.open(write("bg.jpg", jpeg_bytes(background, 90))).convert("RGB")).copy()
    decoded[150:330, 200:420] = photo_like(180, 220, seed=16)  # never compressed
    pasted = layer(analyze(write("pasted.png", decoded)), "ela")
    untouched = layer(analyze(write("untouched.png", np.asarray(Image.open(write("bg2.jpg", jpeg_bytes(background, 90))).convert("RGB")))), "ela")
    assert pasted.score > 0.8 and untouched.score < 0.5


def test_texture_flags_surfaces_smoother_than_sensor_noise(write):
    natural = photo_like(512, 512, seed=17)
    y, x = np.mgrid[0:512, 0:512]
    rendered = np.stack([x / 4, y / 4, (x + y) / 8], axis=-1).astype(np.uint8)  # noise-free gradients
    assert layer(analyze(write("rendered.png", rendered)), "texture").score > 0.8
    assert layer(analyze(write("natural.png", natural)), "texture").score < 0.5


def test_colour_flags_clipped_saturation(write):
    natural = photo_like(256, 256, seed=18)
    vivid = np.zeros((256, 256, 3), np.uint8)
    vivid[:, :128] = (255, 0, 40)
    vivid[:, 128:] = (0, 60, 255)
    assert layer(analyze(write("vivid.png", vivid)), "colour").score > 0.8
    assert layer(analyze(write("natural.png", natural)), "colour").score < 0.5


def test_png_that_was_a_jpeg_shows_a_block_grid(write):
    image = photo_like(256, 256, seed=19)
    laundered = np.asarray(Image.open(write("was.jpg", jpeg_bytes(image, 50))).convert("RGB"))
    assert layer(analyze(write("laundered.png", laundered)), "jpeg").details["previously_jpeg"] is True
    assert layer(analyze(write("never.png", image)), "jpeg").details["previously_jpeg"] is False
