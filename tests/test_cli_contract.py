"""The ``analyze`` CLI contract (docs/ARCHITECTURE.md) on good and bad files, run as a user would."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np

from c2pa_signing import sign_jpeg
from conftest import png_with_text
from forensic_studio.synthetic_media import jpeg_bytes, photo_like

REQUIRED = {"schema", "path", "sha256", "modality", "fake_probability", "verdict", "layers", "timeline",
            "models", "timings", "warnings"}
SD_PARAMETERS = ("a castle on a hill, golden hour\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M Karras, "
                 "CFG scale: 7, Seed: 1234, Size: 512x512, Model hash: 31e35c80fc, Model: sd_xl_base_1.0")


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "forensic_studio", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_analyze_json_lines_good_and_bad_inputs(write, camera_jpeg):
    image = photo_like(256, 256, seed=5)
    files = [
        camera_jpeg,
        write("sd.png", png_with_text(image, {"parameters": SD_PARAMETERS})),
        write("credentials.jpg", sign_jpeg(jpeg_bytes(image, 90))),
        write("truncated.jpg", jpeg_bytes(image, 90)[:1500]),
        write("empty.jpg", b""),
        write("notes.jpg", b"This is a text file pretending to be a JPEG.\n" * 20),
    ]
    before = {path: (digest(path), path.stat().st_mtime_ns) for path in files}
    completed = run_cli("analyze", "--json", *files)
    assert completed.returncode == 2, completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == len(files)
    records = [json.loads(line) for line in lines]
    assert [r["path"] for r in records] == [str(p) for p in files]
    good, bad = records[:3], records[3:]
    for record in good:
        assert REQUIRED <= record.keys() and "error" not in record
        assert 0.0 <= record["fake_probability"] <= 1.0
        assert record["verdict"] in ("authentic", "inconclusive", "fake")
        assert record["modality"] == "image" and record["timeline"] == []
        assert all({"name", "score", "weight", "summary"} <= layer.keys() for layer in record["layers"])
    camera, sd, credentials = good
    assert camera["fusion"]["profile"] == "trusted_camera_metadata"
    assert sd["verdict"] == "fake" and sd["fusion"]["profile"] == "ai_source_in_metadata"
    assert any(m["tool"] == "AUTOMATIC1111 / SD WebUI" for m in _layer(sd, "metadata")["details"]["matches"])
    assert credentials["verdict"] == "fake"
    assert "trainedAlgorithmicMedia" in _layer(credentials, "c2pa")["summary"]
    assert [r["error"]["code"] for r in bad] == ["truncated", "empty_file", "unrecognized_format"]
    for record in bad:
        assert "fake_probability" not in record and record["error"]["message"]
    assert "Traceback" not in completed.stderr
    assert before == {path: (digest(path), path.stat().st_mtime_ns) for path in files}
    assert sorted(p.name for p in files[0].parent.iterdir()) == sorted(p.name for p in files)  # nothing written beside


def _layer(record, name):
    return next(layer for layer in record["layers"] if layer["name"] == name)


def test_directory_recurses_and_skips_non_media(write, tmp_path):
    image = photo_like(128, 128, seed=6)
    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    write("sub/deeper/b.png", image)
    write("sub/a.jpg", jpeg_bytes(image, 85))
    write("sub/readme.txt", b"not media")
    completed = run_cli("analyze", "--json", "--mode", "fast", tmp_path / "sub")
    assert completed.returncode == 0, completed.stderr
    paths = [json.loads(line)["path"] for line in completed.stdout.splitlines()]
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["a.jpg", "b.png"]


def test_sha256_matches_the_file(camera_jpeg):
    record = json.loads(run_cli("analyze", "--json", "--mode", "fast", camera_jpeg).stdout)
    assert record["sha256"] == digest(camera_jpeg)
    assert record["md5"] == hashlib.md5(camera_jpeg.read_bytes()).hexdigest()


def test_human_readable_table(camera_jpeg):
    completed = run_cli("analyze", camera_jpeg)
    assert completed.returncode == 0
    assert "verdict" in completed.stdout and "copy_move" in completed.stdout


def test_missing_file_gets_an_error_line(tmp_path):
    completed = run_cli("analyze", "--json", tmp_path / "nope.jpg")
    assert completed.returncode == 2
    assert json.loads(completed.stdout)["error"]["code"] == "not_found"


def test_decompression_bomb_is_refused_without_decoding(write):
    # A valid PNG header declaring 100000 x 100000 pixels with almost no data behind it.
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b"")
    completed = run_cli("analyze", "--json", write("bomb.png", bomb), timeout=60)
    record = json.loads(completed.stdout)
    assert completed.returncode == 2 and record["error"]["code"] == "too_large"
    assert "decompression bomb" in record["error"]["message"]


def test_large_file_is_streamed_not_loaded_twice(write, tmp_path):
    """A 200 MB file (a JPEG followed by junk) is hashed in chunks: memory does not grow with its size.

    Compared with the same JPEG without the junk, so the fixed cost of torch and the
    learned models does not count.
    """
    small = write("small.jpg", jpeg_bytes(photo_like(256, 256, seed=7), 90))
    path = write("big.jpg", small.read_bytes())
    with open(path, "ab") as handle:
        block = np.random.default_rng(0).bytes(1 << 20)
        for _ in range(200):
            handle.write(block)
    script = ("import resource, json, sys; from forensic_studio.pipeline import analyze_file; "
              "r = analyze_file(sys.argv[1]); "
              "print(json.dumps([r.evidence.size_bytes, r.error is None, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))")

    def peak(target):
        completed = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, text=True, timeout=180)
        return json.loads(completed.stdout)

    size, ok, peak_kib = peak(path)
    _, _, baseline_kib = peak(small)
    assert ok and size > 200 * 2**20
    growth = (peak_kib - baseline_kib) * 1024
    assert growth < 100 * 2**20, f"peak RSS grew by {growth / 2**20:.0f} MiB for a 200 MiB file"


def test_video_sampling_options_reach_the_result(tmp_path):
    from forensic_studio.synthetic_media import write_video

    clip = tmp_path / "clip.mp4"
    write_video(clip, 2.0, 160, 120, 25, audio_rate=None)
    completed = subprocess.run([sys.executable, "-m", "forensic_studio", "analyze", str(clip), "--json",
                                "--video-sampling", "interval", "--frames-per-interval", "2"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    record = json.loads(completed.stdout)
    assert record["modality"] == "video" and record["settings"]["frames_per_interval"] == 2.0
    assert record["media"]["decode"]["sampled_frames"] == 2
    bad = subprocess.run([sys.executable, "-m", "forensic_studio", "analyze", str(clip), "--frames-per-interval", "0"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "frames-per-interval" in bad.stderr
