"""HTML pages from jinja2 templates: autoescaping on, one stylesheet, one palette.

Every HTML report (the themes report, the final coding report) is a template
in ``twoknow_text/templates/`` extending ``base.html.j2``, styled by the one
``report.css`` and coloured by :data:`PALETTE`. Autoescaping is on for every
template, so any text from the data is escaped unless it is explicitly
marked safe; only two things are: plotly's own JavaScript and the figure
``<div>``\\ s plotly renders (:func:`figure_html`), whose labels the callers
escape before plotting (plotly renders a subset of HTML inside labels).
Pages are self-contained: the stylesheet and plotly.js are inlined, nothing
is loaded from the network.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

__all__ = ["PALETTE", "figure_html", "render_page", "stylesheet"]

#: The colours of every report (D3's category10): categories, themes, coders.
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F", "#BCBD22",
           "#17BECF")

_TEMPLATES = Path(__file__).resolve().parent / "templates"


@functools.lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    """The one stylesheet of the reports (``templates/report.css``)."""
    return (_TEMPLATES / "report.css").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def figure_html(fig: Any, div_id: str | None = None) -> Any:
    """A plotly figure as a ``<div>`` (no plotly.js: the page inlines it once), marked safe."""
    import plotly.io as pio
    from markupsafe import Markup

    return Markup(pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id,
                              config={"displaylogo": False, "responsive": True}))


def render_page(template: str, *, title: str, plotly: bool = True, **context: Any) -> str:
    """Render ``templates/<template>`` with ``title`` and ``context``; plotly.js inlined once when ``plotly``."""
    from markupsafe import Markup

    page = _environment().get_template(template)
    return page.render(title=title, stylesheet=Markup(stylesheet()),
                       plotly_js=Markup(_plotly_js()) if plotly else None, **context)
