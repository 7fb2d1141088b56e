"""Small Tables made by hand, to test the pages and charts apart from the figures' SQL."""
from __future__ import annotations

from datetime import date

from peer_support.reports.tables import Column, Table

MONTHS = (date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1))

# Stacked bars along months: 2+1, 0+0, 4+2 referrals.
REFERRALS = Table(
    key="new_referrals_by_month", title="New referrals by month",
    description="Referrals created each month, by source.",
    columns=(Column("month", "Month", "month"), Column("staff", "By staff"), Column("self", "Self-referral")),
    rows=((MONTHS[0], 2, 1), (MONTHS[1], 0, 0), (MONTHS[2], 4, 2)),
    chart="stacked_bar", x="month", series=("staff", "self"))

# A line of percentages with a month without value.
GAP_SHARE = Table(
    key="contact_gap_share", title="Contact gap share", description="Share of active accompaniments over their gap.",
    columns=(Column("month", "Month", "month"), Column("share", "Share", "percent")),
    rows=((MONTHS[0], 37.5), (MONTHS[1], None), (MONTHS[2], 50.0)),
    chart="line", x="month", series=("share",))

# Grouped horizontal bars by worker (text categories), one name needing CSV escaping.
CASELOAD = Table(
    key="caseload_against_capacity", title="Caseload against capacity", description="Per peer worker.",
    columns=(Column("worker", "Peer worker", "text"), Column("caseload", "Caseload"), Column("capacity", "Capacity")),
    rows=(("Alice Martin", 8, 12), ("=Bob", 3, 10)),
    chart="bar", x="worker", series=("caseload", "capacity"))

# No chart: one row of figures.
DELAYS = Table(
    key="time_to_first_meeting", title="Time to first meeting", description="Days from referral to first meeting.",
    columns=(Column("referrals", "Referrals"), Column("median", "Median (days)", "days"),
             Column("p90", "90th percentile (days)", "days")),
    rows=((5, 3.5, 12.0),), chart="none", notes=("Nearest-rank percentile.",))

EMPTY = Table(key="topics_addressed", title="Topics addressed", description="Held meetings per topic.",
              columns=(Column("topic", "Topic", "text"), Column("meetings", "Meetings")), rows=(), x="topic")
