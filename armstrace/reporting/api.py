"""Report endpoints under /api/v1/reports.

`GET /reports/national?start=&end=&language=&format=` gives the national report as a file;
the generation is audited like the page's.
"""

# No `from __future__ import annotations`: see armstrace/accounts/api.py.

import datetime as dt

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from armstrace.accounts.api import caller, requires
from armstrace.reporting import services
from armstrace.reporting.choices import ReportFormat
from armstrace.reporting.permissions import REPORT_GENERATE
from armstrace.reporting.views import attachment

router = Router(tags=["reporting"])


class NationalReportQuery(Schema):
    start: dt.date = Field(description="First day of the period (ISO date)")
    end: dt.date = Field(description="Last day of the period, inclusive")
    language: str = Field("en", max_length=8, description="One of the six UN languages")
    format: ReportFormat = ReportFormat.JSON


@router.get("/national")
@requires(REPORT_GENERATE)
def national_report(request: HttpRequest, query: Query[NationalReportQuery]) -> HttpResponse:
    """The national report on the ITI and the PoA for the period, in the language asked, as
    PDF, XLSX or JSON (schema armstrace.national-report/1)."""
    period = services.check_period(query.start, query.end)
    report = services.generate_national_report(
        actor=caller(request), period=period, language=query.language, fmt=query.format.value
    )
    return attachment(report.content, report.content_type, report.file_name)
