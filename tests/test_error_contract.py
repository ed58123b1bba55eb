"""The error contract of every CLI command, for the mistakes users make.

A user mistake (missing file, unknown column, bad config key, bad option
value, empty file) must give: exit status 2, exactly one
``error[Exxx]: ...`` line on stderr, no traceback, no output file written
(not even a partial or temporary one), and never the answer text: every
input here carries a unique sentinel in its answers, which must not appear
anywhere on the console.

Everything runs in-process through :func:`twoknow_text.cli.main` and fails
before any model loads, so the module is fast.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from twoknow_text.cli import main

SENTINEL = "QXZV-sentinel-4417"
ERROR_LINE = re.compile(r"^error\[E\d{3}\]: \S.*$")
#: a loopback port nobody listens on (connection refused at once, never leaves the machine)
DEAD_URL = "http://127.0.0.1:9"


@pytest.fixture()
def files(tmp_path: Path) -> Path:
    """Inputs for every case; answers carry the sentinel."""
    d = tmp_path / "in"
    d.mkdir()
    (d / "answers.csv").write_text(
        "id,answer,wave\n"
        f"1,I felt lonely in the evenings {SENTINEL},1\n"
        f"2,Fear of getting caught {SENTINEL},2\n"
        f"3,Curiosity at first {SENTINEL},1\n",
        encoding="utf-8",
    )
    (d / "no_header.csv").write_text(  # an export saved without its header row: row 1 is an answer
        f"7,I felt lonely in the evenings {SENTINEL} after work,1\n8,Fear of getting caught {SENTINEL},2\n",
        encoding="utf-8",
    )
    (d / "empty.csv").write_bytes(b"")
    (d / "header_only.csv").write_text("id,answer\n", encoding="utf-8")
    (d / "blank_answers.csv").write_text("id,answer\n1,\n2,   \n", encoding="utf-8")
    (d / "bad_deid.yaml").write_text("deid:\n  bogus_setting: 3\n", encoding="utf-8")
    (d / "bad_themes.yaml").write_text("bogus_setting: 3\n", encoding="utf-8")
    (d / "bad_read.yaml").write_text("reading:\n  bogus_setting: 3\n", encoding="utf-8")
    (d / "codings.csv").write_text(
        "response_id,coder,code,comment\n"
        f"1,ana,mot_curiosity,{SENTINEL}\n1,ben,mot_curiosity,{SENTINEL}\n"
        f"2,ana,bar_fear_of_getting_caught,{SENTINEL}\n2,ben,,{SENTINEL}\n",
        encoding="utf-8",
    )
    (d / "codings_with_text.csv").write_text(
        "response_id,coder,code,answer\n"
        f"1,ana,mot_curiosity,Curiosity at first {SENTINEL}\n1,ben,mot_curiosity,Just curious {SENTINEL}\n"
        f"2,ana,bar_guilt_shame,Guilt afterwards {SENTINEL}\n2,ben,bar_guilt_shame,Shame {SENTINEL}\n",
        encoding="utf-8",
    )
    (d / "agreement_table.csv").write_text(f"wrong,columns\n{SENTINEL},1\n", encoding="utf-8")
    (d / "bad_codebook.yaml").write_text(
        f"name: x\nversion: '1'\nbogus_key: {SENTINEL}\ncategories: []\ncodes: []\n", encoding="utf-8")
    (d / "broken.qdc").write_text(f"<CodeBook><Codes><Code name='{SENTINEL}'", encoding="utf-8")
    (d / "notes.txt").write_text(f"{SENTINEL}\n", encoding="utf-8")
    (d / "notes.txt").chmod(0o600)  # a key file readable by others only warns; keep this case about its content
    # hostile inputs
    rows = [f"R{i},Stress after work {i} {SENTINEL}" for i in range(1, 30)]
    rows[9] = f'R10,"Unclosed quote {SENTINEL}'
    (d / "unclosed.csv").write_text("id,answer\n" + "\n".join(rows) + "\n", encoding="utf-8")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 16)
    (d / "partly_utf8.csv").write_bytes(
        "id,answer\n1,käyttää\n".encode("utf-8") + f"2,caf\xe9 {SENTINEL} \xff\xfe\xfd\xfc\n".encode("latin-1"))
    (d / "deep.yaml").write_text("reading:\n  text_cols: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    (d / "deep_codebook.yaml").write_text("name: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    (d / "corrupt.parquet").write_bytes(b"PAR1" + SENTINEL.encode() * 20)
    (d / "a_folder").mkdir()
    (d / "a_folder" / "x.txt").write_text("x\n", encoding="utf-8")
    return d


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    #: files (relative to the out dir) that must not exist afterwards
    outputs: tuple[str, ...] = ()
    code: str | None = None  # expected code prefix, e.g. "E0" (range) or "E226" (exact)


ANS = ("--text-col", "answer", "--id-col", "id")

CASES = [
    # ---- deid
    Case("deid-missing-file", ("deid", "{in}/nope.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",), "E0"),
    Case("deid-unknown-column", ("deid", "{in}/answers.csv", "--text-col", "nope", "--out", "{out}/d.csv"),
         ("d.csv",), "E0"),
    Case("deid-unknown-id-column", ("deid", "{in}/answers.csv", "--text-col", "answer", "--id-col", "nope",
                                    "--out", "{out}/d.csv"), ("d.csv",), "E0"),
    Case("deid-bad-config-key", ("deid", "{in}/answers.csv", *ANS, "--config", "{in}/bad_deid.yaml",
                                 "--out", "{out}/d.csv"), ("d.csv",), "E1"),
    Case("deid-bad-reading-config-key", ("deid", "{in}/answers.csv", *ANS, "--config", "{in}/bad_read.yaml",
                                         "--out", "{out}/d.csv"), ("d.csv",), "E1"),
    Case("deid-bad-output-suffix", ("deid", "{in}/answers.csv", *ANS, "--out", "{out}/d.txt"), ("d.txt",), "E226"),
    Case("deid-missing-key-file", ("deid", "{in}/answers.csv", *ANS, "--key-file", "{in}/no.key",
                                   "--out", "{out}/d.csv"), ("d.csv",), "E223"),
    Case("deid-key-file-is-not-a-key", ("deid", "{in}/answers.csv", *ANS, "--key-file", "{in}/notes.txt",
                                        "--out", "{out}/d.csv"), ("d.csv",), "E224"),
    Case("deid-empty-file", ("deid", "{in}/empty.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",), "E0"),
    Case("deid-header-only", ("deid", "{in}/header_only.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",)),
    Case("deid-only-blank-answers", ("deid", "{in}/blank_answers.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",)),
    Case("deid-unclosed-quote", ("deid", "{in}/unclosed.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",), "E009"),
    Case("deid-binary-csv", ("deid", "{in}/binary.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",), "E005"),
    Case("deid-partly-utf8", ("deid", "{in}/partly_utf8.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",), "E024"),
    Case("deid-deep-yaml", ("deid", "{in}/answers.csv", *ANS, "--config", "{in}/deep.yaml",
                            "--out", "{out}/d.csv"), ("d.csv",), "E105"),
    Case("deid-key-file-is-a-folder", ("deid", "{in}/answers.csv", *ANS, "--key-file", "{in}/a_folder",
                                       "--out", "{out}/d.csv"), ("d.csv",), "E224"),
    Case("deid-key-file-is-a-device", ("deid", "{in}/answers.csv", *ANS, "--key-file", "/dev/zero",
                                       "--out", "{out}/d.csv"), ("d.csv",), "E224"),
    Case("deid-input-is-a-folder", ("deid", "{in}/a_folder", *ANS, "--out", "{out}/d.csv"), ("d.csv",), "E0"),
    # ---- themes
    Case("themes-missing-file", ("themes", "{in}/nope.csv", *ANS, "--out", "{out}/t"), ("t",), "E0"),
    Case("themes-unknown-column", ("themes", "{in}/answers.csv", "--text-col", "nope", "--out", "{out}/t"),
         ("t",), "E0"),
    Case("themes-bad-config-key", ("themes", "{in}/answers.csv", *ANS, "--config", "{in}/bad_themes.yaml",
                                   "--out", "{out}/t"), ("t",), "E1"),
    Case("themes-missing-model-dir", ("themes", "{in}/answers.csv", *ANS, "--model", "{in}/no-model",
                                      "--out", "{out}/t"), ("t",), "E3"),
    Case("themes-empty-file", ("themes", "{in}/empty.csv", *ANS, "--out", "{out}/t"), ("t",), "E0"),
    Case("themes-only-blank-answers", ("themes", "{in}/blank_answers.csv", *ANS, "--out", "{out}/t"), ("t",)),
    # ---- ls push / pull
    Case("ls-push-missing-file", ("ls", "push", "{in}/nope.csv", *ANS, "--project", "p", "--url", DEAD_URL,
                                  "--token", "abcdef123456")),
    Case("ls-push-not-deidentified", ("ls", "push", "{in}/answers.csv", *ANS, "--project", "p",
                                      "--url", DEAD_URL, "--token", "abcdef123456"), (), "E5"),
    Case("ls-push-server-unreachable", ("ls", "push", "{in}/answers.csv", *ANS, "--project", "p",
                                        "--i-deidentified-this-elsewhere", "--url", DEAD_URL,
                                        "--token", "abcdef123456"), (), "E5"),
    Case("ls-pull-server-unreachable", ("ls", "pull", "--project", "p", "--out", "{out}/c.csv",
                                        "--url", DEAD_URL, "--token", "abcdef123456"), ("c.csv",), "E5"),
    Case("ls-push-bad-config-key", ("ls", "push", "{in}/answers.csv", *ANS, "--project", "p", "--config",
                                    "{in}/bad_read.yaml", "--i-deidentified-this-elsewhere", "--url", DEAD_URL,
                                    "--token", "abcdef123456")),
    Case("ls-pull-bad-url", ("ls", "pull", "--project", "p", "--out", "{out}/c.csv",
                             "--url", "not a url", "--token", "abcdef123456"), ("c.csv",), "E5"),
    Case("ls-serve-token-on-command-line", ("ls", "serve", "--data-dir", "{out}/ls", "--token", "abcdef123456"),
         ("ls",), "E560"),
    Case("ls-serve-password-on-command-line", ("ls", "serve", "--data-dir", "{out}/ls", "--password", "pw123456"),
         ("ls",), "E560"),
    Case("ls-serve-missing-token-file", ("ls", "serve", "--data-dir", "{out}/ls", "--token-file", "{in}/nope.txt"),
         ("ls",), "E561"),
    Case("ls-review-push-not-deidentified", ("ls", "review", "push", "{in}/answers.csv", *ANS, "--project", "r",
                                             "--url", DEAD_URL, "--token", "abcdef123456"), (), "E241"),
    Case("ls-review-pull-missing-file", ("ls", "review", "pull", "{in}/nope.csv", *ANS, "--project", "r",
                                         "--url", DEAD_URL, "--token", "abcdef123456"), (), "E240"),
    # ---- agreement
    Case("agreement-missing-file", ("agreement", "{in}/nope.csv", "--unit-col", "response_id",
                                    "--coder-col", "coder", "--value-col", "code")),
    Case("agreement-unknown-column", ("agreement", "{in}/codings.csv", "--unit-col", "nope",
                                      "--coder-col", "coder", "--value-col", "code")),
    Case("agreement-empty-file", ("agreement", "{in}/empty.csv", "--unit-col", "response_id",
                                  "--coder-col", "coder", "--value-col", "code")),
    Case("agreement-bad-level", ("agreement", "{in}/codings.csv", "--level", "bogus")),
    Case("agreement-bad-on-unknown", ("agreement", "{in}/codings.csv", "--on-unknown", "bogus")),
    Case("agreement-out-is-a-file", ("agreement", "{in}/codings.csv", "--out", "{in}/notes.txt")),
    Case("agreement-same-column-twice", ("agreement", "{in}/codings.csv", "--unit-col", "response_id",
                                         "--coder-col", "response_id", "--value-col", "code"), (), "E025"),
    Case("agreement-corrupt-parquet", ("agreement", "{in}/corrupt.parquet"), (), "E008"),
    Case("agreement-input-is-a-folder", ("agreement", "{in}/a_folder"), (), "E002"),
    # ---- codebook
    Case("codebook-validate-missing-file", ("codebook", "validate", "{in}/nope.yaml")),
    Case("codebook-validate-bad-key", ("codebook", "validate", "{in}/bad_codebook.yaml")),
    Case("codebook-validate-empty-file", ("codebook", "validate", "{in}/empty.csv")),
    Case("codebook-validate-deep-yaml", ("codebook", "validate", "{in}/deep_codebook.yaml"), (), "E105"),
    Case("codebook-export-unknown-format", ("codebook", "export", "{cb}", "--format", "docx",
                                            "--out", "{out}/cb.docx"), ("cb.docx",), "E740"),
    Case("codebook-export-missing-codebook", ("codebook", "export", "{in}/nope.yaml", "--format", "md",
                                              "--out", "{out}/cb.md"), ("cb.md",)),
    Case("codebook-export-qdpx-without-corpus", ("codebook", "export", "{cb}", "--format", "qdpx",
                                                 "--out", "{out}/p.qdpx"), ("p.qdpx",), "E741"),
    Case("codebook-export-qdpx-raw-corpus", ("codebook", "export", "{cb}", "--format", "qdpx",
                                             "--out", "{out}/p.qdpx", "--corpus", "{in}/answers.csv",
                                             "--codings", "{in}/codings.csv", *ANS), ("p.qdpx",)),
    Case("codebook-import-broken-qdc", ("codebook", "import", "{in}/broken.qdc", "--out", "{out}/cb.yaml"),
         ("cb.yaml",)),
    Case("codebook-revise-bad-table", ("codebook", "revise", "{cb}", "--agreement", "{in}/agreement_table.csv",
                                       "--out", "{out}/r.yaml"), ("r.yaml", "r.revision.csv")),
    # ---- report
    Case("report-missing-codings", ("report", "--codings", "{in}/nope.csv", "--corpus", "{in}/answers.csv",
                                    "--out", "{out}/rep", *ANS), ("rep",)),
    Case("report-raw-corpus", ("report", "--codings", "{in}/codings.csv", "--corpus", "{in}/answers.csv",
                               "--out", "{out}/rep", *ANS), ("rep",), "E2"),
    Case("report-bad-config-key", ("report", "--codings", "{in}/codings.csv", "--corpus", "{in}/answers.csv",
                                   "--out", "{out}/rep", "--config", "{in}/bad_read.yaml", *ANS), ("rep",), "E1"),
    Case("report-unknown-column", ("report", "--codings", "{in}/codings.csv", "--corpus", "{in}/answers.csv",
                                   "--out", "{out}/rep", "--text-col", "nope", "--id-col", "id"), ("rep",)),
    Case("report-confidence-above-one", ("report", "--codings", "{in}/codings.csv", "--corpus",
                                         "{in}/answers.csv", "--out", "{out}/rep", "--confidence", "1.5", *ANS),
         ("rep",), "E106"),
    Case("report-empty-codings", ("report", "--codings", "{in}/empty.csv", "--corpus", "{in}/answers.csv",
                                  "--out", "{out}/rep", *ANS), ("rep",)),
]

#: option values rejected by click/typer before our code runs (`cli.main` formats those)
USAGE_CASES = [
    Case("deid-bad-format-value", ("deid", "{in}/answers.csv", *ANS, "--format", "bogus", "--out", "{out}/d.csv"),
         ("d.csv",)),
    Case("themes-seed-not-a-number", ("themes", "{in}/answers.csv", *ANS, "--seed", "abc", "--out", "{out}/t"),
         ("t",)),
    Case("ls-push-zero-coders", ("ls", "push", "{in}/answers.csv", *ANS, "--project", "p", "-k", "0",
                                 "--url", DEAD_URL, "--token", "abcdef123456")),
    Case("codebook-revise-threshold-not-a-number", ("codebook", "revise", "{cb}", "--agreement",
                                                    "{in}/codings.csv", "--threshold", "high",
                                                    "--out", "{out}/r.yaml"), ("r.yaml",)),
    Case("unknown-option", ("deid", "{in}/answers.csv", *ANS, "--no-such-option", "--out", "{out}/d.csv"),
         ("d.csv",)),
]


def _run(case: Case, files: Path, out: Path, capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    from twoknow_text.codebook import default_codebook_path

    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    argv = [a.format(**{"in": files, "out": out, "cb": default_codebook_path()}) for a in case.argv]
    try:
        rc = main(argv)
    except BaseException as exc:  # noqa: BLE001
        pytest.fail(f"{case.id}: uncaught {type(exc).__name__} (a traceback for the user):\n"
                    + "".join(traceback.format_exception(exc))[-3000:], pytrace=False)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _check(case: Case, files: Path, tmp_path: Path, capsys, monkeypatch, *, coded: bool = True) -> str:
    out = tmp_path / "out"
    out.mkdir()
    before = sorted(p.name for p in files.iterdir())
    rc, stdout, stderr = _run(case, files, out, capsys, monkeypatch)
    console = stdout + stderr
    assert rc == 2, f"exit {rc}; stderr: {stderr[-800:]}"
    assert "Traceback" not in console
    assert SENTINEL not in console, "answer text reached the console"
    # nothing written: no output, no partial or temporary file, inputs untouched
    assert [p.name for p in out.iterdir()] == [], f"left behind: {[p.name for p in out.iterdir()]}"
    assert sorted(p.name for p in files.iterdir()) == before
    if coded:
        lines = [ln for ln in stderr.splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("error[")]
        assert len(errors) == 1, f"expected one error line, got: {stderr[-800:]}"
        assert ERROR_LINE.match(errors[0]), errors[0]
        if case.code:
            assert errors[0].startswith(f"error[{case.code}"), errors[0]
        return errors[0]
    return stderr


def _registered(case: Case) -> None:
    """The command under test exists: a command that disappeared is a failure, not a skip."""
    from twoknow_text.cli import app
    import typer.main

    group = typer.main.get_command(app)
    name = case.argv[0]
    assert name in getattr(group, "commands", {}), f"`twoknow {name}` is not a command any more"


def _params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id) for c in cases]


@pytest.mark.parametrize("case", _params(CASES))
def test_user_mistake_gives_one_coded_line(case: Case, files: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    _registered(case)
    _check(case, files, tmp_path, capsys, monkeypatch)


def test_a_missing_command_fails_the_contract() -> None:
    """The guard above really fails (not xfails) for a command that is not registered."""
    with pytest.raises(AssertionError, match="not a command any more"):
        _registered(Case("gone", ("no-such-command",)))


@pytest.mark.parametrize("case", _params(USAGE_CASES))
def test_bad_option_value_is_coded_too(case: Case, files: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    """Values click/typer rejects before our code runs: `cli.main` turns them into one coded line as well."""
    _check(case, files, tmp_path, capsys, monkeypatch)


def test_error_message_names_the_column_not_the_text(files: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    line = _check(CASES[1], files, tmp_path, capsys, monkeypatch)
    assert "'nope'" in line and "answer" in line  # names what is wrong and what exists


@pytest.mark.parametrize("extra", [(), ("--multi-label",), ("--multi-label", "--codebook", "{cb}", "--on-unknown",
                                                             "record"), ("--codebook", "{cb}", "--on-unknown", "error")],
                         ids=["nominal", "multi-label", "multi-label-record-unknown", "nominal-error-unknown"])
def test_agreement_never_echoes_values_of_a_wrong_value_column(extra, files: Path, tmp_path: Path, capsys,
                                                                 monkeypatch) -> None:
    """A realistic slip: --value-col pointed at the answer text. Whatever happens, the text stays off the console."""
    case = Case("agreement-text-as-value", ("agreement", "{in}/codings_with_text.csv", "--unit-col", "response_id",
                                            "--coder-col", "coder", "--value-col", "answer", *extra))
    _registered(case)
    rc, stdout, stderr = _run(case, files, tmp_path, capsys, monkeypatch)
    assert rc in (0, 2)
    assert "Traceback" not in stdout + stderr
    assert SENTINEL not in stdout + stderr, "answer text reached the console"


HEADERLESS = [
    Case("deid-headerless-named-column", ("deid", "{in}/no_header.csv", *ANS, "--out", "{out}/d.csv"), ("d.csv",),
         "E0"),
    Case("deid-headerless-no-text-col", ("deid", "{in}/no_header.csv", "--out", "{out}/d.csv"), ("d.csv",), "E0"),
    Case("themes-headerless-named-column", ("themes", "{in}/no_header.csv", *ANS, "--out", "{out}/t"), ("t",), "E0"),
]


@pytest.mark.parametrize("case", _params(HEADERLESS))
def test_headerless_file_error_does_not_show_the_first_answer(case: Case, files: Path, tmp_path: Path, capsys,
                                                              monkeypatch) -> None:
    _check(case, files, tmp_path, capsys, monkeypatch)
