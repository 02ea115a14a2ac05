# -*- coding: utf-8 -*-
# Copyright (c) 2026, backupops.jobs contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commvault XML replies read with xmltodict into the structure the JSON replies have.

Private to the backupops.jobs collection: not a public API, it may change at any time.
Imported only where a reply is XML: JSON runs never load xmltodict or an XML parser.
"""

from __future__ import annotations

import re
import traceback

try:
    import xmltodict
except ImportError:
    xmltodict = None
    XMLTODICT_IMPORT_ERROR = traceback.format_exc()
else:
    XMLTODICT_IMPORT_ERROR = None

# Elements that are lists in JSON but come back as a single dict from XML when they occur once.
XML_LISTS = frozenset(("jobs", "vmStatus", "errList", "attempts", "clientGroups", "attemptsInfo"))
# A DTD is how entity bombs and external entities get in; a reply we read never needs one.
DECLARATION_RE = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
DTD_REFUSED = "the XML declares a DOCTYPE or entities, which are refused (no expansion, no external fetch)"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def parse_xml(body):
    """XML bytes -> the structure JSON would give (attributes as plain keys, XML_LISTS always lists).

    Raises ValueError for XML that is malformed or declares a DOCTYPE or entities (refused before
    parsing, so never expanded or fetched), and when xmltodict is not installed.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    # The check reads the text in the reply's own encoding: a DTD in UTF-16 must not slip past it.
    text = body.decode("utf-16", "replace") if body.startswith(_UTF16_BOMS) else body.decode("latin-1")
    if DECLARATION_RE.search(text):
        raise ValueError(DTD_REFUSED)
    if xmltodict is None:
        raise ValueError("reading an XML reply needs the Python package xmltodict where the module runs "
                         "(pip install xmltodict), or api_format: json")
    try:
        return xmltodict.parse(body, attr_prefix="", cdata_key="text", force_list=XML_LISTS, disable_entities=True)
    except Exception as e:  # pylint: disable=broad-except
        # expat and xmltodict raise their own error types; all of them mean the same thing to the caller.
        raise ValueError("malformed XML: %s" % e)
