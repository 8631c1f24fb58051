"""Every supported image container is recognised by content and analysed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from conftest import analyze
from forensic_studio.media.intake import sniff
from forensic_studio.synthetic_media import photo_like


@pytest.mark.parametrize("extension, pil_format, expected", [
    ("jpg", "JPEG", "JPEG"), ("png", "PNG", "PNG"), ("webp", "WEBP", "WEBP"), ("tif", "TIFF", "TIFF"),
    ("bmp", "BMP", "BMP"), ("gif", "GIF", "GIF"), ("heic", "HEIF", "HEIF"),
])
def test_format_is_analysed(tmp_path, extension, pil_format, expected):
    if pil_format == "HEIF":
        pytest.importorskip("pillow_heif")
    path = tmp_path / f"picture.{extension}"
    Image.fromarray(photo_like(96, 128, seed=1)).save(path, format=pil_format)
    result = analyze(path, mode="fast")
    assert result.error is None, result.error
    assert result.evidence.format == expected and result.media["width"] == 128


def test_extension_does_not_decide_the_kind(tmp_path):
    path = tmp_path / "holiday.mp3"  # a PNG in disguise
    Image.fromarray(photo_like(64, 64)).save(path, format="PNG")
    result = analyze(path, mode="fast")
    assert result.error is None and result.evidence.format == "PNG"


def test_a_still_gif_is_an_image_and_an_animated_one_a_video(tmp_path):
    still = tmp_path / "still.gif"
    Image.fromarray(np.full((32, 32, 3), 10, np.uint8)).save(still)
    frames = [Image.fromarray(np.full((32, 32, 3), value, np.uint8)) for value in (10, 200)]
    animated = tmp_path / "anim.gif"
    frames[0].save(animated, save_all=True, append_images=frames[1:])
    assert analyze(still, mode="fast").evidence.modality == "image"
    result = analyze(animated, mode="full")
    assert result.error is None and result.evidence.modality == "video" and result.media["declared_frames"] == 2


def test_a_wav_with_a_broken_header_gets_a_clear_error(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF" + (36).to_bytes(4, "little") + b"WAVEfmt " + b"\x00" * 28)
    result = analyze(wav)
    assert result.error.code in ("corrupt", "truncated") and result.error.message


@pytest.mark.parametrize("head, kind", [
    (b"\xff\xd8\xff\xe0", ("image", "JPEG")), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image", "WEBP")),
    (b"\x00\x00\x00\x18ftypheic", ("image", "HEIF")), (b"\x00\x00\x00\x18ftypisom", ("video", "MP4")),
    (b"ID3\x04", ("audio", "MP3")), (b"fLaC", ("audio", "FLAC")), (b"hello world", None),
])
def test_sniffing(head, kind):
    found = sniff(head)
    assert (found.modality, found.format) == kind if kind else found is None
