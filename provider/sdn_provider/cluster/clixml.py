"""PowerShell's CLIXML stderr (``#< CLIXML`` then ``<Objs ...>``) -> readable text.

powershell.exe started without a console serialises its error, warning and progress streams this way when stderr
is redirected, as WinRS does; pywinrm strips it the same way. Errors raised outside our scripts' ``try`` (a missing
RSAT-Clustering-PowerShell feature fails ``Import-Module FailoverClusters``) reach us only through it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MARKER = "#< CLIXML"
_NS = "{http://schemas.microsoft.com/powershell/2004/04}"
# CLIXML escapes characters XML cannot carry (and CR/LF) as _xHHHH_.
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_STREAMS = {"error": "", "warning": "WARNING: "}
# One serialised stream. Rarely stderr holds several, each after a marker of its own
# ("#< CLIXML\r\n#< CLIXML\r\n<Objs ...>...</Objs><Objs ...>...</Objs>": ansible/ansible#69550, #71412).
_DOCUMENT = re.compile(r"<Objs\b.*?</Objs>", re.DOTALL)


def decode_clixml(text: str) -> str:
    """Error and warning records as lines (progress records dropped), from every document after the first marker;
    text without the marker, or with more than CLIXML after it, is returned as is."""
    head, _, rest = text.partition(MARKER)
    documents = _DOCUMENT.findall(rest)
    if not documents or _DOCUMENT.sub("", rest).replace(MARKER, "").strip():
        return text
    try:
        roots = [ET.fromstring(document) for document in documents]
    except ET.ParseError:
        return text
    lines: list[str] = []
    for element in (element for root in roots for element in root.iter(f"{_NS}S")):
        prefix = _STREAMS.get((element.get("S") or "").lower())
        if prefix is not None and element.text:
            lines.append(prefix + _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), element.text))
    decoded = "".join(lines).replace("\r\n", "\n").strip()
    return "\n".join(part for part in (head.strip(), decoded) if part)
