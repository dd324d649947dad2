"""Independent plain-Python reference implementation of the revenue KPIs.

Written from the definitions (docs/kpi_definitions.md and the doc blocks it points to),
docs/raw_contract.md and docs/decisions.md only; it shares no code with the dbt models.
"""

from .raw import StagedRaw, load_raw
from .revenue import (
    MissingFxRate,
    compute_revenue,
    compute_revenue_from_staged,
    default_as_of_date,
)

__all__ = [
    "MissingFxRate",
    "StagedRaw",
    "compute_revenue",
    "compute_revenue_from_staged",
    "default_as_of_date",
    "load_raw",
]
