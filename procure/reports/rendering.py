"""One template, two outputs: the report as an HTML page and as a PDF (WeasyPrint)."""

from django.template.loader import render_to_string

from .models import ReportSnapshot
from .presentation import report_context


def render_html(report: ReportSnapshot, *, standalone: bool = True) -> str:
    """The report as HTML: a whole document (for the PDF) or the body for a web page."""
    context = report_context(report.snapshot, report.content_hash, report.title)
    template = "reports/report_document.html" if standalone else "reports/report_body.html"
    return render_to_string(template, context)


def render_pdf(report: ReportSnapshot) -> bytes:
    """The report as PDF. Deterministic: the same snapshot always gives the same bytes."""
    from weasyprint import HTML  # imported on use: it loads Pango, which web requests rarely need

    return bytes(HTML(string=render_html(report), base_url=None).write_pdf())
