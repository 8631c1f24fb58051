"""Calibration corpora built from public repository snapshots: manifests in, files out.

The data is never committed. What is committed is a manifest per corpus
(``corpora/*.csv``: ``repo, commit, path, sha256, label, family, group, notes``)
and this module, which rebuilds the files byte for byte from the snapshots that
the search tool's ``fetch`` brings to ``/work/.mirror/OWNER+NAME/repo`` (bare git
directories)::

    python -m forensic_studio.training.corpus build CANDIDATES.csv... --manifest corpora/NAME.csv
    python -m forensic_studio.training.corpus rebuild corpora/*.csv

``build`` takes candidate lists (``repo, path, label, family, group_hint, notes``),
pins each file to the snapshot's commit and SHA-256, drops byte-identical
duplicates, and names each file's *group* — the unit a validation split holds out:
the camera (EXIF make and model) for authentic photos, the generator for generated
images, the repository otherwise. Repositories in ``RESERVED_REPOS.txt`` are
refused: they are kept for independent evaluation.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from ..media.intake import sha256_file

MIRRORS = Path(os.environ.get("FS_MIRRORS", "/work/.mirror"))
DATA_ROOT = Path(os.environ.get("FS_CORPORA", "/work/data/corpora"))
RESERVED_LIST = Path(__file__).resolve().parents[2].parent / "shared" / "RESERVED_REPOS.txt"
LABELS = ("authentic", "generated", "manipulated")
EXIF_MAKE, EXIF_MODEL = 0x010F, 0x0110
SPLIT_SALT = "forensic-studio-corpus-split-v1"
VALIDATION_SHARE = 0.35


@dataclass(frozen=True)
class CorpusFile:
    repo: str
    commit: str
    path: str
    sha256: str
    label: str
    family: str
    group: str
    notes: str = ""

    @property
    def local_path(self) -> Path:
        return DATA_ROOT / self.label / self.repo.replace("/", "+") / self.path

    @property
    def is_fake(self) -> bool:
        return self.label != "authentic"


def read_manifest(path: Path) -> list[CorpusFile]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [CorpusFile(**{k: row[k] for k in CorpusFile.__dataclass_fields__}) for row in csv.DictReader(handle)]


def write_manifest(path: Path, files: list[CorpusFile]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CorpusFile.__dataclass_fields__))
        writer.writeheader()
        writer.writerows(asdict(f) for f in files)


def reserved_repos(listing: Path = RESERVED_LIST) -> set[str]:
    if not listing.is_file():
        return set()
    lines = (line.strip() for line in listing.read_text(encoding="utf-8").splitlines())
    return {line.lower() for line in lines if line and not line.startswith("#")}


def git_dir(repo: str) -> Path:
    folder = MIRRORS / repo.replace("/", "+") / "repo"
    return folder / ".git" if (folder / ".git").is_dir() else folder  # a snapshot may come with a work tree


def head_commit(repo: str) -> str:
    return _git(repo, "rev-parse", "HEAD").decode().strip()


def blob(repo: str, commit: str, path: str) -> bytes:
    return _git(repo, "cat-file", "blob", f"{commit}:{path}")


def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir(repo)}", *args], check=True, capture_output=True).stdout


def camera_of(data: bytes) -> str:
    """``Make Model`` from EXIF, normalised, or '' when the file has none."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
    except Exception:  # unreadable EXIF or a format Pillow does not open: no camera known
        return ""
    make = str(exif.get(EXIF_MAKE, "")).strip(" \x00").split(" ")[0].title()
    model = str(exif.get(EXIF_MODEL, "")).strip(" \x00")
    if make and model.lower().startswith(make.lower()):
        model = model[len(make):].strip()
    return f"{make} {model}".strip()


def group_for(label: str, family: str, hint: str, repo: str, camera: str) -> str:
    if label == "authentic" and camera:
        return f"camera:{camera}"
    if label == "generated":
        return f"generator:{family}"
    return f"repo:{repo}" if not hint else f"set:{hint}"


def build(candidate_files: list[Path]) -> tuple[list[CorpusFile], list[str]]:
    """Pin candidates to their snapshots; returns the corpus files and the problems met."""
    reserved, seen, files, problems = reserved_repos(), set(), [], []
    commits: dict[str, str] = {}
    for candidates in candidate_files:
        with open(candidates, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            repo, label = row["repo"].strip(), row["label"].strip()
            if repo.lower() in reserved:
                problems.append(f"{repo}: reserved for independent evaluation, refused")
                continue
            if label not in LABELS:
                problems.append(f"{repo}:{row['path']}: unknown label {label!r}")
                continue
            try:
                commit = commits.get(repo) or commits.setdefault(repo, head_commit(repo))
                data = blob(repo, commit, row["path"])
            except subprocess.CalledProcessError:
                problems.append(f"{repo}:{row['path']}: not in the snapshot (absent, or 4 MiB and over)")
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            family = row.get("family", "").strip() or "unknown"
            group = group_for(label, family, row.get("group_hint", "").strip(), repo, camera_of(data))
            item = CorpusFile(repo, commit, row["path"], digest, label, family, group, row.get("notes", "").strip())
            _write(item, data)
            files.append(item)
    return files, problems


def rebuild(manifest: Path) -> tuple[int, list[str]]:
    """Re-extract every file of a manifest from its pinned commit; checks each SHA-256."""
    written, problems = 0, []
    for item in read_manifest(manifest):
        if item.local_path.is_file() and sha256_file(item.local_path) == item.sha256:
            continue
        try:
            data = blob(item.repo, item.commit, item.path)
        except subprocess.CalledProcessError:
            problems.append(f"{item.repo}@{item.commit[:10]}:{item.path}: missing (fetch {item.repo} first)")
            continue
        if hashlib.sha256(data).hexdigest() != item.sha256:
            problems.append(f"{item.repo}:{item.path}: SHA-256 differs from the manifest")
            continue
        _write(item, data)
        written += 1
    return written, problems


def _write(item: CorpusFile, data: bytes) -> None:
    item.local_path.parent.mkdir(parents=True, exist_ok=True)
    item.local_path.write_bytes(data)


def corpus_split(files: list[CorpusFile], share: float = VALIDATION_SHARE) -> set[str]:
    """Repositories held out for validation: per label, in a content-free order (salted hash of the name),
    added until they hold ``share`` of that label's files. Returns the held-out repository names."""
    held_out: set[str] = set()
    for label in sorted({f.label for f in files}):
        counts: dict[str, int] = {}
        for f in files:
            if f.label == label:
                counts[f.repo] = counts.get(f.repo, 0) + 1
        total, taken = sum(counts.values()), 0
        order = sorted(counts, key=lambda r: hashlib.sha256((SPLIT_SALT + r).encode()).hexdigest())
        for repo in order:
            if taken >= share * total or len(held_out & set(counts)) >= len(counts) - 1:
                break
            if repo in held_out:
                continue
            held_out.add(repo)
            taken += counts[repo]
    return held_out


def summary(files: list[CorpusFile]) -> str:
    lines = [f"{len(files)} files"]
    for title, key in (("label", lambda f: f.label), ("repository", lambda f: f.repo),
                       ("family", lambda f: f"{f.label}/{f.family}"), ("group", lambda f: f.group)):
        counts = Counter(key(f) for f in files)
        lines.append(f"{title} ({len(counts)}): " + ", ".join(f"{k} {n}" for k, n in counts.most_common()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m forensic_studio.training.corpus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("build", help="pin candidate lists to their snapshots and write a manifest")
    make.add_argument("candidates", nargs="+", type=Path)
    make.add_argument("--manifest", type=Path, required=True)
    again = sub.add_parser("rebuild", help="re-extract the files of manifests from the snapshots")
    again.add_argument("manifests", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        files, problems = build(args.candidates)
        write_manifest(args.manifest, files)
        print(summary(files))
    else:
        problems = []
        for manifest in args.manifests:
            written, missing = rebuild(manifest)
            problems += missing
            print(f"{manifest}: {written} files written under {DATA_ROOT}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
