"""Pack kind -> the code that loads it. New kinds (audio packs) add one entry."""

from __future__ import annotations

from typing import Callable

from .store import Pack, PackError


def _hf_image(pack: Pack, device: str):
    from ..learned.image_models import load_hf_image_classifier

    return load_hf_image_classifier(pack.folder, device, pack.manifest)


def _mesonet(pack: Pack, device: str):
    from ..learned.image_models import load_mesonet

    return load_mesonet(pack.folder, device, pack.manifest)


def _rawgat(pack: Pack, device: str):
    from ..learned.audio_models import load_rawgat

    return load_rawgat(pack.folder, device, pack.manifest)


def _hf_audio(pack: Pack, device: str):
    from ..learned.audio_models import load_hf_audio_classifier

    return load_hf_audio_classifier(pack.folder, device, pack.manifest)


def _aasist(pack: Pack, device: str):
    from ..learned.audio_models import load_aasist

    return load_aasist(pack.folder, device, pack.manifest)


def _retinaface(pack: Pack, device: str):
    from ..learned.image_models import verified_weights
    from ..learned.retinaface import RetinaFace
    from ..results import ModelInfo
    from .catalog import RETINAFACE_ONNX_SHA256

    # The graph must be the published one, whatever the manifest says, and re-hashed on every load.
    graph = verified_weights(pack.folder, "model.onnx", RETINAFACE_ONNX_SHA256)
    info = ModelInfo(pack.id, str(pack.manifest.get("version", "")), RETINAFACE_ONNX_SHA256)
    return RetinaFace(graph, info)  # OpenCV DNN on the CPU whatever the device: ~5 ms at 256 px, ~90 ms at 1280


LOADERS: dict[str, Callable[[Pack, str], object]] = {
    "hf-image-classification": _hf_image,
    "mesonet": _mesonet,
    "aasist": _aasist,
    "hf-audio-classification": _hf_audio,
    "rawgat-st": _rawgat,
    "retinaface-onnx": _retinaface,
}


def load_pack(pack: Pack, device: str):
    loader = LOADERS.get(pack.kind)
    if loader is None:
        raise PackError(f"pack {pack.id} is of kind {pack.kind!r}, which this version cannot run")
    return loader(pack, device)


def loaded_pack(pack: Pack, device: str):
    """``load_pack`` once per process, device and weights version (what the detector layers call)."""
    from ..learned.image_models import cached

    key = (f"{pack.folder}:{pack.manifest['files'].get(pack.manifest.get('weights', ''), '')}", device)
    return cached(key, lambda: load_pack(pack, device))


def active_packs(modality: str) -> list[Pack]:
    """Installed packs of ``modality`` that take part in the ensemble (weight above 0)."""
    from .store import ModelStore

    return [p for p in ModelStore().packs(modality) if p.ensemble_weight > 0]


def run_packs(packs: list[Pack], inputs_for: Callable[[Pack], list | None], ctx) -> tuple[dict, dict[str, str], dict]:
    """Each pack on the inputs ``inputs_for(pack)`` gives it (None or [] skips the pack).

    Returns ({pack id: probabilities array}, {pack id: failure}, {pack id: ModelInfo}); a pack that
    fails to load or run is reported, never allowed to hide the others.
    """
    import numpy as np

    outputs, failures, models = {}, {}, {}
    for pack in packs:
        ctx.check_cancelled()
        inputs = inputs_for(pack)
        if not inputs:
            continue
        try:
            model = loaded_pack(pack, ctx.device)
            probabilities, _ = model.predict(inputs, lambda: ctx.cancelled)
        except Exception as exc:  # one broken pack must not hide the others
            failures[pack.id] = f"{type(exc).__name__}: {exc}"
            continue
        outputs[pack.id] = np.asarray(probabilities, np.float64)
        models[pack.id] = model.info
    return outputs, failures, models

