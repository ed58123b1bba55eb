"""REFI-QDA exchange: codebook ``.qdc`` (export and import) and project ``.qdpx``.

REFI-QDA (QDA-XML 1.0, qdasoftware.org) is the exchange standard that NVivo,
ATLAS.ti, MAXQDA and QualCoder read. Mapping used here:

- each factor category is a top-level, non-codable ``Code``; each code sits
  under its category (or under its parent code), codable;
- a code's definition, inclusion and exclusion rules, examples, near-misses,
  seed words, status, source and history are written, in labelled sections,
  into its ``Description`` so that a person reading it in another tool sees
  everything, and :func:`import_qdc` can read it back;
- GUIDs are ``uuid5`` of the code id, so the same code keeps the same GUID in
  every export (a re-import into the other tool updates instead of duplicating);
- the ``.qdpx`` holds the de-identified answers as ``TextSource`` s (one plain
  text file each under ``sources/``), every coder as a ``User`` and every
  coding as a whole-answer ``PlainTextSelection`` with ``Coding``/``CodeRef``;
  respondents become ``Case`` s and question/language/metadata ``Variable`` s
  (metadata holding free text or identifiers is left out, see
  :func:`twoknow_text.deid.columns.classify_values`).

Every file is validated against the bundled XSD before it is written.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import uuid
import xml.etree.ElementTree as ET
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from .._io import atomic_path
from .._pages import PALETTE as _PALETTE  # the reports' palette: a category has one colour everywhere
from ..errors import CodebookError
from ..records import Corpus
from ._codings import check_codings
from ._model import Category, Code, Codebook, HistoryEntry

__all__ = [
    "export_qdc",
    "import_qdc",
    "export_qdpx",
    "qdc_bytes",
    "qdpx_project_xml",
    "validate_refi",
    "code_guid",
    "QDC_NS",
    "QDE_NS",
]

QDC_NS = "urn:QDA-XML:codebook:1.0"
QDE_NS = "urn:QDA-XML:project:1.0"
# a fixed namespace so GUIDs are stable across runs and machines
_GUID_NS = uuid.UUID("8f6c3f0e-5d0b-5a4e-9a55-2b6e6f776b74")

_SECTIONS = {
    "Definition": "definition",
    "Include when": "inclusion",
    "Exclude when": "exclusion",
    "Examples": "examples",
    "Near-misses": "near_misses",
    "Seed words": "seed_words",
    "Status": "status",
    "Source": "source",
    "History": "history",
    "Code id": "id",
}
_LIST_SECTIONS = {"inclusion", "exclusion", "examples", "near_misses", "history"}
_HEADER = re.compile(r"^(" + "|".join(re.escape(k) for k in _SECTIONS) + r"):[ \t]*(.*)$")
_CATEGORY_LINE = re.compile(r"(?:^|\n)Category id:[ \t]*([a-z][a-z0-9_]*)[ \t]*$")


@lru_cache(maxsize=4096)
def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NS, f"twoknow:{kind}:{key}")).upper()


def code_guid(code_id: str) -> str:
    """The stable REFI GUID of a code (or category) id."""
    return _guid("code", code_id)


# ---------------------------------------------------------------- validation
@lru_cache(maxsize=4)
def _schema(name: str, engine: str) -> Any:
    path = str(resources.files("twoknow_text") / "data" / "refi-qda" / name)
    if engine == "lxml":
        from lxml import etree

        return etree.XMLSchema(etree.parse(path))
    try:
        import xmlschema
    except ImportError:
        from ..errors import ConfigError

        raise ConfigError(
            "E107", "engine='xmlschema' needs the xmlschema package (pip install 'twoknow_text[test]'); "
            "the default engine, lxml, is always installed."
        ) from None
    return xmlschema.XMLSchema(path)


def validate_refi(xml: bytes | str, kind: str, *, engine: str | None = None) -> None:
    """Validate REFI XML against the bundled ``Codebook.xsd`` (kind="qdc")
    or ``Project.xsd`` (kind="qde"); a failure is a coded error E730.

    ``engine``: "lxml" (libxml2, a dependency; the default) or "xmlschema"
    (pure Python, about 20x slower on a 4,500-answer project; needs the
    ``test`` extra, else ConfigError E107), the tests' cross-check.
    """
    name = "Codebook.xsd" if kind == "qdc" else "Project.xsd"
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if engine is None:
        engine = "lxml"
    if engine == "lxml":
        from lxml import etree

        schema = _schema(name, "lxml")
        try:
            doc = etree.fromstring(data)
        except etree.XMLSyntaxError as exc:
            raise CodebookError("E730", f"REFI-QDA {kind} is not well-formed XML: {exc}") from None
        if not schema.validate(doc):
            err = schema.error_log.last_error
            n = len(schema.error_log)
            raise CodebookError("E730", f"REFI-QDA {kind} does not validate ({n} error(s)); line {err.line}: {err.message}")
        return
    errors = list(_schema(name, "xmlschema").iter_errors(data.decode("utf-8")))
    if errors:
        first = errors[0]
        raise CodebookError(
            "E730", f"REFI-QDA {kind} does not validate ({len(errors)} error(s)); first at {first.path}: {first.reason}"
        )


# ---------------------------------------------------------------- descriptions
def _describe_code(code: Code) -> str:
    parts = [f"Definition: {code.definition}"]
    for title, field in (
        ("Include when", "inclusion"),
        ("Exclude when", "exclusion"),
        ("Examples", "examples"),
        ("Near-misses", "near_misses"),
    ):
        items = getattr(code, field)
        if items:
            parts.append(f"{title}:\n" + "\n".join(f"- {x}" for x in items))
    if code.seed_words:
        parts.append("Seed words: " + "; ".join(code.seed_words))
    parts.append(f"Status: {code.status}")
    if code.source:
        parts.append(f"Source: {code.source}")
    if code.history:
        lines = [json.dumps(h.model_dump(mode="json", exclude_none=True), ensure_ascii=False) for h in code.history]
        parts.append("History:\n" + "\n".join(f"- {x}" for x in lines))
    parts.append(f"Code id: {code.id}")
    return "\n\n".join(parts)


def _parse_description(text: str) -> dict[str, Any]:
    """Inverse of :func:`_describe_code`, tolerant of edits made in another tool.

    Text before the first section header (a description typed in another
    tool) becomes the definition.
    """
    out: dict[str, Any] = {}
    current: str | None = None
    loose: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        m = _HEADER.match(line)
        if m:
            current = _SECTIONS[m.group(1)]
            value = m.group(2)
            if current in _LIST_SECTIONS:
                out[current] = []
            else:
                out[current] = value
            continue
        if current is None:
            loose.append(line)
        elif current in _LIST_SECTIONS:
            if line.startswith("- "):
                out[current].append(line[2:])
            elif line.strip() and out[current]:
                out[current][-1] += "\n" + line
        elif line.strip() or out[current]:
            out[current] = (out[current] + "\n" + line) if out[current] else line
    for k, v in list(out.items()):
        if isinstance(v, str):
            out[k] = v.strip()
    if "definition" not in out and any(x.strip() for x in loose):
        out["definition"] = "\n".join(loose).strip()
    if "seed_words" in out:
        out["seed_words"] = [w.strip() for w in out["seed_words"].split(";") if w.strip()]
    return out


def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "code"
    if not s[0].isalpha():
        s = "c_" + s
    return s[:64]


# ---------------------------------------------------------------- codebook XML
def _code_elements(parent_el: ET.Element, ns: str, cb: Codebook) -> None:
    color = {cat.id: _PALETTE[i % len(_PALETTE)] for i, cat in enumerate(cb.categories)}

    def add_code(container: ET.Element, code: Code) -> None:
        el = ET.SubElement(
            container,
            f"{{{ns}}}Code",
            guid=code_guid(code.id),
            name=code.label,
            # a retired code stays visible (old codings point to it) but takes no new coding
            isCodable="false" if code.status == "retired" else "true",
            color=color[code.category],
        )
        ET.SubElement(el, f"{{{ns}}}Description").text = _describe_code(code)
        for child in cb.children(code.id):
            add_code(el, child)

    codes_el = ET.SubElement(parent_el, f"{{{ns}}}Codes")
    for cat in cb.categories:
        cat_el = ET.SubElement(
            codes_el, f"{{{ns}}}Code", guid=code_guid(cat.id), name=cat.label, isCodable="false", color=color[cat.id]
        )
        desc = (cat.description + "\n\n" if cat.description else "") + f"Category id: {cat.id}"
        ET.SubElement(cat_el, f"{{{ns}}}Description").text = desc
        for code in cb.codes:
            if code.category == cat.id and code.parent is None:
                add_code(cat_el, code)


def _codebook_info(cb: Codebook) -> str:
    # the order list lets an import restore the codebook's own code order (XML nests children)
    return json.dumps(
        {"name": cb.name, "version": cb.version, "description": cb.description, "order": cb.ids}, ensure_ascii=False
    )


def qdc_bytes(cb: Codebook) -> bytes:
    """The codebook as REFI-QDA ``.qdc`` XML (validated)."""
    from .. import __version__

    ET.register_namespace("", QDC_NS)
    root = ET.Element(f"{{{QDC_NS}}}CodeBook", origin=f"twoknow_text {__version__}")
    _code_elements(root, QDC_NS, cb)
    sets = ET.SubElement(root, f"{{{QDC_NS}}}Sets")
    # the codebook's own name/version ride in a set; one set per status helps in NVivo/MAXQDA
    info = ET.SubElement(sets, f"{{{QDC_NS}}}Set", guid=_guid("set", "codebook"), name="twoknow codebook")
    ET.SubElement(info, f"{{{QDC_NS}}}Description").text = _codebook_info(cb)
    for status in ("candidate", "active", "retired"):
        members = [c for c in cb.codes if c.status == status]
        if not members:
            continue
        s = ET.SubElement(sets, f"{{{QDC_NS}}}Set", guid=_guid("set", f"status:{status}"), name=f"Status: {status}")
        ET.SubElement(s, f"{{{QDC_NS}}}Description").text = f"Codes with status '{status}'."
        for c in members:
            ET.SubElement(s, f"{{{QDC_NS}}}MemberCode", guid=code_guid(c.id))
    ET.indent(root)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    validate_refi(xml, "qdc")
    return xml


def export_qdc(cb: Codebook, path: str | os.PathLike[str]) -> Path:
    """Write ``cb`` as a REFI-QDA codebook (``.qdc``), validated, atomically."""
    data = qdc_bytes(cb)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def import_qdc(path: str | os.PathLike[str]) -> Codebook:
    """Read a REFI-QDA ``.qdc`` (from this library or another tool) as a Codebook.

    Top-level non-codable codes become categories; codes nested in a code get
    it as parent. Descriptions written by :func:`export_qdc` restore every
    field; a plain description from another tool becomes the definition, and
    a code without a ``Code id`` line gets an id made from its name.
    """
    p = Path(path)
    if not p.is_file():
        raise CodebookError("E700", f"Codebook file not found: {p}")
    try:
        tree = ET.parse(p)
    except ET.ParseError as exc:
        raise CodebookError("E731", f"{p.name} is not well-formed XML: {exc}") from None
    root = tree.getroot()
    if root.tag != f"{{{QDC_NS}}}CodeBook":
        raise CodebookError("E731", f"{p.name} is not a REFI-QDA codebook (root element {root.tag}).")
    try:
        validate_refi(ET.tostring(root, encoding="unicode"), "qdc")
    except CodebookError as exc:
        raise CodebookError("E731", f"{p.name} does not validate against Codebook.xsd: {exc.message}") from None
    ns = {"q": QDC_NS}
    info: dict[str, Any] = {"name": p.stem, "version": "1", "description": ""}
    for s in root.findall("q:Sets/q:Set", ns):
        if s.get("name") == "twoknow codebook":
            desc = s.findtext("q:Description", default="", namespaces=ns)
            try:
                info.update(json.loads(desc))
            except json.JSONDecodeError:
                pass
    categories: list[Category] = []
    codes: list[Code] = []
    used: set[str] = set()

    def unique(cid: str) -> str:
        base, n = cid, 2
        while cid in used:
            cid = f"{base}_{n}"[:64]
            n += 1
        used.add(cid)
        return cid

    def read_code(el: ET.Element, category: str, parent: str | None) -> None:
        fields = _parse_description(el.findtext("q:Description", default="", namespaces=ns) or "")
        cid = unique(fields.pop("id", None) or _slug(el.get("name", "code")))
        history = [HistoryEntry.model_validate(json.loads(h)) for h in fields.pop("history", []) if h.strip()]
        try:
            code = Code(
                id=cid,
                label=el.get("name", cid),
                category=category,
                parent=parent,
                definition=fields.pop("definition", "") or "",
                # a code made in another tool has no status line: it is a candidate until reviewed
                status=fields.pop("status", "candidate"),
                history=history,
                **fields,
            )
        except Exception as exc:  # pydantic ValidationError: name the code, not the content
            raise CodebookError("E731", f"{p.name}: code '{el.get('name')}' cannot be read: {type(exc).__name__}") from None
        codes.append(code)
        for child in el.findall("q:Code", ns):
            read_code(child, category, code.id)

    loose: list[ET.Element] = []
    for top in root.findall("q:Codes/q:Code", ns):
        if top.get("isCodable", "true").lower() in ("false", "0"):
            desc = top.findtext("q:Description", default="", namespaces=ns) or ""
            m = _CATEGORY_LINE.search(desc)
            cat_id = unique(m.group(1) if m else _slug(top.get("name", "category")))
            cat_desc = _CATEGORY_LINE.sub("", desc).strip() if m else desc.strip()
            categories.append(Category(id=cat_id, label=top.get("name", cat_id), description=cat_desc))
            for child in top.findall("q:Code", ns):
                read_code(child, cat_id, None)
        else:
            loose.append(top)
    if loose:
        # codable top-level codes from another tool: keep them, in their own category
        cat_id = unique("uncategorised")
        categories.append(Category(id=cat_id, label="Uncategorised", description="Codes imported without a category."))
        for top in loose:
            read_code(top, cat_id, None)
    order = {cid: i for i, cid in enumerate(info.get("order") or [])}
    codes.sort(key=lambda c: order.get(c.id, len(order)))  # stable: unknown codes keep document order
    return Codebook(name=str(info["name"]), version=str(info["version"]), description=str(info.get("description") or ""),
                    categories=categories, codes=codes)


# ---------------------------------------------------------------- project (.qdpx)
def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def qdpx_project_xml(
    cb: Codebook, corpus: Corpus, codings: pd.DataFrame, *, project_name: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """Build ``project.qde`` XML and the source files it points to.

    Returns ``(xml_bytes, {zip_member_name: text})``. ``codings`` is the tidy
    table (every coder's codes); it is checked against the codebook and corpus.
    """
    from .. import __version__

    if not corpus.deidentified:
        raise CodebookError(
            "E733", "The .qdpx export takes only a de-identified corpus (run `twoknow deid` first)."
        )
    df = check_codings(codings, cb, known_ids=set(corpus.ids))
    ET.register_namespace("", QDE_NS)
    q = f"{{{QDE_NS}}}"
    now = _now()
    coders = sorted(set(df["coder"]))
    user_guid = {c: _guid("user", c) for c in coders}
    root = ET.Element(
        f"{q}Project",
        name=project_name or f"{cb.name} coding",
        origin=f"twoknow_text {__version__}",
        creationDateTime=now,
    )
    if coders:
        users = ET.SubElement(root, f"{q}Users")
        for c in coders:
            ET.SubElement(users, f"{q}User", guid=user_guid[c], name=c, id=c)
    book = ET.SubElement(root, f"{q}CodeBook")
    _code_elements(book, QDE_NS, cb)

    # variables: question, language and every metadata key that holds structured values; a
    # free-text or identifier-like column was copied by `twoknow deid`, never de-identified
    from ..deid.columns import classify_values

    meta_keys: list[str] = []
    for r in corpus:
        for k in r.metadata:
            if k not in meta_keys:
                meta_keys.append(k)
    left_out = [k for k in meta_keys if classify_values(r.metadata.get(k) for r in corpus) != "structured"]
    meta_keys = [k for k in meta_keys if k not in left_out]
    var_names = ["question_id", "language", *meta_keys]
    var_guid = {v: _guid("variable", v) for v in var_names}
    variables = ET.SubElement(root, f"{q}Variables")
    for v in var_names:
        ET.SubElement(variables, f"{q}Variable", guid=var_guid[v], name=v, typeOfVariable="Text")

    # a case per respondent, holding their answers
    by_respondent: dict[str, list[str]] = {}
    for r in corpus:
        by_respondent.setdefault(r.respondent_id or r.response_id, []).append(r.response_id)
    source_guid = {rid: _guid("source", rid) for rid in corpus.ids}
    cases = ET.SubElement(root, f"{q}Cases")
    for resp, rids in by_respondent.items():
        case = ET.SubElement(cases, f"{q}Case", guid=_guid("case", resp), name=f"respondent {resp}")
        for rid in rids:
            ET.SubElement(case, f"{q}SourceRef", targetGUID=source_guid[rid])

    # response -> coder -> codes, in table order (plain dicts: a groupby per answer is slow)
    by_answer: dict[str, dict[str, list[str]]] = {}
    for rid, coder, code in zip(df["response_id"], df["coder"], df["code"], strict=True):
        if code:
            by_answer.setdefault(rid, {}).setdefault(coder, []).append(code)
    files: dict[str, str] = {}
    sources = ET.SubElement(root, f"{q}Sources")
    for r in corpus:
        g = source_guid[r.response_id]
        src = ET.SubElement(
            sources, f"{q}TextSource", guid=g, name=r.response_id, plainTextPath=f"internal://{g}.txt", creationDateTime=now
        )
        ET.SubElement(src, f"{q}Description").text = (
            f"response_id {r.response_id}; respondent {r.respondent_id or '-'}; question {r.question_id or '-'}"
        )
        files[f"sources/{g}.txt"] = r.text
        sub = by_answer.get(r.response_id)
        if sub is not None:
            for coder in sorted(sub):
                sel = ET.SubElement(
                    src,
                    f"{q}PlainTextSelection",
                    guid=_guid("selection", f"{r.response_id}\x1f{coder}"),
                    name=f"{r.response_id} ({coder})",
                    startPosition="0",
                    endPosition=str(len(r.text)),
                    creatingUser=user_guid[coder],
                    creationDateTime=now,
                )
                for code in sub[coder]:
                    coding = ET.SubElement(
                        sel,
                        f"{q}Coding",
                        guid=_guid("coding", f"{r.response_id}\x1f{coder}\x1f{code}"),
                        creatingUser=user_guid[coder],
                        creationDateTime=now,
                    )
                    ET.SubElement(coding, f"{q}CodeRef", targetGUID=code_guid(code))
        values = {"question_id": r.question_id, "language": r.language, **r.metadata}
        for v in var_names:
            val = values.get(v)
            if val is None or (isinstance(val, float) and val != val):  # None or NaN
                continue
            vv = ET.SubElement(src, f"{q}VariableValue")
            ET.SubElement(vv, f"{q}VariableRef", targetGUID=var_guid[v])
            ET.SubElement(vv, f"{q}TextValue").text = str(val)
    ET.SubElement(root, f"{q}Description").text = (
        f"Exported by twoknow_text {__version__}: {len(corpus)} de-identified answers, "
        f"{len(coders)} coder(s), codebook {cb.name} version {cb.version}."
        + (f" Metadata left out (free text or identifiers, not de-identified): {', '.join(left_out)}."
           if left_out else "")
    )
    ET.indent(root)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    validate_refi(xml, "qde")
    return xml, files


def export_qdpx(
    cb: Codebook,
    corpus: Corpus,
    codings: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    project_name: str | None = None,
) -> Path:
    """Write a REFI-QDA project (``.qdpx`` zip: ``project.qde`` + ``sources/*.txt``).

    The corpus must be de-identified (``corpus.deidentified``), so no raw
    answer leaves the machine through this file either.
    """
    xml, files = qdpx_project_xml(cb, corpus, codings, project_name=project_name)
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", xml)
            for name, text in files.items():
                zf.writestr(name, text.encode("utf-8"))
    return Path(path)
