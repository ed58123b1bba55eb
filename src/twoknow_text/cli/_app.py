"""The Typer application object shared by the command modules."""

import typer

app = typer.Typer(
    name="twoknow",
    help="Offline qualitative coding and topic modelling of free-text survey answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
