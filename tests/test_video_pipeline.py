"""The video pipeline on generated clips: containers, intervals, faces, bad input, cancelling."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

from conftest import SHARED, analyze
from forensic_studio.context import AnalysisContext, Settings
from forensic_studio.pipeline import analyze_file
from forensic_studio.results import AnalysisResult
from forensic_studio.synthetic_media import write_video

FACE_IMAGES = SHARED / "datasets" / "images" / "faces140k_stylegan" / "real"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    write_video(path, 6.0, 320, 240, 25, seed=4)
    return path


@pytest.fixture(scope="module")
def clip_result(clip):
    return analyze(clip)


def test_a_clip_is_analysed_with_video_and_audio_layers(clip_result):
    result = clip_result
    assert result.error is None, result.error
    assert result.evidence.modality == "video" and result.fusion is not None
    names = [layer.name for layer in result.layers]
    for expected in ("video_container", "video_faces", "video_flow", "lip_sync", "face_tracks", "audio_learned"):
        assert expected in names
    assert not [layer.name for layer in result.layers if layer.error], result.warnings
    assert result.media["decode"]["sampled_frames"] >= 12  # 5 per 2 s over 6 s
    assert result.media["audio_track"]["codec"] == "aac"
    assert result.timeline and all(0 <= e.start < e.end <= 6.1 for e in result.timeline)


def test_the_result_survives_json(clip_result):
    data = clip_result.to_dict()
    again = AnalysisResult.from_dict(data).to_dict()
    assert again["timeline"] == data["timeline"] and again["layers"] == data["layers"]
    assert data["modality"] == "video" and isinstance(data["suspicious_intervals"], list)


def test_a_second_source_starts_its_own_interval(tmp_path):
    path = tmp_path / "spliced.mp4"
    write_video(path, 8.0, 320, 180, 25, seed=11, second_source_at=4.0)
    result = analyze(path)
    assert result.error is None, result.error
    cuts = [cut["time"] for cut in result.media["cuts"]]
    assert len(cuts) == 1 and abs(cuts[0] - 4.0) <= 1.0, cuts
    edges = {e.start for e in result.timeline} | {e.end for e in result.timeline}
    assert any(abs(edge - 4.0) <= 1.0 for edge in edges)
    assert not any(e.start < cuts[0] < e.end for e in result.timeline)  # no interval straddles the splice


@pytest.mark.parametrize("name, codec, options", [
    ("h264.mov", "libx264", None), ("h265.mp4", "libx265", {"preset": "ultrafast", "x265-params": "log-level=none"}),
    ("vp9.webm", "libvpx-vp9", {"deadline": "realtime", "cpu-used": "8"}), ("vp9.mkv", "libvpx-vp9", {"deadline": "realtime", "cpu-used": "8"}),
    ("mpeg4.avi", "mpeg4", {}), ("av1.mp4", "libsvtav1", {"preset": "12"}),
])
def test_containers_and_codecs(tmp_path, name, codec, options):
    import av

    if codec not in av.codecs_available:
        pytest.skip(f"this PyAV build has no {codec} encoder")
    path = tmp_path / name
    write_video(path, 2.0, 192, 144, 25, seed=2, codec=codec, options=options, audio_rate=None)
    result = analyze(path, mode="fast")
    assert result.error is None, result.error
    assert result.evidence.modality == "video" and result.media["decode"]["decoded_frames"] >= 1


def test_keyframes_only_in_fast_mode(clip):
    result = analyze(clip, mode="fast")
    assert result.error is None
    assert result.media["sampling"]["strategy"] == "keyframes"
    assert result.media["decode"]["decoded_frames"] < 10  # a 6 s clip at 25 fps has 150 frames


def test_every_frame_on_request(tmp_path):
    path = tmp_path / "short.mp4"
    write_video(path, 1.0, 160, 120, 25, audio_rate=None)
    result = analyze_file(path, AnalysisContext(settings=Settings(video_sampling="all")))
    assert result.error is None and result.media["decode"]["sampled_frames"] == 25


def test_sparse_sampling_seeks_instead_of_decoding_the_gap(tmp_path):
    path = tmp_path / "long.mp4"
    write_video(path, 12.0, 160, 120, 25, audio_rate=None, options={"preset": "ultrafast", "g": "25"})
    sparse = analyze_file(path, AnalysisContext(settings=Settings(frames_per_interval=0.25)))  # one frame per 8 s
    assert sparse.error is None, sparse.error
    decode = sparse.media["decode"]
    assert decode["seeks"] >= 1 and decode["sampled_frames"] == 2
    assert decode["decoded_frames"] < 100  # 300 frames in the clip
    dense = analyze_file(path, AnalysisContext(settings=Settings(frames_per_interval=1)))  # one per 2 s: no seeking
    assert dense.media["decode"]["seeks"] == 0 and dense.media["decode"]["sampled_frames"] == 6


def test_a_clip_without_audio(tmp_path):
    path = tmp_path / "silent.mp4"
    write_video(path, 3.0, 192, 144, 25, audio_rate=None)
    result = analyze(path)
    assert result.error is None, result.error
    assert not any(layer.name.startswith("audio_") for layer in result.layers)
    assert "audio_track" not in result.media


def test_a_container_without_video_is_analysed_as_audio(tmp_path):
    import av

    from forensic_studio.synthetic_media import _encode_audio, speech_like

    path = tmp_path / "voice-memo.mp4"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=16_000)
        _encode_audio(container, stream, speech_like(3.0, 16_000, seed=5), 16_000)
    result = analyze(path)
    assert result.error is None, result.error
    assert result.evidence.modality == "audio"
    assert any("no video stream" in w for w in result.warnings)


def test_a_truncated_mp4_gets_a_clear_error(tmp_path, clip):
    path = tmp_path / "cut.mp4"
    path.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])  # the index (moov) is at the end: gone
    result = analyze(path)
    assert result.error is not None and result.error.code in ("truncated", "corrupt"), result.error
    assert result.error.message


def test_a_truncated_streamable_mp4_analyses_what_is_there(tmp_path):
    whole = tmp_path / "whole.mp4"
    write_video(whole, 4.0, 192, 144, 25, options={"preset": "veryfast", "movflags": "faststart"})
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    result = analyze(cut)
    if result.error is not None:  # the muxer did not move the index forward: the file is unreadable
        assert result.error.code in ("truncated", "corrupt")
    else:
        assert 0 < result.media["decode"]["decoded_frames"] < 100


def test_a_zero_frame_file_gets_a_clear_error(tmp_path):
    import av

    path = tmp_path / "empty.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        container.start_encoding()  # header and index, no frame
    result = analyze(path)
    assert result.error is not None and result.error.code in ("truncated", "no_media_streams"), result.error
    assert "frame" in result.error.message or "stream" in result.error.message


def test_garbage_after_an_mp4_header_gets_a_clear_error(write):
    path = write("junk.mp4", b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    result = analyze(path)
    assert result.error is not None and result.error.code in ("corrupt", "truncated")


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animated_images_are_analysed_as_video(tmp_path, fmt):
    frames = [Image.fromarray(np.full((48, 64, 3), value, np.uint8)) for value in (10, 90, 170, 250)]
    path = tmp_path / f"anim.{fmt.lower()}"
    frames[0].save(path, format=fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result = analyze(path, mode="full")
    assert result.error is None, result.error
    assert result.evidence.modality == "video" and result.media["declared_frames"] == 4
    assert result.media["decode"]["decoded_frames"] == 4


def test_cancel_stops_a_video_within_a_second(tmp_path):
    path = tmp_path / "long.mp4"
    write_video(path, 20.0, 320, 240, 25, audio_rate=None, options={"preset": "ultrafast"})
    ctx = AnalysisContext()
    started = {}

    def progress(stage, fraction):
        if stage == "frames" and "at" not in started:
            started["at"] = time.perf_counter()
            ctx.cancel()

    ctx.progress = progress
    result = analyze_file(path, ctx)
    assert result.error is not None and result.error.code == "cancelled"
    assert time.perf_counter() - started["at"] < 1.0
    assert not [t for t in threading.enumerate() if t.name == "video-decode"]  # the decoder stopped too


def test_generator_tags_select_the_ai_profile(tmp_path):
    import av

    path = tmp_path / "generated.mp4"
    write_video(path, 2.0, 160, 120, 25, audio_rate=None)
    tagged = tmp_path / "tagged.mp4"
    with av.open(str(path)) as source, av.open(str(tagged), "w") as target:
        target.metadata["comment"] = "Made with OpenAI Sora"
        out = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = out
                target.mux(packet)
    result = analyze(tagged, mode="fast")
    assert result.error is None, result.error
    container = result.layer("video_container")
    assert container.signals.get("ai_metadata") and "Sora" in container.summary
    assert result.fusion.profile == "video_ai_source_in_metadata" and result.fusion.verdict == "fake"


@pytest.mark.skipif(not FACE_IMAGES.is_dir(), reason="../shared/datasets is not present (face images for the clip)")
def test_a_face_is_tracked_and_scored_across_frames(tmp_path):
    face = np.asarray(Image.open(sorted(FACE_IMAGES.iterdir())[3]).convert("RGB"))
    path = tmp_path / "face.mp4"
    write_video(path, 6.0, 640, 480, 25, seed=8, face=face, face_width=200)
    result = analyze(path)
    assert result.error is None, result.error
    faces = result.layer("video_faces")
    assert faces.confidence > 0 and faces.regions
    assert {region.track for region in faces.regions} == {1}  # one face, one stable track id
    times = [region.time for region in faces.regions]
    assert times == sorted(times) and times[-1] - times[0] >= 4.0
    assert all(0.3 < region.box[2] / 200 < 1.2 for region in faces.regions)
    assert result.layer("lip_sync").details["tracks"]["1"]["detail_frames"] > 5
    assert result.layer("face_tracks").details["tracks"]
