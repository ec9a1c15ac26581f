"""Value-flow models for code outside the repository, as data (``valueflow.yaml``).

One truth for what an external call does with its inputs: the shipped file, plus a
user file named by ``CODEANATOMY_MODELS`` read on top (its entries replace shipped
ones with the same key). ``resolve.valueflow`` turns them into FLOW_CALL edges at build
time; ``codeanatomy_hamilton.flows`` and the security rules read the sanitizer tags.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from codeanatomy_hamilton.core.settings import Settings

SHIPPED = Path(__file__).with_name("valueflow.yaml")
_SRC = re.compile(r"^(arg\d+|kw:[A-Za-z_]\w*|args|kwargs|receiver|any)$")
_DST = re.compile(r"^(result|receiver|arg\d+)$")


class ModelError(ValueError):
    """A model file that cannot be used (names the file and the entry)."""


@dataclass(frozen=True)
class Model:
    key: str  # "os.path.join" for a callee, ".append" for a method
    flows: tuple[tuple[str, str], ...]  # (source, target) pairs
    sanitizes: tuple[str, ...] = ()


def _parse(text: str, origin: str) -> dict[str, Model]:
    try:
        # libyaml's loader when the wheel has it (5-10x faster than the pure one)
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ModelError(f"{origin}: not valid YAML ({exc})") from None
    entries = (doc or {}).get("models", []) if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ModelError(f"{origin}: expected a mapping with a 'models' list")
    out: dict[str, Model] = {}
    for i, e in enumerate(entries):
        where = f"{origin}: models[{i}]"
        if not isinstance(e, dict) or ("callee" in e) == ("method" in e):
            raise ModelError(f"{where}: needs exactly one of 'callee' or 'method'")
        key = str(e["callee"]) if "callee" in e else "." + str(e["method"])
        pairs = []
        for f in e.get("flows", []) or []:
            src, sep, dst = str(f).partition("->")
            src, dst = src.strip(), dst.strip()
            if not sep or not _SRC.match(src) or not _DST.match(dst):
                raise ModelError(f"{where}: bad flow {f!r} (want 'SOURCE -> TARGET')")
            pairs.append((src, dst))
        san = e.get("sanitizes", []) or []
        if not isinstance(san, list):
            raise ModelError(f"{where}: 'sanitizes' must be a list")
        out[key] = Model(key, tuple(pairs), tuple(str(s) for s in san))
    return out


def model_texts(user: str | None = None) -> list[tuple[str, str]]:
    """(origin, text) of the shipped file and the user file (argument, else the
    setting ``CODEANATOMY_MODELS``), in the order they apply. The resolver loads the
    models deep inside resolution, where no settings object reaches: the default is
    read from the environment here, through ``core.settings``."""
    texts = [(str(SHIPPED), SHIPPED.read_text("utf-8"))]
    path = user if user is not None else Settings.read("models")
    if path:
        try:
            texts.append((path, Path(path).read_text("utf-8")))
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the model file ({exc.strerror})") from None
    return texts


def load_models(user: str | None = None) -> dict[str, Model]:
    """The models in force: key -> Model (``.name`` keys are method models)."""
    out: dict[str, Model] = {}
    for origin, text in model_texts(user):
        out.update(_parse(text, origin))
    return out


def models_digest(user: str | None = None) -> str:
    """Digest of the model files in force (part of the resolver's input digest)."""
    h = hashlib.sha256()
    for _origin, text in model_texts(user):
        h.update(text.encode("utf-8", "surrogateescape") + b"\0")
    return h.hexdigest()
