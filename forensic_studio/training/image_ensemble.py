"""Combine independently trained image detectors into one ensemble package.

Each member is a package written by ``training.image_detector``. The members'
validation log-odds are averaged and calibrated once (Platt, on the same grouped
validation split), and the package stores the weights as float16 (half the size of
float32; the validation figures are measured on the stored weights):

    python -m forensic_studio.training.image_ensemble --members /tmp/member-1 /tmp/member-2 \\
        --out resources/models/image-dual-stream-v3
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

from ..learned.dual_stream import DualStreamEnsemble
from ..learned.image_models import verified_weights
from .image_detector import calibrated_metrics, predict, validation_loader
from .model_card import write_model_package
from .splits import read_source, split_by_source

STORED_DTYPE = torch.float16


def read_member(folder: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return config, load_file(str(verified_weights(folder, config["weights"], config["sha256"])))


def build_ensemble(configs: list[dict], states: list[dict]) -> DualStreamEnsemble:
    shared = min(c["training"]["frozen_blocks"] for c in configs)
    ensemble = DualStreamEnsemble(len(states), shared)
    for member, state in zip(ensemble.members, states):
        member.load_state_dict(state, strict=True)
    if not ensemble.shared_layers_agree():
        raise ValueError(f"the members' first {shared} backbone blocks differ: they were not frozen from one backbone")
    return ensemble.eval()


def combine(args: argparse.Namespace) -> dict:
    members = [read_member(Path(folder)) for folder in args.members]
    configs = [config for config, _ in members]
    sizes = {c["input_size"] for c in configs}
    if len(sizes) != 1:
        raise ValueError(f"members disagree on the input size: {sorted(sizes)}")
    size = sizes.pop()
    ensemble = build_ensemble(configs, [state for _, state in members])
    # Score what will ship: the stored (float16) weights, computed in float32.
    ensemble.load_state_dict({k: v.to(STORED_DTYPE).float() if v.is_floating_point() else v
                              for k, v in ensemble.state_dict().items()})

    sources = configs[0]["training"]["sources"]
    files = [f for s in sources for f in read_source(Path(args.data) / s)]
    _, val_files = split_by_source(files)
    logits, labels = predict(ensemble, validation_loader(val_files, size))
    calibration, metrics = calibrated_metrics(val_files, logits, labels)
    first = configs[0]["training"]
    write_model_package(
        Path(args.out), ensemble, input_size=size, calibration=calibration, metrics=metrics,
        history=[], dtype=STORED_DTYPE,
        architecture={"architecture": "dual_stream_ensemble", "members": len(configs),
                      "shared_blocks": ensemble.shared_blocks},
        training={key: first[key] for key in ("sources", "train_files", "validation_files", "frozen_blocks",
                                              "train_crop", "native_crops")} | {
            "command": args.command,
            "members": [{"id": c["id"], "sha256": c["sha256"], "training": c["training"], "validation": c["validation"],
                         "built_in_output_folder": Path(folder).resolve() == Path(args.out).resolve()}
                        for c, folder in zip(configs, args.members)],
        },
    )
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", nargs="+", required=True, help="member package folders")
    parser.add_argument("--data", default="../shared/datasets/images")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    args.command = "python -m forensic_studio.training.image_ensemble " + " ".join(argv if argv is not None else sys.argv[1:])
    metrics = combine(args)
    print(json.dumps({k: v["auc"] for k, v in metrics.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
