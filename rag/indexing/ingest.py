"""Read article files from the corpus folder.

A corpus folder holds one article per file (``.txt``, ``.md``, ``.html``,
``.htm``) and an optional ``metadata.toml`` sidecar with a table per document
id (the file stem)::

    [000_acb59b784c8ff302]
    title = "베이징시, 'AI 네이티브' 도시 구축을 위한 청사진 공개"
    outlet = "파이낸셜뉴스"
    published = 2024-07-29

Text files may be UTF-8 (with or without a BOM) or CP949/EUC-KR. HTML pages go
through trafilatura, which keeps the article and drops navigation, footers
and scripts.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.errors import CorpusError
from rag.indexing.meta import outlet_for_host

SUFFIXES = (".txt", ".md", ".html", ".htm")
SIDECAR = "metadata.toml"
# Largest article file read, in bytes; a bigger file is skipped (or refused on upload).
MAX_FILE_BYTES = 2_000_000
META_KEYS = ("title", "outlet", "published", "author", "url")
# A decoded file with more than this share of control characters is binary.
_MAX_CONTROL = 0.05
# charset-normalizer's guess is used only when its "chaos" is at most this.
_MAX_CHAOS = 0.1


@dataclass(frozen=True)
class Source:
    """One article file, decoded, before cleaning.

    Attributes:
        doc_id: The file stem.
        path: The file.
        text: Decoded NFC text; for HTML the main text trafilatura extracted,
            one paragraph per line.
        meta: Metadata known before cleaning, from the HTML page and the
            sidecar (which wins): ``title``, ``outlet``, ``published``
            (``yyyy-mm-dd``), ``author``, ``url``.
    """

    doc_id: str
    path: Path
    text: str
    meta: dict[str, str] = field(default_factory=dict)


def _decode(data: bytes) -> str:
    """Decode UTF-8 (BOM or not), UTF-16 with a BOM, CP949/EUC-KR, or a confident guess.

    Raises:
        ValueError: With the reason, if the bytes are not text.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError("not valid UTF-16 text") from None
    if b"\x00" in data:
        raise ValueError("binary file, not text")
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise ValueError("not valid UTF-8 or CP949 text")
    return str(best)


def _check_text(text: str) -> str:
    """Return NFC text, or raise ValueError if it is empty or mostly control characters."""
    if not text.strip():
        raise ValueError("empty file")
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if control > _MAX_CONTROL * len(text):
        raise ValueError("binary file, not text")
    return unicodedata.normalize("NFC", text)


def _from_html(html: str) -> tuple[str, dict[str, str]]:
    """Extract the article text and metadata of an HTML page with trafilatura.

    Raises:
        ValueError: If the page has no article text.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (doc.text or "") if doc is not None else ""
    if not text.strip():
        raise ValueError("no article text found in the HTML page")
    found = {
        "title": doc.title,
        "author": doc.author,
        "published": doc.date,
        "outlet": doc.sitename or (outlet_for_host(doc.hostname) if doc.hostname else None),
        "url": doc.url,
    }
    return text, {k: v.strip() for k, v in found.items() if isinstance(v, str) and v.strip()}


def _from_markdown(text: str) -> str:
    """Drop Markdown heading marks so ``# 제목`` reads as ``제목``."""
    return re.sub(r"(?m)^\s{0,3}#{1,6}\s+", "", text)


def read_source(path: Path, sidecar: Mapping[str, Mapping[str, str]] | None = None) -> Source:
    """Read and decode one article file.

    Args:
        path: A ``.txt``, ``.md``, ``.html`` or ``.htm`` file.
        sidecar: Metadata per doc id (see :func:`load_sidecar`); its values
            override what the file gives.

    Returns:
        The decoded source.

    Raises:
        CorpusError: If the file cannot be read, is over ``MAX_FILE_BYTES``, is
            binary, empty, or not decodable; the message is one line naming the file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ValueError(f"{size:,} bytes is over the {MAX_FILE_BYTES:,}-byte limit")
        text = _check_text(_decode(path.read_bytes()))
        found: dict[str, str] = {}
        if path.suffix.lower() in (".html", ".htm"):
            text, found = _from_html(text)
            text = unicodedata.normalize("NFC", text)
        elif path.suffix.lower() == ".md":
            text = _from_markdown(text)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise CorpusError(f"{path}: {exc}") from None
    found.update((sidecar or {}).get(path.stem, {}))
    return Source(doc_id=path.stem, path=path, text=text, meta=found)


def _sidecar_value(path: Path, doc_id: str, key: str, value: Any) -> str:
    """Validate one sidecar value and return it as a string.

    Raises:
        CorpusError: If the key is unknown or the value has the wrong type.
    """
    where = f"{path}: [{doc_id}] {key}"
    if key not in META_KEYS:
        raise CorpusError(f"{where}: unknown key (allowed: {', '.join(META_KEYS)})")
    if key == "published":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            try:
                return dt.date.fromisoformat(value.strip()).isoformat()
            except ValueError:
                pass
        raise CorpusError(f"{where}: expected a date like 2024-07-29, got {value!r}")
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(f"{where}: expected a non-empty string, got {value!r}")
    if key == "url" and not re.match(r"https?://\S+$", value.strip()):
        raise CorpusError(f"{where}: expected an http(s) address, got {value!r}")
    return unicodedata.normalize("NFC", " ".join(value.split()))


def load_sidecar(corpus_dir: Path) -> dict[str, dict[str, str]]:
    """Read ``metadata.toml`` in the corpus folder.

    Returns:
        Metadata per doc id, values as strings (``published`` as
        ``yyyy-mm-dd``); ``{}`` if there is no sidecar.

    Raises:
        CorpusError: If the file is not valid TOML, or has an unknown key or
            a bad value; the message names the file and the key.
    """
    path = Path(corpus_dir) / SIDECAR
    if not path.is_file():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read the metadata sidecar ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path}: invalid TOML ({exc})") from None
    out: dict[str, dict[str, str]] = {}
    for doc_id, table in raw.items():
        if not isinstance(table, dict):
            raise CorpusError(f"{path}: {doc_id} must be a table like [{doc_id}], not a value")
        out[doc_id] = {k: _sidecar_value(path, doc_id, k, v) for k, v in table.items()}
    return out


def read_corpus(corpus_dir: Path) -> tuple[list[Source], list[str]]:
    """Read every article in the corpus folder (not its subfolders).

    Files that cannot be read are skipped with a warning; so are files with
    an unsupported suffix and a second file with the same stem.

    Returns:
        The sources sorted by doc id, and one-line warnings.

    Raises:
        CorpusError: If the folder does not exist or the sidecar is broken.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus folder {corpus_dir} does not exist: create it and put .txt, .md or "
            f".html articles in it, or set corpus_dir"
        )
    sidecar = load_sidecar(corpus_dir)
    sources: dict[str, Source] = {}
    seen: dict[str, str] = {}
    warnings: list[str] = []
    for path in sorted(p for p in corpus_dir.iterdir() if p.is_file()):
        if path.name.startswith(".") or path.name == SIDECAR:
            continue
        if path.suffix.lower() not in SUFFIXES:
            warnings.append(f"skipped {path}: not an article file (use {', '.join(SUFFIXES)})")
        elif path.stem in seen:
            warnings.append(f"skipped {path}: same doc id as {seen[path.stem]}; rename one of them")
        else:
            seen[path.stem] = path.name
            try:
                sources[path.stem] = read_source(path, sidecar)
            except CorpusError as exc:
                warnings.append(f"skipped {_one_line(str(exc))}")
    warnings.extend(
        f"{corpus_dir / SIDECAR}: [{doc_id}] matches no article file"
        for doc_id in sorted(set(sidecar) - set(seen))
    )
    return [sources[k] for k in sorted(sources)], warnings


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)
