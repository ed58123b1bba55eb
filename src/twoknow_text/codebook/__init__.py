"""Codebook stage: typed codes under factor categories, YAML I/O, candidate
codes from themes, revision from agreement, and exports (Markdown, CSV,
REFI-QDA ``.qdc``/``.qdpx``).

>>> from twoknow_text.codebook import load_codebook
>>> cb = load_codebook()          # the bundled 2KNOW default
>>> cb.get("bar_help_seeking").category
'barriers'
"""

from ._codings import CODING_COLUMNS, check_codings, read_codings, simulated_codings_path
from ._io import codebook_from_dict, codebook_to_dict, default_codebook_path, load_codebook, save_codebook
from ._markdown import codebook_markdown, codebook_table, export_csv, export_markdown
from ._model import DEFAULT_CATEGORIES, STATUSES, Category, Code, Codebook, HistoryEntry, Status
from ._refi import code_guid, export_qdc, export_qdpx, import_qdc, validate_refi
from ._revise import DEFAULT_THRESHOLD, final_codebook, read_agreement, revise_codebook, revision_table
from ._themes import (
    CategorySuggestion,
    codes_from_themes,
    merge_codes,
    read_themes,
    rename_code,
    set_status,
    split_code,
    suggest_categories,
)

__all__ = [
    # model
    "Category",
    "Code",
    "Codebook",
    "HistoryEntry",
    "Status",
    "STATUSES",
    "DEFAULT_CATEGORIES",
    # files
    "load_codebook",
    "save_codebook",
    "default_codebook_path",
    "codebook_from_dict",
    "codebook_to_dict",
    # themes -> codes, edits
    "CategorySuggestion",
    "read_themes",
    "suggest_categories",
    "codes_from_themes",
    "rename_code",
    "merge_codes",
    "split_code",
    "set_status",
    # agreement -> revision
    "DEFAULT_THRESHOLD",
    "read_agreement",
    "revision_table",
    "revise_codebook",
    "final_codebook",
    # codings
    "CODING_COLUMNS",
    "read_codings",
    "check_codings",
    "simulated_codings_path",
    # exports
    "codebook_markdown",
    "codebook_table",
    "export_markdown",
    "export_csv",
    "export_qdc",
    "import_qdc",
    "export_qdpx",
    "validate_refi",
    "code_guid",
]
