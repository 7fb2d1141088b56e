"""The REFI-QDA project export (.qdpx), which NVivo, ATLAS.ti, MAXQDA and QualCoder import.

A zip holding `project.qde` (QDA-XML, namespace urn:QDA-XML:project:1.0, valid against Project-mrt2019.xsd)
and `Sources/<GUID>.txt`: one text source per free-text answer, UTF-8 with LF line endings, named
"<pseudonym> — <question key> — <day>" (the day tells apart two answers of one person); the text equals the
masked answer (CR LF and CR become LF). The code book has one code per question, and each source's whole text
is already coded with its question's code, so researchers can start by question. One case per participant,
with the studies' participants' characteristics as variables and references to their sources.

GUIDs are derived from the keyed pseudonym hash (never random, never a database id), and no date is written,
so two exports of the same data are byte-for-byte identical and can be compared.

Memory stays flat: responses and participants are streamed in batches; each text goes straight into the zip,
and the <Sources> part is written to a temporary file while it is built (the schema wants <Cases> before
<Sources>); a case finds its sources' GUIDs again from their answers (same keyed hash).
"""
from __future__ import annotations

import hashlib
import hmac
import re
import tempfile
import uuid
import zipfile
from collections import defaultdict
from datetime import datetime
from typing import IO
from xml.sax.saxutils import XMLGenerator  # nosec B406 # writes XML; nothing here parses any

from peer_support.feedback.models import FeedbackForm
from peer_support.research import dataset
from peer_support.research.pseudonyms import pseudonym_key

NAMESPACE = "urn:QDA-XML:project:1.0"
TEXT_KINDS = dataset.TEXT_KINDS
# The zip entries' date: fixed, so that two exports of the same data are identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Characters XML 1.0 cannot carry (controls other than tab, LF, CR).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Case variables: (attribute of dataset.Participant, variable name, REFI type).
SERVICE_USER_VARIABLES = (("units", "Unit", "Text"), ("gender", "Gender", "Text"), ("age_band", "Age band", "Text"),
                          ("meeting_formats", "Meeting formats", "Text"),
                          ("held_meetings", "Number of meetings", "Integer"),
                          ("months_accompanied", "Months accompanied", "Integer"))
STAFF_VARIABLES = (("profession", "Profession", "Text"), ("gender", "Gender", "Text"),
                   ("age_band", "Age band", "Text"), ("years_of_experience", "Years of experience", "Text"))


def line_feeds(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _xml_text(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


class _Guids:
    """Deterministic GUIDs: a keyed hash of the form and what the GUID names."""

    def __init__(self, form: FeedbackForm):
        self.key = pseudonym_key()
        self.prefix = f"qdpx:{form.id}:"

    def __call__(self, *parts) -> str:
        digest = hmac.new(self.key, (self.prefix + ":".join(map(str, parts))).encode(), hashlib.sha256).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))


def write_qdpx(form: FeedbackForm, target: IO[bytes], *, now: datetime,
               known_words: frozenset[str] | None = None) -> int:
    """Write the form's .qdpx into `target` (a binary file); returns how many responses it holds."""
    guid = _Guids(form)
    entries = dataset.dictionary(form)
    code_of: dict[str, str] = {}
    for entry in entries:
        code_of.setdefault(entry.key, guid("code", entry.key))
    count = sources = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as sources_xml:
        writer = XMLGenerator(sources_xml, encoding="utf-8", short_empty_elements=True)
        text_keys = {entry.key for entry in entries if entry.kind in TEXT_KINDS}
        for response in dataset.research_responses(form, known_words=known_words):
            count += 1
            for key, value in response.answers.items():
                if key not in text_keys or not isinstance(value, str) or not value:
                    continue
                text = line_feeds(value)
                source_guid = guid("source", response.answer_ids[key])
                info = zipfile.ZipInfo(f"Sources/{source_guid}.txt", date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("utf-8"))
                # The day tells apart the answers of someone who answered the form more than once.
                name = f"{response.pseudonym} — {key} — {response.submitted_on.isoformat()}"
                _write_source(writer, guid, source_guid, name, text, code_of[key])
                sources += 1
        sources_xml.flush()
        sources_xml.seek(0)
        info = zipfile.ZipInfo("project.qde", date_time=ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as project:
            _write_project(project, form, guid, entries, code_of, sources, sources_xml, now=now)
    return count


def _write_source(out: XMLGenerator, guid, source_guid: str, name: str, text: str, code_guid: str) -> None:
    out.startElement("TextSource", {"guid": source_guid, "name": _xml_text(name),
                                    "plainTextPath": f"internal://{source_guid}.txt"})
    out.startElement("PlainTextSelection", {"guid": guid("selection", source_guid), "name": _xml_text(name),
                                            "startPosition": "0", "endPosition": str(len(text))})
    out.startElement("Coding", {"guid": guid("coding", source_guid)})
    out.startElement("CodeRef", {"targetGUID": code_guid})
    out.endElement("CodeRef")
    out.endElement("Coding")
    out.endElement("PlainTextSelection")
    out.endElement("TextSource")


def _element(out: XMLGenerator, name: str, attributes: dict | None = None, text: str | None = None) -> None:
    out.startElement(name, attributes or {})
    if text is not None:
        out.characters(_xml_text(text))
    out.endElement(name)


def _write_project(binary: IO[bytes], form: FeedbackForm, guid, entries, code_of, sources: int, sources_xml,
                   *, now: datetime) -> None:
    import io

    stream = io.TextIOWrapper(binary, encoding="utf-8", newline="\n", write_through=True)
    out = XMLGenerator(stream, encoding="utf-8", short_empty_elements=True)
    out.startDocument()
    out.startElement("Project", {"xmlns": NAMESPACE, "name": _xml_text(f"{form.title_fr} / {form.title_en}"),
                                 "origin": "peer-support"})
    # One code per question (its first wording names it; every wording is in the description).
    described: dict[str, list] = defaultdict(list)
    for entry in entries:
        described[entry.key].append(entry)
    if described:
        out.startElement("CodeBook", {})
        out.startElement("Codes", {})
        for key, wordings in described.items():
            out.startElement("Code", {"guid": code_of[key], "name": _xml_text(f"{key} — {wordings[0].text_fr}"),
                                      "isCodable": "true"})
            _element(out, "Description", text="\n".join(
                f"v{','.join(map(str, w.versions))} ({w.kind}): {w.text_fr} / {w.text_en}" for w in wordings))
            out.endElement("Code")
        out.endElement("Codes")
        out.endElement("CodeBook")

    variables = STAFF_VARIABLES if form.audience == "staff" else SERVICE_USER_VARIABLES
    out.startElement("Variables", {})
    for attribute, name, kind in variables:
        _element(out, "Variable", {"guid": guid("variable", attribute), "name": name, "typeOfVariable": kind})
    out.endElement("Variables")

    cases = False
    for participant in dataset.iter_participants(form, now=now, with_sources=True):
        if not cases:
            out.startElement("Cases", {})
            cases = True
        out.startElement("Case", {"guid": guid("case", participant.pseudonym), "name": participant.pseudonym})
        for attribute, _name, kind in variables:
            value = getattr(participant, attribute)
            if value is None or value == [] or value == "":
                continue
            out.startElement("VariableValue", {})
            _element(out, "VariableRef", {"targetGUID": guid("variable", attribute)})
            if kind == "Integer":
                _element(out, "IntegerValue", text=str(int(value)))
            else:
                _element(out, "TextValue", text=";".join(value) if isinstance(value, list) else str(value))
            out.endElement("VariableValue")
        for answer_id, _key in participant.source_answers:
            _element(out, "SourceRef", {"targetGUID": guid("source", answer_id)})
        out.endElement("Case")
    if cases:
        out.endElement("Cases")

    if sources:
        stream.write("<Sources>")
        while chunk := sources_xml.read(64 * 1024):
            stream.write(chunk)
        stream.write("</Sources>")
    out.endElement("Project")
    out.endDocument()
    stream.flush()
    stream.detach()
