"""The report people read: one self-contained HTML file (and an XLSX twin).

The page opens with a summary (who coded what share of the ideas, how far the human coders
agree, what the model covered and how good it is, where the final codes came from) and a table
of contents. It needs no network: styles are inline, the chart is inline SVG, there is no
script, and a Content-Security-Policy forbids any (so text that slipped through escaping still
could not run). Every piece of contribution text is HTML-escaped, and quotes are redacted
before they are shown.

Numbers are printed one way throughout (:func:`number`): integers with thousands separators,
percentages with one decimal, statistics with two. A statistic that is not defined on the data
says so ("undefined"); a missing interval says "no interval".

Modules, bottom up: ``formats`` (printing numbers and words), ``page`` (the HTML shell and
table helpers), ``parts`` (what goes into the report), one module per section (``summary``,
``chart``, ``crosstabs``, ``reliability``, ``model``), ``workbook`` (the XLSX twin) and
``build``, which gathers the parts and assembles the page. Sections import the helpers, ``build``
imports the sections, and nothing imports back up.
"""

from coder.tables.report.build import build_report, render_html, write_report
from coder.tables.report.chart import Bar, chart_bars, svg_chart
from coder.tables.report.crosstabs import cell_quotes
from coder.tables.report.formats import esc, number, share, statistic
from coder.tables.report.model import model_facts, oof_agreement
from coder.tables.report.page import anchor
from coder.tables.report.parts import ModelFacts, ReportParts, Summary, codable_ideas
from coder.tables.report.reliability import reliability_tables
from coder.tables.report.summary import summarise
from coder.tables.report.workbook import summary_table

__all__ = [
    "Bar",
    "ModelFacts",
    "ReportParts",
    "Summary",
    "anchor",
    "build_report",
    "cell_quotes",
    "chart_bars",
    "codable_ideas",
    "esc",
    "model_facts",
    "number",
    "oof_agreement",
    "reliability_tables",
    "render_html",
    "share",
    "statistic",
    "summarise",
    "summary_table",
    "svg_chart",
    "write_report",
]
