"""Generated media with known properties, for the benchmark, the tests and the bundled samples.

Nothing here is evidence: the pictures are random fields with sensor-like noise,
so every property a test asserts (a cloned patch, a second compression, a
periodic pattern) is exactly the one that was put in.
"""

from __future__ import annotations

import io

import numpy as np


def photo_like(height: int, width: int, seed: int = 0, noise_sigma: float = 2.5) -> np.ndarray:
    """An RGB uint8 image with multi-scale structure and Gaussian sensor-like noise."""
    import cv2

    rng = np.random.default_rng(seed)
    image = np.full((height, width, 3), 128.0, dtype=np.float32)
    for scale in (4, 16, 64):
        field = rng.normal(size=(height // scale + 2, width // scale + 2, 3)).astype(np.float32)
        image += cv2.resize(field, (width, height), interpolation=cv2.INTER_CUBIC) * (40 / np.sqrt(scale))
    image += rng.normal(scale=noise_sigma, size=image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def jpeg_bytes(rgb: np.ndarray, quality: int, exif: bytes | None = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    options = {"quality": quality}
    if exif:
        options["exif"] = exif
    Image.fromarray(rgb).save(buffer, format="JPEG", **options)
    return buffer.getvalue()


def camera_exif(make: str = "Canon", model: str = "Canon EOS 80D", software: str | None = None,
                original: str = "2024:05:01 10:00:00", modified: str | None = None,
                size: tuple[int, int] | None = None) -> bytes:
    """An EXIF block as a camera writes it (make, model, capture date, optional software/dimensions)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = make, model
    exif[0x0132] = modified or original
    if software:
        exif[0x0131] = software
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = original
    if size:
        sub[0xA002], sub[0xA003] = size
    return exif.tobytes()


SD_PARAMETERS = ("a lighthouse on a cliff at dusk, volumetric light\nNegative prompt: blurry, lowres\n"
                 "Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 421337, Size: 640x480, "
                 "Model hash: 31e35c80fc, Model: sd_xl_base_1.0")


def write_samples(folder) -> list:
    """Write the bundled sample files (resources/samples): each demonstrates one kind of finding."""
    from pathlib import Path

    from PIL import Image, PngImagePlugin

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    picture = photo_like(480, 640, seed=2024)
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", SD_PARAMETERS)
    generated = folder / "generated_sd_parameters.png"
    Image.fromarray(picture).save(generated, pnginfo=info)

    forged = photo_like(480, 640, seed=7).copy()
    forged[300:420, 420:560] = forged[40:160, 60:200]  # a cloned patch
    edited = folder / "camera_photo_cloned_region.jpg"
    edited.write_bytes(jpeg_bytes(forged, 90, camera_exif(software="Adobe Photoshop 25.0 (Windows)",
                                                           modified="2024:05:03 18:22:10", size=(640, 480))))
    original = folder / "camera_photo.jpg"
    original.write_bytes(jpeg_bytes(photo_like(480, 640, seed=99), 92, camera_exif(size=(640, 480))))
    spliced = folder / "voice_spliced_room_tone.wav"  # two takes with different noise floors, cut at 5 s
    spliced.write_bytes(wav_bytes(np.concatenate([speech_like(5.0, 22_050, seed=3, noise_db=-62),
                                                  speech_like(5.0, 22_050, seed=13, noise_db=-40)]), 22_050))
    clip = folder / "clip_second_source_at_4s.mp4"  # a scene cut to other footage with twice the sensor noise
    write_video(clip, 8.0, 480, 270, 25, seed=21, second_source_at=4.0)
    return [generated, edited, original, spliced, clip]


# Vowel formants (Hz) of an adult voice: /a/, /i/, /u/, /e/, /o/.
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))


def speech_like(seconds: float, rate: int = 16_000, seed: int = 0, noise_db: float = -60.0) -> np.ndarray:
    """A voice-like test signal: a jittered glottal pulse train through vowel formants, in syllables and words.

    Good enough for voice activity detection to call it speech, so the audio
    pipeline can be exercised without shipping recordings.  ``noise_db`` sets a
    white noise floor (dBFS) under it.
    """
    from scipy.signal import lfilter

    # Separate generators for the layout (syllables, vowels, pauses: in seconds) and for the sample-level
    # noise, so the same seed gives the same utterance at every sample rate.
    layout, noise = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = 130 * (1 + 0.2 * np.sin(2 * np.pi * 0.4 * t + layout.uniform(0, 6))) * (1 + 0.01 * noise.standard_normal(n))
    phase = np.cumsum(f0 / rate)
    source = np.diff(np.floor(phase), prepend=0.0) - f0 / rate  # one pulse per period, zero-mean
    voice = np.zeros(n)
    position = 0
    while position < n:
        length = int(rate * layout.uniform(0.12, 0.25))
        piece = source[position:position + length] + 0.02 * noise.standard_normal(min(length, n - position))
        for frequency in _VOWELS[layout.integers(len(_VOWELS))]:  # a cascade of second-order resonators
            r = np.exp(-np.pi * 100 / rate)
            piece = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * frequency / rate), r * r], piece)
        voice[position:position + len(piece)] = piece * np.hanning(len(piece))
        gap = layout.uniform(0.25, 0.45) if layout.random() < 0.2 else layout.uniform(0.02, 0.06)  # word or syllable break
        position += length + int(rate * gap)
    voice = 0.3 * voice / (np.abs(voice).max() or 1.0)
    return (voice + 10 ** (noise_db / 20) * noise.standard_normal(n)).astype(np.float32)


def wav_bytes(signal: np.ndarray, rate: int) -> bytes:
    """16-bit PCM WAV of a mono float signal."""
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(signal, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def write_video(path, seconds: float, width: int = 320, height: int = 240, fps: int = 25, *, seed: int = 0,
                codec: str = "libx264", options: dict | None = None, audio_rate: int | None = 48_000,
                audio_codec: str | None = None, face: np.ndarray | None = None, face_width: int = 0,
                second_source_at: float | None = None, noise_sigma: float = 2.0) -> None:
    """A camera-like clip: a textured scene panning slowly, sensor-like noise, optionally a face moving over it,
    a voice-like soundtrack, and from ``second_source_at`` seconds a different scene with twice the noise (a
    splice of a second source). The container follows the file extension (PyAV encoders)."""
    import av
    import cv2

    rng = np.random.default_rng(seed)
    margin_x, margin_y = max(16, width // 5), max(16, height // 6)
    scenes = [photo_like(height + margin_y, width + margin_x, seed=seed + k, noise_sigma=0) for k in (0, 1)]
    noise = [rng.normal(0, noise_sigma, (height, width, 1)).astype(np.float32) for _ in range(6)]
    if face is not None and face_width:
        face = cv2.resize(face, (face_width, round(face.shape[0] * face_width / face.shape[1])), interpolation=cv2.INTER_AREA)
    audio_codec = audio_codec or {".webm": "libopus", ".mkv": "libopus", ".avi": "mp3"}.get(_suffix(path), "aac")
    with av.open(str(path), "w") as container:
        video = container.add_stream(codec, rate=fps)
        video.width, video.height = width, height
        video.pix_fmt = "yuv420p"
        video.options = options if options is not None else ({"preset": "veryfast", "crf": "23"} if codec.startswith("libx26") else {})
        sound = container.add_stream(audio_codec, rate=audio_rate) if audio_rate else None
        for index in range(int(seconds * fps)):
            time = index / fps
            second = second_source_at is not None and time >= second_source_at
            x = int(margin_x / 2 * (1 + np.sin(index / (3.0 * fps))))
            y = int(margin_y / 2 * (1 + np.sin(index / (4.0 * fps))))
            frame = scenes[int(second)][y:y + height, x:x + width].astype(np.float32)
            frame += noise[index % len(noise)] * (2.0 if second else 1.0)
            if face is not None:
                fx = int((width - face.shape[1]) * (0.5 + 0.25 * np.sin(index / (2.0 * fps))))
                fy = int((height - face.shape[0]) * 0.4)
                frame[fy:fy + face.shape[0], fx:fx + face.shape[1]] = face
            picture = av.VideoFrame.from_ndarray(np.clip(frame, 0, 255).astype(np.uint8), format="rgb24")
            for packet in video.encode(picture):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            _encode_audio(container, sound, speech_like(seconds, audio_rate, seed=seed + 3, noise_db=-50), audio_rate)


def _suffix(path) -> str:
    from pathlib import Path

    return Path(path).suffix.lower()


def _encode_audio(container, stream, signal: np.ndarray, rate: int) -> None:
    import av

    frame_size = stream.codec_context.frame_size or 1024
    for start in range(0, len(signal), frame_size):
        chunk = np.ascontiguousarray(signal[start:start + frame_size], dtype=np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
