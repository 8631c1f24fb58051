"""Known generators and editors, recognised by what they write into metadata.

A table, not code: each row names a tool, its category and the regular
expressions (case-insensitive) that identify it in any metadata field.  The
match reports the field and the text that matched, so the analyst can check it.

Categories:
  ai_generator  - the picture was produced by a generative model
  ai_editor     - a generative/AI tool altered the picture (inpainting, face filters)
  editor        - classic editing software (evidence of processing, not of synthesis)
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    tool: str
    category: str
    patterns: tuple[str, ...]


SIGNATURES: tuple[Signature, ...] = (
    Signature("DALL-E / OpenAI", "ai_generator", (r"\bdall[\s·._-]?e\b", r"\bopenai\b", r"\bgpt-image", r"\bgpt-4o\b", r"\bchatgpt\b")),
    Signature("Midjourney", "ai_generator", (r"\bmidjourney\b",)),
    Signature("Stable Diffusion XL", "ai_generator", (r"\bsd[\s_-]?xl\b", r"stable[\s_-]?diffusion[\s_-]?xl",)),
    Signature("Stable Diffusion", "ai_generator", (r"stable[\s_-]?diffusion(?![\s_-]?xl)", r"\bsd[\s_-]?(1\.[45]|2\.[01]|3(\.5)?)\b")),
    Signature("FLUX (Black Forest Labs)", "ai_generator", (r"\bflux[.\s_-]?1\b", r"\bflux[\s_-](dev|schnell|pro|kontext)\b", r"black[\s_-]?forest[\s_-]?labs")),
    Signature("Adobe Firefly", "ai_generator", (r"\bfirefly\b",)),
    Signature("Google Gemini / Imagen", "ai_generator", (r"\bgemini\b", r"\bimagen\s?\d?\b", r"made with google ai", r"edited with google ai")),
    Signature("Google SynthID", "ai_generator", (r"\bsynthid\b",)),
    Signature("Ideogram", "ai_generator", (r"\bideogram\b",)),
    Signature("Leonardo.Ai", "ai_generator", (r"\bleonardo[\s.]?ai\b",)),
    Signature("Bing Image Creator / Microsoft Designer", "ai_generator", (r"bing image creator", r"image creator (from|in) (microsoft|bing)", r"microsoft designer")),
    Signature("Canva AI (Magic Media / Dream Lab)", "ai_generator", (r"\bcanva\b.*\b(ai|magic media|dream lab)\b", r"\bmagic media\b")),
    Signature("Runway", "ai_generator", (r"\brunway(ml)?\b",)),
    Signature("NovelAI", "ai_generator", (r"\bnovel\s?ai\b",)),
    Signature("ComfyUI", "ai_generator", (r"\bcomfy\s?ui\b", r'"class_type"\s*:\s*"(KSampler|CheckpointLoaderSimple|CLIPTextEncode)')),
    Signature("AUTOMATIC1111 / SD WebUI", "ai_generator", (r"\bautomatic1111\b", r"stable-diffusion-webui", r"\bSteps: \d+, Sampler: ", r"\bCFG scale: [\d.]+")),
    Signature("InvokeAI", "ai_generator", (r"\binvoke\s?ai\b", r"\binvokeai_metadata\b")),
    Signature("Fooocus", "ai_generator", (r"\bfooocus\b",)),
    Signature("DreamStudio / Stability AI", "ai_generator", (r"\bdreamstudio\b", r"\bstability[\s.]?ai\b")),
    Signature("Meta AI (Imagine / Emu)", "ai_generator", (r"\bmeta ai\b", r"imagined? with (meta )?ai\b", r"\bimagine with meta\b")),
    Signature("xAI Grok / Aurora", "ai_generator", (r"\bgrok\b", r"\bx\.ai\b", r"\bxai\b")),
    Signature("OpenAI Sora", "ai_generator", (r"\bsora\b",)),
    Signature("Kling (Kuaishou)", "ai_generator", (r"\bkling\b", r"\bkuaishou\b")),
    Signature("Krea", "ai_generator", (r"\bkrea(\.ai)?\b",)),
    Signature("Playground AI", "ai_generator", (r"\bplayground\s?(ai|v[23])\b",)),
    Signature("Pika", "ai_generator", (r"\bpika(\s?labs|\.art)\b",)),
    Signature("Luma Dream Machine", "ai_generator", (r"\bluma\s?(ai|labs|dream machine)\b",)),
    Signature("Kandinsky", "ai_generator", (r"\bkandinsky\b",)),
    Signature("DeepFloyd IF", "ai_generator", (r"\bdeepfloyd\b",)),
    Signature("NightCafe", "ai_generator", (r"\bnightcafe\b",)),
    Signature("Wombo Dream", "ai_generator", (r"\bwombo\b",)),
    Signature("Artbreeder", "ai_generator", (r"\bartbreeder\b",)),
    Signature("StyleGAN", "ai_generator", (r"\bstylegan\d?\b", r"thispersondoesnotexist")),
    Signature("Hunyuan Image", "ai_generator", (r"\bhunyuan\b",)),
    Signature("Recraft", "ai_generator", (r"\brecraft\b",)),
    Signature("ByteDance Seedream / Dreamina", "ai_generator", (r"\bseedream\b", r"\bdreamina\b", r"\bjimeng\b")),
    Signature("Qwen-Image", "ai_generator", (r"\bqwen[\s_-]?image\b",)),
    Signature("Photoshop Generative Fill", "ai_editor", (r"generative (fill|expand)", r"\bgenerative ai\b")),
    Signature("FaceApp", "ai_editor", (r"\bfaceapp\b",)),
    Signature("Remini", "ai_editor", (r"\bremini\b",)),
    Signature("Lensa", "ai_editor", (r"\blensa\b",)),
    Signature("Facetune", "ai_editor", (r"\bfacetune\d?\b",)),
    Signature("Adobe Photoshop", "editor", (r"\badobe photoshop\b", r"\bphotoshop\b(?!.*generative)")),
    Signature("Adobe Lightroom", "editor", (r"\blightroom\b",)),
    Signature("GIMP", "editor", (r"\bgimp\b",)),
    Signature("Affinity Photo", "editor", (r"\baffinity photo\b",)),
    Signature("Pixelmator", "editor", (r"\bpixelmator\b",)),
    Signature("Snapseed", "editor", (r"\bsnapseed\b",)),
    Signature("Paint.NET", "editor", (r"\bpaint\.net\b",)),
    Signature("PicsArt", "editor", (r"\bpicsart\b",)),
    Signature("Capture One", "editor", (r"\bcapture one\b",)),
    Signature("darktable / RawTherapee", "editor", (r"\bdarktable\b", r"\brawtherapee\b")),
)

# IPTC Digital Source Type vocabulary (also used by C2PA actions).
AI_SOURCE_TYPES = {
    "trainedalgorithmicmedia": "ai_generator",
    "compositewithtrainedalgorithmicmedia": "ai_editor",
    "algorithmicmedia": "ai_generator",
    "compositesynthetic": "ai_editor",
}

# Text-chunk keys that only generative front-ends write.
GENERATOR_KEYS = {
    "parameters": "AUTOMATIC1111 / SD WebUI",
    "prompt": "ComfyUI",
    "workflow": "ComfyUI",
    "invokeai_metadata": "InvokeAI",
    "sd-metadata": "InvokeAI",
    "dream": "InvokeAI",
    "fooocus_scheme": "Fooocus",
}

# Fields never matched: they hold binary-ish or numeric data where tool names cannot appear.
_SKIPPED_FIELDS = re.compile(r"(MakerNote|Thumbnail|GPS|Offset|ByteCount|Resolution)", re.IGNORECASE)


@dataclass(frozen=True)
class SignatureMatch:
    tool: str
    category: str
    field: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return {"tool": self.tool, "category": self.category, "field": self.field, "evidence": self.evidence}


_COMPILED = tuple((signature, tuple(re.compile(p, re.IGNORECASE) for p in signature.patterns)) for signature in SIGNATURES)


def match_signatures(fields: list[tuple[str, str]]) -> list[SignatureMatch]:
    """Every (tool, field) pair whose patterns appear in the metadata; one match per pair."""
    matches: dict[tuple[str, str], SignatureMatch] = {}
    for field_name, value in fields:
        if not value or _SKIPPED_FIELDS.search(field_name):
            continue
        _match_source_type(field_name, value, matches)
        _match_generator_key(field_name, value, matches)
        for signature, patterns in _COMPILED:
            if (signature.tool, field_name) in matches:
                continue
            for pattern in patterns:
                found = pattern.search(value)
                if found:
                    matches[(signature.tool, field_name)] = SignatureMatch(
                        signature.tool, signature.category, field_name, _excerpt(value, found.start(), found.end()))
                    break
    return list(matches.values())


def _match_source_type(field_name: str, value: str, matches: dict) -> None:
    lowered = value.lower()
    for code, category in AI_SOURCE_TYPES.items():
        if f"digitalsourcetype/{code}" in lowered or lowered.strip() == code:
            position = lowered.find(code)
            matches[(f"IPTC DigitalSourceType {code}", field_name)] = SignatureMatch(
                f"IPTC DigitalSourceType: {code}", category, field_name, _excerpt(value, position, position + len(code)))


def _match_generator_key(field_name: str, value: str, matches: dict) -> None:
    if not field_name.startswith("text:"):
        return
    key = field_name.split(":", 1)[1].lower()
    tool = GENERATOR_KEYS.get(key)
    if tool is None:
        return
    # "parameters"/"prompt" are generic words: require generator-shaped content.
    looks_generated = (key != "parameters" or "Steps:" in value) and (key not in ("prompt", "workflow") or "class_type" in value or '"nodes"' in value)
    if looks_generated:
        matches[(tool, field_name)] = SignatureMatch(tool, "ai_generator", field_name, _excerpt(value, 0, min(len(value), 60)))


def _excerpt(value: str, start: int, end: int, context: int = 40) -> str:
    left, right = max(0, start - context), min(len(value), end + context)
    text = value[left:right].replace("\n", " ")
    return ("…" if left > 0 else "") + text + ("…" if right < len(value) else "")
