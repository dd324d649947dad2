"""A tiny raw data set in the raw contract's CSV layout, built row by row: the fixture writer
the reference implementation's own tests share."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path
from typing import Any

# The 13 raw files and their contract columns (docs/raw_contract.md), written out here
# independently of the reference's own table specs.
HEADERS: dict[str, list[str]] = {
    "crm/contacts.csv": [
        "contact_id",
        "email",
        "first_name",
        "last_name",
        "company_id",
        "owner_id",
        "lead_source",
        "lifecycle_stage",
        "created_at",
        "became_lead_at",
        "became_mql_at",
        "became_sql_at",
        "became_opportunity_at",
        "became_customer_at",
        "is_deleted",
        "updated_at",
    ],
    "crm/companies.csv": [
        "company_id",
        "name",
        "domain",
        "industry",
        "country",
        "employee_count",
        "owner_id",
        "created_at",
        "updated_at",
        "is_deleted",
    ],
    "crm/deals.csv": [
        "deal_id",
        "company_id",
        "owner_id",
        "deal_name",
        "pipeline",
        "deal_stage",
        "amount",
        "currency",
        "created_at",
        "closed_at",
        "is_deleted",
        "updated_at",
    ],
    "crm/deal_stage_history.csv": ["deal_id", "deal_stage", "entered_at"],
    "crm/owners.csv": ["owner_id", "email", "first_name", "last_name", "team", "is_active"],
    "billing/customers.csv": [
        "customer_id",
        "email",
        "name",
        "crm_company_id",
        "country",
        "currency",
        "is_livemode",
        "created_at",
        "is_deleted",
    ],
    "billing/prices.csv": [
        "price_id",
        "product_id",
        "product_name",
        "nickname",
        "billing_interval",
        "interval_count",
        "unit_amount",
        "currency",
        "is_active",
    ],
    "billing/subscriptions.csv": [
        "subscription_id",
        "customer_id",
        "status",
        "created_at",
        "started_at",
        "trial_start",
        "trial_end",
        "cancel_at_period_end",
        "canceled_at",
        "ended_at",
        "current_period_start",
        "current_period_end",
    ],
    "billing/invoices.csv": [
        "invoice_id",
        "customer_id",
        "subscription_id",
        "status",
        "billing_reason",
        "currency",
        "created_at",
        "period_start",
        "period_end",
        "subtotal",
        "discount_total",
        "tax",
        "total",
        "amount_paid",
        "paid_at",
    ],
    "billing/invoice_line_items.csv": [
        "line_item_id",
        "invoice_id",
        "subscription_id",
        "price_id",
        "line_type",
        "is_proration",
        "quantity",
        "amount",
        "discount_amount",
        "period_start",
        "period_end",
        "description",
    ],
    "billing/refunds.csv": [
        "refund_id",
        "invoice_id",
        "amount",
        "currency",
        "status",
        "created_at",
        "reason",
    ],
    "finance/expenses.csv": [
        "expense_id",
        "incurred_on",
        "department",
        "category",
        "channel",
        "amount",
        "currency",
    ],
    "finance/fx_rates.csv": ["rate_date", "currency", "rate_to_usd"],
}
TABLE_FILE = {Path(p).stem: p for p in HEADERS}


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RawDataSet:
    """Rows per raw table; `write` lays them out as the contract's CSV files."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLE_FILE}
        self._ids = itertools.count(1)

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        self.rows[table].append(row)
        return row

    def write(self, root: Path) -> Path:
        for table, path in TABLE_FILE.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(HEADERS[path])
                for row in self.rows[table]:
                    unknown = set(row) - set(HEADERS[path])
                    assert not unknown, unknown
                    writer.writerow([cell(row.get(col)) for col in HEADERS[path]])
        return root
