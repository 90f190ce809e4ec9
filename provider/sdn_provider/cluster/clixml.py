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


def decode_clixml(text: str) -> str:
    """Error and warning records as lines (progress records dropped); text without the marker is returned as is."""
    head, marker, rest = text.partition(MARKER)
    if not marker:
        return text
    try:
        root = ET.fromstring(rest.strip())
    except ET.ParseError:
        return text
    lines: list[str] = []
    for element in root.iter(f"{_NS}S"):
        prefix = _STREAMS.get((element.get("S") or "").lower())
        if prefix is not None and element.text:
            lines.append(prefix + _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), element.text))
    decoded = "".join(lines).replace("\r\n", "\n").strip()
    return "\n".join(part for part in (head.strip(), decoded) if part)
