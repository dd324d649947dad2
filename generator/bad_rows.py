"""Deliberately contract-breaking rows: one per quarantine reason of the staging layer.

They sit on the side of the story (extra records, or records pointing at ids that do
not exist) so that quarantining them leaves every KPI unchanged. The table below is
the single source of truth; the module docstring of generator.raw_data lists it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from generator.common import RawFormatter, Row, Sink

MISSING_CUSTOMER = "cus_999999"
MISSING_SUBSCRIPTION = "sub_999999"
MISSING_INVOICE = "in_9999999"
MISSING_DEAL = "5999999"
SIDE_INVOICE = "in_9999900"

# (table, id shown in the report, quarantine reason)
BAD_ROWS: tuple[tuple[str, str, str], ...] = (
    ("crm/contacts", "(empty contact_id)", "null key"),
    ("crm/contacts", "199901", "unknown lifecycle_stage (bogus)"),
    ("crm/companies", "(empty company_id)", "null key"),
    ("crm/deals", "(empty deal_id)", "null key"),
    ("crm/deals", "5999901", "unknown pipeline (partnerships)"),
    ("crm/deals", "5999902", "unknown deal_stage (stalled)"),
    ("crm/deals", "5999903", "unknown currency (DOLLARS)"),
    ("crm/deal_stage_history", "(real deal, empty entered_at)", "null key"),
    ("crm/deal_stage_history", "(real deal, negotiation)", "unknown deal_stage"),
    ("crm/deal_stage_history", MISSING_DEAL, "orphan deal_id"),
    ("crm/owners", "(empty owner_id)", "null key"),
    ("billing/customers", "(empty customer_id)", "null key"),
    ("billing/customers", "cus_999901", "unknown currency (XXX)"),
    ("billing/prices", "(empty price_id)", "null key"),
    ("billing/prices", "price_bad_fortnight", "unknown billing_interval (fortnight)"),
    ("billing/prices", "price_bad_interval_count", "invalid interval_count (0)"),
    ("billing/prices", "price_bad_negative", "negative unit_amount"),
    ("billing/prices", "price_bad_currency", "unknown currency (XXX)"),
    ("billing/subscriptions", "(empty subscription_id)", "null key"),
    ("billing/subscriptions", "sub_999901", "unknown status (paused)"),
    ("billing/subscriptions", "sub_999902", "period end before start"),
    ("billing/subscriptions", "sub_999903", f"orphan customer_id ({MISSING_CUSTOMER})"),
    ("billing/invoices", "(empty invoice_id)", "null key"),
    ("billing/invoices", "in_9999901", "unknown status (pending_review)"),
    ("billing/invoices", "in_9999902", "unknown currency (XXX)"),
    ("billing/invoices", "in_9999903", "period end before start"),
    ("billing/invoices", "in_9999904", f"orphan customer_id ({MISSING_CUSTOMER})"),
    ("billing/invoices", "in_9999905", f"orphan subscription_id ({MISSING_SUBSCRIPTION})"),
    ("billing/invoice_line_items", "(empty line_item_id)", "null key"),
    ("billing/invoice_line_items", "il_99999901", "unknown line_type (credit_note)"),
    ("billing/invoice_line_items", "il_99999902", "negative quantity (-1)"),
    ("billing/invoice_line_items", "il_99999903", "period end before start"),
    ("billing/invoice_line_items", "il_99999904", f"orphan invoice_id ({MISSING_INVOICE})"),
    ("billing/invoice_line_items", "il_99999905", "orphan price_id (price_retired_2022)"),
    ("billing/invoice_line_items", "il_99999906", "recurring line without price"),
    ("billing/refunds", "(empty refund_id)", "null key"),
    ("billing/refunds", "re_999901", "unknown status (processing)"),
    ("billing/refunds", "re_999902", "negative amount"),
    ("billing/refunds", "re_999903", "unknown currency (XXX)"),
    ("billing/refunds", "re_999904", f"orphan invoice_id ({MISSING_INVOICE})"),
    ("finance/expenses", "(empty expense_id)", "null key"),
    ("finance/expenses", "exp_999901", "missing incurred_on"),
    ("finance/expenses", "exp_999902", "unknown currency (XXX)"),
    ("finance/fx_rates", "(empty currency)", "null key"),
    ("finance/fx_rates", "EUR on a mid-month date", "non-positive rate"),
    ("finance/fx_rates", "XXX", "unknown currency"),
)


@dataclass(frozen=True)
class References:
    """Real records the broken rows hang on."""

    customer_id: str  # a live customer
    currency: str  # its billing currency
    paid_invoice_id: str  # one of its paid invoices
    deal_id: str
    company_id: str
    at: datetime  # a date in the middle of the story


def write_bad_rows(sink: Sink, fmt: RawFormatter, refs: References) -> None:
    at = refs.at
    ts = at.isoformat(sep=" ")
    later = (at + timedelta(days=1)).isoformat(sep=" ")
    earlier = (at - timedelta(days=1)).isoformat(sep=" ")
    cur = refs.currency.lower()
    _crm(sink, refs, ts, later)
    _billing(sink, refs, ts, later, earlier, cur)
    _finance(sink, at)


def _crm(sink: Sink, refs: References, ts: str, later: str) -> None:
    contact: Row = {
        "email": "no.id@example.com",
        "first_name": "No",
        "last_name": "Id",
        "lead_source": "direct",
        "lifecycle_stage": "lead",
        "created_at": ts,
        "became_lead_at": ts,
        "is_deleted": "false",
        "updated_at": ts,
    }
    sink.write("crm/contacts", dict(contact, contact_id=""))
    sink.write(
        "crm/contacts",
        dict(
            contact, contact_id="199901", email="bogus.stage@example.com", lifecycle_stage="bogus"
        ),
    )
    sink.write(
        "crm/companies",
        {
            "company_id": "",
            "name": "Unnamed import row",
            "created_at": ts,
            "updated_at": ts,
            "is_deleted": "false",
        },
    )
    deal: Row = {
        "company_id": refs.company_id,
        "owner_id": "",
        "deal_name": "Imported deal",
        "pipeline": "new_business",
        "deal_stage": "appointmentscheduled",
        "amount": "",
        "currency": "USD",
        "created_at": ts,
        "closed_at": "",
        "is_deleted": "false",
        "updated_at": ts,
    }
    sink.write("crm/deals", dict(deal, deal_id=""))
    sink.write("crm/deals", dict(deal, deal_id="5999901", pipeline="partnerships"))
    sink.write("crm/deals", dict(deal, deal_id="5999902", deal_stage="stalled"))
    sink.write("crm/deals", dict(deal, deal_id="5999903", amount="5000.00", currency="DOLLARS"))
    sink.write(
        "crm/deal_stage_history",
        {"deal_id": refs.deal_id, "deal_stage": "appointmentscheduled", "entered_at": ""},
    )
    sink.write(
        "crm/deal_stage_history",
        {"deal_id": refs.deal_id, "deal_stage": "negotiation", "entered_at": later},
    )
    sink.write(
        "crm/deal_stage_history",
        {"deal_id": MISSING_DEAL, "deal_stage": "qualifiedtobuy", "entered_at": ts},
    )
    sink.write(
        "crm/owners",
        {
            "owner_id": "",
            "email": "former.contractor@example.com",
            "first_name": "Former",
            "last_name": "Contractor",
            "team": "sales",
            "is_active": "false",
        },
    )


def _billing(sink: Sink, refs: References, ts: str, later: str, earlier: str, cur: str) -> None:
    customer: Row = {
        "email": "import@example.com",
        "name": "Broken import",
        "country": "US",
        "currency": "usd",
        "is_livemode": "true",
        "created_at": ts,
        "is_deleted": "false",
    }
    sink.write("billing/customers", dict(customer, customer_id=""))
    sink.write("billing/customers", dict(customer, customer_id="cus_999901", currency="XXX"))
    price: Row = {
        "product_id": "prod_growth",
        "product_name": "Growth",
        "nickname": "Broken price",
        "billing_interval": "month",
        "interval_count": "1",
        "unit_amount": "5900",
        "currency": "usd",
        "is_active": "false",
    }
    sink.write("billing/prices", dict(price, price_id=""))
    sink.write(
        "billing/prices", dict(price, price_id="price_bad_fortnight", billing_interval="fortnight")
    )
    sink.write(
        "billing/prices", dict(price, price_id="price_bad_interval_count", interval_count="0")
    )
    sink.write("billing/prices", dict(price, price_id="price_bad_negative", unit_amount="-100"))
    sink.write("billing/prices", dict(price, price_id="price_bad_currency", currency="XXX"))
    sub: Row = {
        "customer_id": refs.customer_id,
        "status": "active",
        "created_at": ts,
        "started_at": ts,
        "cancel_at_period_end": "false",
        "current_period_start": ts,
        "current_period_end": later,
    }
    sink.write("billing/subscriptions", dict(sub, subscription_id=""))
    sink.write("billing/subscriptions", dict(sub, subscription_id="sub_999901", status="paused"))
    sink.write(
        "billing/subscriptions", dict(sub, subscription_id="sub_999902", current_period_end=earlier)
    )
    sink.write(
        "billing/subscriptions",
        dict(sub, subscription_id="sub_999903", customer_id=MISSING_CUSTOMER),
    )
    invoice: Row = {
        "customer_id": refs.customer_id,
        "subscription_id": "",
        "status": "open",
        "billing_reason": "manual",
        "currency": cur,
        "created_at": ts,
        "period_start": ts,
        "period_end": ts,
        "subtotal": "10000",
        "discount_total": "0",
        "tax": "0",
        "total": "10000",
        "amount_paid": "0",
        "paid_at": "",
    }
    sink.write("billing/invoices", dict(invoice, invoice_id=""))
    sink.write("billing/invoices", dict(invoice, invoice_id="in_9999901", status="pending_review"))
    sink.write("billing/invoices", dict(invoice, invoice_id="in_9999902", currency="XXX"))
    sink.write("billing/invoices", dict(invoice, invoice_id="in_9999903", period_end=earlier))
    sink.write(
        "billing/invoices", dict(invoice, invoice_id="in_9999904", customer_id=MISSING_CUSTOMER)
    )
    sink.write(
        "billing/invoices",
        dict(invoice, invoice_id="in_9999905", subscription_id=MISSING_SUBSCRIPTION),
    )
    # a clean one-off invoice carrying the broken lines; its subtotal counts the clean line only
    sink.write(
        "billing/invoices",
        dict(
            invoice,
            invoice_id=SIDE_INVOICE,
            status="paid",
            subtotal="120000",
            total="120000",
            amount_paid="120000",
            paid_at=later,
        ),
    )
    line: Row = {
        "invoice_id": SIDE_INVOICE,
        "subscription_id": "",
        "price_id": "",
        "line_type": "invoiceitem",
        "is_proration": "false",
        "quantity": "1",
        "amount": "120000",
        "discount_amount": "0",
        "period_start": ts,
        "period_end": ts,
        "description": "Professional services (one-off)",
    }
    sink.write("billing/invoice_line_items", dict(line, line_item_id="il_99999900"))
    sink.write(
        "billing/invoice_line_items",
        dict(line, line_item_id="", amount="5000", description="No id"),
    )
    sink.write(
        "billing/invoice_line_items",
        dict(
            line,
            line_item_id="il_99999901",
            line_type="credit_note",
            amount="-5000",
            description="Credit note",
        ),
    )
    sink.write(
        "billing/invoice_line_items",
        dict(
            line,
            line_item_id="il_99999902",
            quantity="-1",
            amount="-2000",
            description="Seat removed",
        ),
    )
    sink.write(
        "billing/invoice_line_items",
        dict(
            line,
            line_item_id="il_99999903",
            period_end=earlier,
            amount="3000",
            description="Backdated fee",
        ),
    )
    sink.write(
        "billing/invoice_line_items",
        dict(
            line,
            line_item_id="il_99999904",
            invoice_id=MISSING_INVOICE,
            amount="4000",
            description="Lost invoice",
        ),
    )
    sink.write(
        "billing/invoice_line_items",
        dict(
            line,
            line_item_id="il_99999905",
            price_id="price_retired_2022",
            line_type="subscription",
            amount="5900",
            description="Retired plan",
        ),
    )
    sink.write(
        "billing/invoice_line_items",
        dict(
            line,
            line_item_id="il_99999906",
            line_type="subscription",
            amount="5900",
            description="Plan without price",
        ),
    )
    refund: Row = {
        "invoice_id": refs.paid_invoice_id,
        "amount": "1000",
        "currency": cur,
        "status": "succeeded",
        "created_at": later,
        "reason": "requested_by_customer",
    }
    sink.write("billing/refunds", dict(refund, refund_id=""))
    sink.write("billing/refunds", dict(refund, refund_id="re_999901", status="processing"))
    sink.write("billing/refunds", dict(refund, refund_id="re_999902", amount="-500"))
    sink.write("billing/refunds", dict(refund, refund_id="re_999903", currency="XXX"))
    sink.write("billing/refunds", dict(refund, refund_id="re_999904", invoice_id=MISSING_INVOICE))


def _finance(sink: Sink, at: datetime) -> None:
    day = at.date().isoformat()
    expense: Row = {
        "incurred_on": day,
        "department": "marketing",
        "category": "other",
        "channel": "",
        "amount": "120.00",
        "currency": "USD",
    }
    sink.write("finance/expenses", dict(expense, expense_id=""))
    sink.write("finance/expenses", dict(expense, expense_id="exp_999901", incurred_on=""))
    sink.write("finance/expenses", dict(expense, expense_id="exp_999902", currency="XXX"))
    mid_month = at.date().replace(day=15).isoformat()
    sink.write(
        "finance/fx_rates", {"rate_date": mid_month, "currency": "", "rate_to_usd": "1.100000"}
    )
    sink.write(
        "finance/fx_rates", {"rate_date": mid_month, "currency": "EUR", "rate_to_usd": "0.000000"}
    )
    sink.write(
        "finance/fx_rates", {"rate_date": mid_month, "currency": "XXX", "rate_to_usd": "1.000000"}
    )
