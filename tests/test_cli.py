"""The CLI shell: coded one-line errors, usage errors, help."""

from __future__ import annotations

from twoknow_text.cli import main


def test_help_lists_every_stage(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("deid", "themes", "ls", "agreement", "adjudicate", "codebook", "report"):
        assert cmd in out


def test_unknown_command_is_a_usage_error_not_a_traceback(capsys):
    assert main(["nosuch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[E100]") and "No such command" in err and "Traceback" not in err


def test_missing_input_file_gives_coded_one_line_error(tmp_path, capsys):
    rc = main(["deid", str(tmp_path / "missing.csv"), "--text-col", "t", "--id-col", "id",
               "--out", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert err[-1].startswith("error[E001]") and "Traceback" not in "".join(err)
    assert not (tmp_path / "o.csv").exists()
