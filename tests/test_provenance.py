"""Provenance layers: signatures, IPTC source types, XMP, camera coherence, C2PA."""

from __future__ import annotations


from c2pa_signing import sign_jpeg
from conftest import analyze, png_with_text
from forensic_studio.detectors.image.signatures import SIGNATURES, match_signatures
from forensic_studio.synthetic_media import camera_exif, jpeg_bytes, photo_like

XMP_AI = b"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
 xmp:CreatorTool="Adobe Photoshop 25.4"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""


def test_at_least_25_ai_tools_are_known():
    assert len({s.tool for s in SIGNATURES if s.category in ("ai_generator", "ai_editor")}) >= 25


def test_signature_match_reports_field_and_evidence():
    matches = match_signatures([("exif:Image Software", "Midjourney v6"), ("exif:Image Make", "Canon")])
    assert [(m.tool, m.field) for m in matches] == [("Midjourney", "exif:Image Software")]
    assert "Midjourney v6" in matches[0].evidence


def test_ordinary_words_do_not_trigger_signatures():
    fields = [("exif:Image Make", "NIKON CORPORATION"), ("exif:Image Model", "NIKON D750"),
              ("iptc:Caption-Abstract", "Harbour at dawn, boats returning"), ("text:prompt", "say cheese")]
    assert match_signatures(fields) == []


def test_comfyui_workflow_chunk_is_recognised(write):
    workflow = '{"3": {"class_type": "KSampler", "inputs": {"seed": 5}}}'
    result = analyze(write("comfy.png", png_with_text(photo_like(128, 128), {"prompt": workflow})), mode="fast")
    assert result.layer("metadata").signals == {"ai_metadata": True}
    assert result.fusion.verdict == "fake"


def test_xmp_digital_source_type_composite_is_ai_editing(write):
    path = write("composite.jpg", photo_like(128, 128), xmp=XMP_AI)
    layer = analyze(path, mode="fast").layer("metadata")
    assert layer.signals.get("ai_metadata")
    assert any("compositewithtrainedalgorithmicmedia" in m["tool"] for m in layer.details["matches"])
    assert layer.details["tables"]["XMP"]["xmp:CreatorTool"] == "Adobe Photoshop 25.4"


def test_hostile_xmp_entity_expansion_is_not_expanded(write):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&c;</x:xmpmeta>')
    result = analyze(write("xmpbomb.jpg", photo_like(64, 64), xmp=bomb), mode="fast")
    assert result.error is None
    assert any(p.startswith("xmp") for p in result.layer("metadata").details["problems"])


def test_camera_metadata_coherent_and_incoherent(write):
    image = photo_like(480, 640, seed=1)
    coherent = analyze(write("cam.jpg", jpeg_bytes(image, 92, camera_exif(size=(640, 480)))), mode="fast")
    resized = analyze(write("resized.jpg", jpeg_bytes(image, 92, camera_exif(size=(4000, 3000)))), mode="fast")
    assert coherent.layer("camera").signals == {"camera_metadata": True}
    assert "pixels are 640x480" in resized.layer("camera").summary


def exif_block(make: bytes, model: bytes, thumbnail_jpeg: bytes | None = None) -> bytes:
    """A little-endian EXIF block written byte by byte, as cameras and phones do: IFD0 with Make and
    Model (raw bytes, so UTF-8 text can be stored the way real devices store it) and, optionally,
    IFD1 pointing at an embedded JPEG thumbnail."""
    import struct

    make, model, thumbnail = make + b"\x00", model + b"\x00", thumbnail_jpeg or b""
    ifd_size = 2 + 2 * 12 + 4
    ifd0_at, ifd1_at = 8, 8 + ifd_size
    make_at = ifd1_at + ifd_size
    model_at = make_at + len(make)
    thumb_at = model_at + len(model)
    ifd0 = struct.pack("<H", 2) + struct.pack("<HHII", 0x010F, 2, len(make), make_at) \
        + struct.pack("<HHII", 0x0110, 2, len(model), model_at) + struct.pack("<I", ifd1_at if thumbnail else 0)
    ifd1 = struct.pack("<H", 2) + struct.pack("<HHII", 0x0201, 4, 1, thumb_at) \
        + struct.pack("<HHII", 0x0202, 4, 1, len(thumbnail)) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", ifd0_at) + ifd0 + ifd1 + make + model + thumbnail


def exif_with_thumbnail(thumbnail_jpeg: bytes) -> bytes:
    return exif_block(b"Canon", b"Canon EOS 80D", thumbnail_jpeg)


def test_thumbnail_that_does_not_match_the_image_is_flagged(write):
    import cv2

    original = photo_like(480, 640, seed=41)
    own_thumb = jpeg_bytes(cv2.resize(original, (160, 120), interpolation=cv2.INTER_AREA), 90)
    other_thumb = jpeg_bytes(photo_like(120, 160, seed=40), 90)
    matching = analyze(write("same.jpg", jpeg_bytes(original, 90, exif_with_thumbnail(own_thumb))), mode="fast")
    edited = analyze(write("edited.jpg", jpeg_bytes(original, 90, exif_with_thumbnail(other_thumb))), mode="fast")
    same_checks = {f["check"]: f["status"] for f in matching.layer("camera").details["findings"]}
    edited_checks = {f["check"]: f["status"] for f in edited.layer("camera").details["findings"]}
    assert same_checks["thumbnail"] == "ok"
    assert edited_checks["thumbnail"] == "warning"
    assert edited.layer("camera").score > 0.7


def test_non_latin_metadata_survives(write):
    exif = exif_block("キヤノン".encode(), "EOS 写真機".encode())
    result = analyze(write("jp.jpg", jpeg_bytes(photo_like(128, 128), 90, exif)), mode="fast")
    assert result.error is None
    assert "キヤノン" in result.layer("metadata").details["tables"]["EXIF"]["Image Make"]


def test_c2pa_credentials_ai_and_capture(write):
    image = jpeg_bytes(photo_like(128, 128, seed=2), 90)
    ai = analyze(write("ai.jpg", sign_jpeg(image)), mode="fast").layer("c2pa")
    capture = analyze(write("cap.jpg", sign_jpeg(
        image, "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture", "Test Camera")), mode="fast").layer("c2pa")
    assert ai.signals == {"ai_metadata": True} and ai.score > 0.9
    assert ai.details["signer"] == "Test Generator"
    assert capture.score < 0.5 and "not on a trust list" in capture.summary


def test_c2pa_tampered_pixels_fail_validation(write):
    capture = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    signed = bytearray(sign_jpeg(jpeg_bytes(photo_like(128, 128, seed=3), 90), capture, "Test Camera"))
    signed[-200] ^= 0xFF  # inside the entropy-coded image data, after the manifest
    layer = analyze(write("tampered.jpg", bytes(signed)), mode="fast").layer("c2pa")
    assert layer.signals == {"c2pa_invalid": True}
    assert "assertion.dataHash.mismatch" in layer.summary and layer.score > 0.5
