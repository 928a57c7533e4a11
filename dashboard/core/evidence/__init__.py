"""Evidence beyond the incident row: its sources, debris examinations and component origins.

- :mod:`.schema`: the three kinds' declarations (one :class:`~dashboard.core.schema.Column` per
  column), their vocabularies and the provisions at stake;
- :mod:`.validation`: reading and checking a file of a kind, with the incident import's reader
  and its one validator;
- :mod:`.rows`: a kind's typed frame, its plain rows for the store, a row's identity;
- :mod:`.container`: the stored :class:`Evidence`, an incident's sources, the annotated frame;
- :mod:`.parts`: where the parts of the examined missiles came from.

The names callers use are re-exported here.
"""

from dashboard.core.evidence.container import (
    ANNOTATED_ENTRIES,
    EXAMINED,
    SOURCE_COUNT,
    Evidence,
    annotate,
    incident_sources,
    incidents_sources,
)
from dashboard.core.evidence.parts import Figure, PartsSummary, parts_summary
from dashboard.core.evidence.rows import db_rows, evidence_frame, identity
from dashboard.core.evidence.schema import (
    DECLARED,
    EXAMINATION_COLUMNS,
    GRADE,
    GRADES,
    ORIGIN_COLUMNS,
    PROVISIONS,
    SAYS,
    SOURCE_COLUMNS,
    YEARS,
    Kind,
    columns,
)
from dashboard.core.evidence.validation import evidence_table, read_evidence, validate_evidence

__all__ = [
    "ANNOTATED_ENTRIES",
    "DECLARED",
    "EXAMINATION_COLUMNS",
    "EXAMINED",
    "GRADE",
    "GRADES",
    "ORIGIN_COLUMNS",
    "PROVISIONS",
    "SAYS",
    "SOURCE_COLUMNS",
    "SOURCE_COUNT",
    "YEARS",
    "Evidence",
    "Figure",
    "Kind",
    "PartsSummary",
    "annotate",
    "columns",
    "db_rows",
    "evidence_frame",
    "evidence_table",
    "identity",
    "incident_sources",
    "incidents_sources",
    "parts_summary",
    "read_evidence",
    "validate_evidence",
]
