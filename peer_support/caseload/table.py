"""The caseload table's rows, written by one function rather than by a Jinja loop (as the dashboard's tables are,
reports/charts.py): each row's two dozen lookups, calls and escapes cost ~60 µs in the template, a fifth of the
page's time, and the caseload is the page a peer worker opens most (issue 9 measures its throughput)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import url_for
from flask_babel import get_translations
from flask_babel import gettext as _
from markupsafe import Markup, escape

from peer_support.caseload.services import CaseloadRow
from peer_support.i18n import date_writer, datetime_writer, translated
from peer_support.main.context import url_for_each
from peer_support.people.labels import CONTACT_CHANNEL_LABELS, FOLLOW_UP_LABELS
from peer_support.triage.labels import STATUS_LABELS


def table_rows(rows: Iterable[CaseloadRow], *, now: datetime, actions: bool) -> Markup:
    """One <tr> per person: name and code, status (with the review date of a pause), last meeting (how long ago,
    or when the accompaniment was accepted), next planned meeting, contact preference, follow-up choice and, for
    the worker (`actions`), the links to log or plan a meeting and to the person's consents and questionnaires.
    Every value from the database is escaped; the page's own words are the catalogue's, trusted as the template
    trusts them (Jinja's gettext marks them safe)."""
    statuses, channels, follow_ups = (translated(labels) for labels in
                                      (STATUS_LABELS, CONTACT_CHANNEL_LABELS, FOLLOW_UP_LABELS))
    no_meeting_yet, not_chosen_yet = _("No meeting yet"), _("Not chosen yet")
    # Looked up once for the table (Flask-Babel's ngettext and the date filters look them up for each value).
    translations, write_date, write_datetime = get_translations(), date_writer(), datetime_writer()
    if actions:
        quick_log, plan = url_for("meetings.quick_log"), url_for("meetings.create")
        consents, invitations = (url_for_each("research.person_consents", "person_id"),
                                 url_for_each("feedback.person_invitations", "person_id"))
        words = _("Quick log"), _("Plan a meeting"), _("Research consents"), _("Questionnaires")
    written = []
    for row in rows:
        name = str(escape(row.display_name))
        status = str(escape(statuses[row.status]))
        if row.status == "on_hold" and row.review_on:
            review = _("review on %(date)s", date=escape(write_date(row.review_on)))
            status += f'<br><span class="small">{review}</span>'
        if row.last_meeting_at:
            days = row.days_since_last_meeting(now)
            ago = translations.ngettext("%(num)d day ago", "%(num)d days ago", days) % {"num": days}
            last = f'{escape(write_date(row.last_meeting_at))}<br><span class="small">{ago}</span>'
        else:
            last, days = no_meeting_yet, row.days_since_accepted(now)
            if days is not None:
                accepted = translations.ngettext("accepted %(num)d day ago", "accepted %(num)d days ago",
                                                 days) % {"num": days}
                last += f'<br><span class="small">{accepted}</span>'
        contact = str(escape(channels[row.contact_channel]))
        if detail := {"phone": row.phone, "email": row.email}.get(row.contact_channel):
            contact += f'<br><span class="small">{escape(detail)}</span>'
        html = (f'<tr><th scope="row">{name} <span class="text-body-secondary small">({escape(row.code)})</span></th>'
                f"<td>{status}</td><td>{last}</td>"
                f"<td>{escape(write_datetime(row.next_meeting_at)) if row.next_meeting_at else '—'}</td>"
                f"<td>{contact}</td>"
                f"<td>{escape(follow_ups[row.follow_up_choice]) if row.follow_up_choice else not_chosen_yet}</td>")
        if actions:
            person = int(row.person_id)
            hidden = f'<span class="visually-hidden"> — {name}</span></a>'
            html += ('<td class="text-nowrap">'
                     f'<a class="btn btn-sm btn-outline-primary" href="{quick_log}?person={person}">{words[0]}{hidden}'
                     f'<a class="btn btn-sm btn-outline-secondary" href="{plan}?person={person}">{words[1]}{hidden}'
                     f'<a class="btn btn-sm btn-link" href="{consents(person)}">{words[2]}{hidden}'
                     f'<a class="btn btn-sm btn-link" href="{invitations(person)}">{words[3]}{hidden}</td>')
        written.append(html + "</tr>")
    # Every value from the database is escaped above; the rest is the page's markup and the catalogue's words.
    return Markup(  # nosec B704
        "\n".join(written))
