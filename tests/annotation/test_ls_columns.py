"""`ls push` sends only columns that `twoknow deid` de-identified, and structured metadata (real server)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd
import pytest

from twoknow_text.annotation import push
from twoknow_text.annotation._push import find_project
from twoknow_text.cli import main
from twoknow_text.errors import LabelStudioError
from twoknow_text.records import Corpus, Response

pytestmark = pytest.mark.labelstudio

NOTE = "my psychologist said it would help to write it down"
MAIL = "someone@example.org"


@pytest.fixture(scope="module")
def deid_file(tmp_path_factory) -> Path:
    from twoknow_text.deid import deidentify_file

    d = tmp_path_factory.mktemp("cols")
    src = d / "raw.csv"
    pd.DataFrame({
        "rid": ["R1", "R2", "R3"],
        "answer": ["I felt lonely most evenings.", "Curiosity at first, then a habit.", "Fear of getting caught."],
        "age_group": ["18-24", "25-34", "18-24"],
        "comment": [NOTE, "", "no"],
        "contact": [MAIL, "", ""],
    }).to_csv(src, index=False)
    out = d / "deid.csv"
    deidentify_file(src, out, text_cols=["answer"], id_col="rid")
    return out


def _title(tag: str) -> str:
    return f"cols-{tag}-{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    ("args", "code", "column"),
    [
        (["--text-col", "comment"], "E563", "comment"),
        (["--text-col", "answer", "--meta", "comment"], "E564", "comment"),
        (["--text-col", "answer", "--meta", "age_group", "--meta", "contact"], "E564", "contact"),
        (["--text-col", "answer", "--question-col", "comment"], "E564", "comment"),
    ],
)
def test_cli_refuses_columns_that_were_not_deidentified(ls_server, ls_client, deid_file, args, code, column, capsys):
    title = _title("refused")
    rc = main(["ls", "push", str(deid_file), "--id-col", "rid", *args, "--project", title,
               "--url", ls_server.url, "--token", ls_server.token])
    err = capsys.readouterr().err
    assert rc == 2 and f"error[{code}]" in err and f"'{column}'" in err
    assert NOTE not in err and MAIL not in err
    assert find_project(ls_client, title) is None  # refused before anything reached Label Studio


def test_cli_pushes_structured_metadata(ls_server, ls_client, deid_file, capsys):
    title = _title("ok")
    assert main(["ls", "push", str(deid_file), "--text-col", "answer", "--id-col", "rid", "--meta", "age_group",
                 "--project", title, "--url", ls_server.url, "--token", ls_server.token]) == 0
    pid = int(find_project(ls_client, title).id)
    data = [t.data for t in ls_client.tasks.list(project=pid, fields="all")]
    assert sorted(d["age_group"] for d in data) == ["18-24", "18-24", "25-34"]
    assert not any("comment" in d or "contact" in d for d in data)
    exported = json.dumps(data)
    assert NOTE not in exported and MAIL not in exported


def test_library_push_applies_the_same_checks(ls_client, deid_file, tmp_path):
    with pytest.raises(LabelStudioError) as ei:
        push(deid_file, _title("lib"), client=ls_client, text_cols=["comment"], id_col="rid")
    assert ei.value.code == "E563"
    with pytest.raises(LabelStudioError) as ei:
        push(deid_file, _title("lib"), client=ls_client, text_cols=["answer"], id_col="rid", meta_cols=["comment"])
    assert ei.value.code == "E564"
    # an in-memory corpus has no manifest: its metadata is judged by its values
    corpus = Corpus([Response(response_id=f"r{i}", text="I felt lonely.", metadata={"note": NOTE, "wave": 1})
                     for i in range(3)], deidentified=True)
    with pytest.raises(LabelStudioError) as ei:
        push(corpus, _title("mem"), client=ls_client, meta_cols=["note"])
    assert ei.value.code == "E564" and NOTE not in ei.value.message
    # a manifest from before the column record: de-identify again
    old = tmp_path / "old.csv"
    old.write_bytes(deid_file.read_bytes())
    manifest = json.loads(deid_file.with_name(deid_file.name + ".manifest.json").read_text(encoding="utf-8"))
    del manifest["columns"]
    old.with_name("old.csv.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(LabelStudioError) as ei:
        push(old, _title("old"), client=ls_client, text_cols=["answer"], id_col="rid")
    assert ei.value.code == "E565"
