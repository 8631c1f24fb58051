"""Train the embedded audio detector and measure it leave-one-demo-page-out.

Reproduce the shipped weights (CPU, about 10 minutes on two cores):

    pip install -e ".[train]"
    python -m forensic_studio.training.audio_detector --data ../shared/datasets/audio \\
        --out resources/models/audio-window-v1

Every clip is decoded to 16 kHz mono, its speech span found by VAD and cut into
the same 4 s windows the analysis uses; each window becomes one feature vector
(``learned.audio_features``).  Each clip is also seen once more after a
laundering step (codec or sample-rate round trip).  Validation holds out one
demo page (``pair_group``) at a time: the page's clips are scored by a model
trained on every other page, never on a laundered copy of themselves.  The
pooled held-out scores give the Platt calibration and the model card's figures;
the shipped model is then trained on every page.  Seeded throughout.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from .. import __version__
from ..evaluation.metrics import summarise
from ..learned.audio_detector import AudioWindowNet
from ..learned.audio_features import N_FEATURES, window_features
from ..media.audio import decode_mono
from ..media.intake import sha256_file
from ..media.speech import analysis_windows, speech_segments
from .audio_augment import launder
from .model_card import CARD_FILE, CONFIG_FILE, WEIGHTS_FILE, metrics_table

SOURCES = ("demo_pairs", "ljspeech_real", "pkg_real")
HEADS = ("logit", "spectral_logit", "phase_logit")
BATCH = 256


@dataclass(frozen=True)
class Clip:
    path: Path
    label: int  # 1 = fake
    page: str


def read_clips(root: Path) -> list[Clip]:
    clips = []
    for source in SOURCES:
        manifest = root / source / "manifest.csv"
        if not manifest.is_file():
            continue
        with open(manifest, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                page = row.get("pair_group") or source  # LJSpeech clips share one page of their own
                clips.append(Clip(root / source / row["file"], int(row["label"] == "fake"), page))
    if not clips:
        raise SystemExit(f"no audio manifests under {root}")
    return clips


def clip_features(clip_and_seed: tuple[Clip, int]) -> tuple[np.ndarray, np.ndarray]:
    """Features of the clip's scored windows, as recorded and after one laundering step."""
    clip, seed = clip_and_seed
    signal = decode_mono(clip.path)
    laundered = launder(signal, np.random.default_rng(seed))
    return _windows_of(signal), _windows_of(laundered)


def _windows_of(signal: np.ndarray) -> np.ndarray:
    windows = [w for w in analysis_windows(speech_segments(signal), len(signal) / 16_000) if w.scored]
    return np.array([window_features(w.samples(signal)) for w in windows], np.float32).reshape(-1, N_FEATURES)


def extract(clips: list[Clip], seed: int, workers: int, cache: Path | None) -> tuple[list, list]:
    if cache and cache.is_file():
        data = np.load(cache, allow_pickle=True)
        return list(data["clean"]), list(data["laundered"])
    jobs = [(clip, seed * 100_003 + index) for index, clip in enumerate(clips)]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(clip_features, jobs, chunksize=4))
    clean, laundered = [r[0] for r in results], [r[1] for r in results]
    if cache:
        np.savez(cache, clean=np.array(clean, dtype=object), laundered=np.array(laundered, dtype=object))
    return clean, laundered


def train(features: np.ndarray, labels: np.ndarray, seed: int, epochs: int, hidden: int,
          weight_decay: float, dropout: float) -> AudioWindowNet:
    torch.manual_seed(seed)
    net = AudioWindowNet(hidden=hidden, dropout=dropout)
    net.set_standardisation(features)
    x, y = torch.as_tensor(features), torch.as_tensor(labels, dtype=torch.float32)
    share = float(y.mean())
    weights = torch.where(y > 0, 0.5 / share, 0.5 / (1 - share))  # balance the classes
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), BATCH):
            batch = order[start:start + BATCH]
            out = net(x[batch])
            loss = sum((F.binary_cross_entropy_with_logits(out[h], y[batch], reduction="none") * weights[batch]).mean()
                       for h in HEADS)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return net.eval()


def clip_scores(net: AudioWindowNet, windows: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Per clip, the mean window log-odds of each head (how the analysis pools a file)."""
    with torch.inference_mode():
        outs = [net(torch.as_tensor(w)) for w in windows]
    return {h: np.array([float(o[h].mean()) for o in outs]) for h in HEADS}


def stack(windows: list[np.ndarray], labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate(windows)
    y = np.concatenate([np.full(len(w), label) for w, label in zip(windows, labels)])
    return x, y


def leave_one_page_out(clean, laundered, labels, pages, args) -> dict[str, np.ndarray]:
    held_out = {h: np.zeros(len(labels)) for h in HEADS}
    for number, page in enumerate(sorted(set(pages)), start=1):
        test = pages == page
        train_idx = np.flatnonzero(~test)
        x, y = stack([clean[i] for i in train_idx] + [laundered[i] for i in train_idx],
                     np.concatenate([labels[train_idx], labels[train_idx]]))
        net = train(x, y, args.seed, args.epochs, args.hidden, args.weight_decay, args.dropout)
        scores = clip_scores(net, [clean[i] for i in np.flatnonzero(test)])
        for h in HEADS:
            held_out[h][test] = scores[h]
        print(f"  fold {number}: {page} ({int(test.sum())} clips)", file=sys.stderr, flush=True)
    return held_out


def platt(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Scale and bias mapping pooled held-out log-odds to calibrated probabilities."""
    a = torch.zeros(2, requires_grad=True)
    x, y = torch.as_tensor(logits, dtype=torch.float32), torch.as_tensor(labels, dtype=torch.float32)
    optimiser = torch.optim.LBFGS([a], max_iter=200)

    def closure():
        optimiser.zero_grad()
        loss = F.binary_cross_entropy_with_logits(torch.exp(a[0]) * x + a[1], y)
        loss.backward()
        return loss

    optimiser.step(closure)
    return float(torch.exp(a[0])), float(a[1])


def page_metrics(probabilities: np.ndarray, labels: np.ndarray, pages: np.ndarray) -> dict[str, dict]:
    metrics = {page: summarise(labels[pages == page], probabilities[pages == page])
               for page in sorted(set(pages)) if len(set(labels[pages == page])) == 2}
    metrics["pooled (every held-out clip)"] = summarise(labels, probabilities)
    return metrics


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/datasets/audio"))
    parser.add_argument("--out", type=Path, default=Path("resources/models/audio-window-v1"))
    parser.add_argument("--cache", type=Path, help="keep extracted window features here (.npz) between runs")
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--dropout", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(max(1, args.workers))
    started = time.time()
    clips = read_clips(args.data)
    cache_existed = bool(args.cache and args.cache.is_file())
    clean, laundered = extract(clips, args.seed, args.workers, args.cache)
    keep = np.array([len(w) > 0 and len(l) > 0 for w, l in zip(clean, laundered)])
    print(f"{len(clips)} clips, {int((~keep).sum())} without scorable speech", file=sys.stderr)
    clips = [c for c, k in zip(clips, keep) if k]
    clean = [w for w, k in zip(clean, keep) if k]
    laundered = [w for w, k in zip(laundered, keep) if k]
    labels = np.array([c.label for c in clips])
    pages = np.array([c.page for c in clips])

    held_out = leave_one_page_out(clean, laundered, labels, pages, args)
    calibrations = {h: platt(held_out[h], labels) for h in HEADS}
    metrics = {}
    for h in HEADS:
        scale, bias = calibrations[h]
        metrics[h] = page_metrics(1 / (1 + np.exp(-(scale * held_out[h] + bias))), labels, pages)

    x, y = stack(clean + laundered, np.concatenate([labels, labels]))
    net = train(x, y, args.seed, args.epochs, args.hidden, args.weight_decay, args.dropout)
    training = {
        "command": "python -m forensic_studio.training.audio_detector " + " ".join(argv if argv is not None else sys.argv[1:]),
        "clips": len(clips), "fake_clips": int(labels.sum()), "pages": len(set(pages)), "windows": int(len(x)),
        "epochs": args.epochs, "hidden": args.hidden, "weight_decay": args.weight_decay, "dropout": args.dropout,
        "seed": args.seed, "minutes": round((time.time() - started) / 60, 1),
        "cached_features": cache_existed,
    }
    write_package(args.out, net, calibrations, metrics, training)
    pooled = metrics["logit"]["pooled (every held-out clip)"]
    print(f"leave-one-page-out pooled AUC {pooled['auc']:.4f}, EER {pooled['eer']:.4f}; wrote {args.out}")
    return 0


def write_package(out: Path, net: AudioWindowNet, calibrations: dict, metrics: dict, training: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    weights = out / WEIGHTS_FILE
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(weights), metadata={"architecture": "audio_window_mlp", "version": "1"})
    config = {
        "id": out.name, "version": "1", "architecture": "audio_window_mlp", "hidden": training["hidden"],
        "calibration": {h: {"scale": s, "bias": b} for h, (s, b) in calibrations.items()},
        "threshold": 0.5, "weights": WEIGHTS_FILE, "sha256": sha256_file(weights),
        "trained_with": {"forensic_studio": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "training": training, "validation": metrics,
    }
    (out / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (out / CARD_FILE).write_text(card_text(config), encoding="utf-8")


def card_text(config: dict) -> str:
    t, v = config["training"], config["validation"]
    pooled = {name: v[head]["pooled (every held-out clip)"] for name, head in
              (("embedded detector", "logit"), ("audio_spectral head", "spectral_logit"), ("audio_phase head", "phase_logit"))}
    return f"""# Model card: {config['id']}

**Task.** Probability that a speech window (4 s, 16 kHz) is synthetic: text-to-speech,
vocoder copy-synthesis or voice conversion. A file's score is the mean log-odds of its
speech windows, calibrated with Platt scaling (scale
{config['calibration']['logit']['scale']:.4f}, bias {config['calibration']['logit']['bias']:.4f}); threshold {config['threshold']}.

**Architecture.** Written for this project (`forensic_studio/learned/audio_detector.py`).
Input: {N_FEATURES} deterministic features per window from `learned/audio_features.py`
(linear-frequency cepstra, spectral envelope, flatness, fine spectral ripple, noise
floor, band-energy dynamics, group delay and instantaneous-frequency deviation), all
computed below 7 kHz on unit-RMS audio, so sample rate and loudness are not inputs.
Standardised features feed a two-layer MLP ({t['hidden']} units, GELU, dropout {t['dropout']}).
Two linear read-outs share the standardisation: one over the spectral groups (the
`audio_spectral` layer) and one over the phase group (the `audio_phase` layer).

**Data.** `../shared/datasets/audio`: demo_pairs (speech-synthesis demo pages),
ljspeech_real and pkg_real; {t['clips']} clips with speech ({t['fake_clips']} fake) on {t['pages']} pages,
{t['windows']} windows including one laundered copy of every clip (MP3 64/128 kbit/s, AAC
64 kbit/s, Opus 32 kbit/s, or a round trip through 22.05/24/44.1/48 kHz). Only the span
from first to last speech (Silero VAD) is windowed; windows under 25 % speech are skipped.

**Training.** {t['epochs']} epochs, AdamW lr 1e-3, weight decay {t['weight_decay']}, batch {BATCH}, class-balanced
loss summed over the three heads, seed {t['seed']}; this run took {t['minutes']} minutes on a 2-core CPU
({'features read from a cache' if t.get('cached_features') else 'feature extraction included'}). Reproduce with:

    {t['command']}

**Validation: leave one demo page out.** Each page's clips were scored by a model trained
on all other pages (clean clips only are scored). Calibrated, per page with both classes:

{metrics_table(v['logit'])}

Pooled held-out AUC of the layer heads: spectral {_auc(pooled['audio_spectral head'])},
phase {_auc(pooled['audio_phase head'])}. The calibration was fitted on these held-out scores, so the
pooled ECE is optimistic.

**Limitations.** The demo pages are mostly read English speech from research TTS systems
(2017-2023) and LJSpeech/LibriTTS/VCTK speakers; commercial voice clones, other
languages, telephone audio and music are out of distribution. Pages with few clips give
unstable per-page AUCs. A probability from a classifier, not a proof.

**Weights.** `{config['weights']}`, SHA-256 `{config['sha256']}`.
"""


def _auc(metrics: dict) -> str:
    return "n/a" if metrics.get("auc") is None else f"{metrics['auc']:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
