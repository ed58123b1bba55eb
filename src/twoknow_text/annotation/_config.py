"""The Label Studio labelling config, generated from the codebook.

The layout (question above the answer, flags, comment box, style) is a
template file, ``templates/labelling_layout.xml`` (repository copy in
``annotation/``); the code groups are generated from the codebook, one
multi-select ``Choices`` per factor category. Codes are shown by label and
stored by id (``alias``), so exports carry stable code ids.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LabelStudioError

if TYPE_CHECKING:  # pragma: no cover
    from ..codebook import Codebook

__all__ = [
    "labelling_config",
    "layout_path",
    "coder_guide_html",
    "FIXED_CONTROLS",
    "TEXT_CONTROL",
    "PII_CONTROL",
    "NEW_CODE_CONTROL",
    "COMMENT_CONTROL",
    "PII_YES",
]

TEXT_CONTROL = "text"
QUESTION_CONTROL = "question"
PII_CONTROL = "residual_pii"
NEW_CODE_CONTROL = "new_code"
COMMENT_CONTROL = "comment"
PII_YES = "yes"
#: Names the layout owns; a category id may not reuse them.
FIXED_CONTROLS = (TEXT_CONTROL, QUESTION_CONTROL, PII_CONTROL, NEW_CODE_CONTROL, COMMENT_CONTROL)


def layout_path() -> Path:
    """The packaged layout template (``annotation/labelling_layout.xml`` in the repository)."""
    return Path(str(resources.files("twoknow_text.annotation") / "templates" / "labelling_layout.xml"))


def coder_guide_html() -> str:
    """The packaged coder guide (``annotation/coder_guide.md``) as HTML, for the project's instructions."""
    from markdown_it import MarkdownIt  # a dependency of rich, always installed with typer

    md = (resources.files("twoknow_text.annotation") / "templates" / "coder_guide.md").read_text(encoding="utf-8")
    return MarkdownIt("commonmark", {"html": False}).render(md)


def _static(value: str) -> str:
    # Label Studio reads "$name" in a value attribute as a task-data variable;
    # a full-width dollar sign keeps static text static.
    return " ".join(value.split()).replace("$", "\uff04")


def _replace_marker(root: ET.Element, tag: str, new: list[ET.Element]) -> None:
    for parent in root.iter():
        for i, child in enumerate(list(parent)):
            if child.tag == tag:
                parent.remove(child)
                for j, el in enumerate(new):
                    parent.insert(i + j, el)
                return
    raise LabelStudioError("E541", f"The labelling layout has no <{tag}/> marker.")


def labelling_config(
    codebook: Codebook,
    question_texts: Mapping[str, str] | None = None,
    *,
    layout: str | Path | None = None,
    include_candidates: bool = True,
) -> str:
    """Label Studio XML for coding answers with ``codebook``.

    One multi-select ``Choices`` group per category (control name = category
    id), one ``Choice`` per code: shown as its label, stored as its id, its
    definition as the hover hint. Retired codes are left out; candidate codes
    are shown with "(candidate)" unless ``include_candidates`` is False.
    ``question_texts`` (question_id → wording) adds a reference list of the
    survey's questions below the form; each task still shows its own
    question (task field ``question``) above the answer.

    The result is parsed back with ElementTree and checked for unique control
    names before it is returned.

    >>> from twoknow_text.codebook import load_codebook
    >>> xml = labelling_config(load_codebook())  # doctest: +SKIP
    """
    src = Path(layout) if layout is not None else layout_path()
    try:
        root = ET.fromstring(src.read_text(encoding="utf-8"))
    except (OSError, ET.ParseError) as exc:
        raise LabelStudioError("E541", f"Cannot read the labelling layout {src.name}: {type(exc).__name__}.") from None

    groups: list[ET.Element] = []
    for cat in codebook.categories:
        if cat.id in FIXED_CONTROLS:
            raise LabelStudioError(
                "E540", f"Category id '{cat.id}' clashes with a fixed control name ({', '.join(FIXED_CONTROLS)})."
            )
        codes = [
            c
            for c in codebook.codes_in(cat.id)
            if c.status != "retired" and (include_candidates or c.status != "candidate")
        ]
        if not codes:
            continue
        view = ET.Element("View", {"className": "twoknow-category"})
        ET.SubElement(view, "Header", {"value": _static(cat.label), "size": "5"})
        choices = ET.SubElement(
            view,
            "Choices",
            {"name": cat.id, "toName": TEXT_CONTROL, "choice": "multiple", "showInline": "false"},
        )
        for code in codes:
            label = code.label + (" (candidate)" if code.status == "candidate" else "")
            ET.SubElement(
                choices, "Choice", {"value": _static(label), "alias": code.id, "hint": _static(code.definition)}
            )
        groups.append(view)
    if not groups:
        raise LabelStudioError("E542", f"Codebook '{codebook.name}' has no usable codes for the labelling config.")
    _replace_marker(root, "CodeGroups", groups)

    qlist: list[ET.Element] = []
    if question_texts:
        view = ET.Element("View", {"className": "twoknow-questions"})
        ET.SubElement(view, "Header", {"value": "All questions in this survey", "size": "6"})
        for qid, wording in question_texts.items():
            ET.SubElement(view, "Header", {"value": _static(f"{qid}: {wording}"), "size": "6"})
        qlist.append(view)
    _replace_marker(root, "QuestionList", qlist)

    xml = ET.tostring(root, encoding="unicode")
    _validate(xml)
    return xml


def _validate(xml: str) -> None:
    """Parse ``xml`` back and check what Label Studio checks cheaply: unique names, known toName."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:  # pragma: no cover  (ElementTree wrote it)
        raise LabelStudioError("E543", f"Generated labelling config is not well-formed XML: {exc}.") from None
    names = [el.get("name") for el in root.iter() if el.get("name")]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise LabelStudioError("E543", f"Labelling config has duplicate control names: {', '.join(dupes)}.")
    for el in root.iter():
        to = el.get("toName")
        if to and to not in names:
            raise LabelStudioError("E543", f"Control '{el.get('name')}' points to unknown toName '{to}'.")
