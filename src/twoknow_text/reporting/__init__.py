"""Final outputs: respondent-level frequency tables with Wilson intervals, by
subgroup, code co-occurrence, CSV files and one self-contained HTML report.

>>> from twoknow_text.reporting import wilson_interval
>>> [round(float(x), 4) for x in wilson_interval(15, 148)]
[0.0624, 0.1605]
"""

from ._html import render_html
from ._stats import wilson_interval
from ._tables import CodingSource, FrequencyReport, adjudicated_codings, frequency_report, select_codes
from ._write import read_deidentified, report_files, write_report

__all__ = [
    "wilson_interval",
    "CodingSource",
    "FrequencyReport",
    "frequency_report",
    "select_codes",
    "adjudicated_codings",
    "render_html",
    "write_report",
    "report_files",
    "read_deidentified",
]
