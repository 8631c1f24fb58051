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


def _aasist(pack: Pack, device: str):
    from ..learned.audio_models import load_aasist

    return load_aasist(pack.folder, device, pack.manifest)


LOADERS: dict[str, Callable[[Pack, str], object]] = {
    "hf-image-classification": _hf_image,
    "mesonet": _mesonet,
    "aasist": _aasist,
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
