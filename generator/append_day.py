"""Append one more day of raw data to a raw data set, the way a daily load would: every table is
rewritten as its old rows followed by the new ones (so "the last row loaded wins" holds).

The day after the latest invoice brings renewals (a new invoice and line for every recurring line
ending that day), a new customer with its subscription and first invoice, a cancellation, and late
rows: an invoice backdated about six weeks (a second seat billed late), an open or paid invoice of
a few weeks ago voided, a deal closed won and another one's stage entered three weeks ago, a deal
closed long ago deleted and another one's amount corrected, a contact become customer, a contact
deleted, a new lead, one expense and that day's fx rates. Deterministic: the same input gives the
same output.

    python -m generator.append_day --raw-dir data/demo --out /tmp/day2 [--format parquet]
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

TABLES: dict[str, tuple[str, ...]] = {
    "billing": (
        "customers",
        "prices",
        "subscriptions",
        "invoices",
        "invoice_line_items",
        "refunds",
    ),
    "crm": ("companies", "contacts", "deals", "deal_stage_history", "owners"),
    "finance": ("expenses", "fx_rates"),
}
TS = "%Y-%m-%d %H:%M:%S"


def _detect_format(raw_dir: Path) -> str:
    return "parquet" if (raw_dir / "billing" / "invoices.parquet").exists() else "csv"


def _register(con: duckdb.DuckDBPyConnection, raw_dir: Path, fmt: str) -> None:
    """A view per raw table, every column text, with its load position `_rn`."""
    for domain, tables in TABLES.items():
        for table in tables:
            path = raw_dir / domain / f"{table}.{fmt}"
            reader = (
                f"read_parquet('{path}')"
                if fmt == "parquet"
                else f"read_csv('{path}', header = true, all_varchar = true)"
            )
            con.execute(f"create table old_{table} as select * from {reader}")
            con.execute(
                f"create view {table} as select *, row_number() over () as _rn from old_{table}"
            )
            con.execute(f"create table new_{table} as select * from old_{table} limit 0")


def _latest(con: duckdb.DuckDBPyConnection, table: str, key: str) -> str:
    """The last loaded row of each key (the one staging keeps when updated_at does not decide),
    as a table built on first use: several of the day's rows read it (at 1M customers a window
    over 9M invoices each time)."""
    latest = f"latest_{table}"
    con.execute(
        f"create temp table if not exists {latest} as select * from {table} "
        f"qualify row_number() over (partition by {key} order by _rn desc) = 1"
    )
    return latest


def _add(con: duckdb.DuckDBPyConnection, table: str, select_sql: str) -> int:
    """Insert the rows of `select_sql` (columns by name) into the new rows of `table`, sorted on
    every column: a join or window gives its rows in no set order, and the output must not
    depend on it."""
    before = con.execute(f"select count(*) from new_{table}").fetchone()[0]
    con.execute(f"insert into new_{table} by name select * from ({select_sql}) order by all")
    return con.execute(f"select count(*) from new_{table}").fetchone()[0] - before


def _billing(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    d = f"date '{day.isoformat()}'"
    tag = day.strftime("%Y%m%d")
    counts: dict[str, int] = {}
    # Live recurring lines and the latest state of their subscriptions.
    con.execute(
        f"""
        create temp table recurring as
        select
            l.*,
            try_cast(replace(l.period_start, 'T', ' ') as timestamp) as start_ts,
            try_cast(replace(l.period_end, 'T', ' ') as timestamp) as end_ts,
            s.status as subscription_status
        from {_latest(con, "invoice_line_items", "line_item_id")} as l
        inner join {_latest(con, "subscriptions", "subscription_id")} as s
            on l.subscription_id = s.subscription_id
        inner join {_latest(con, "invoices", "invoice_id")} as i
            on l.invoice_id = i.invoice_id
        where lower(l.line_type) = 'subscription' and lower(l.is_proration) = 'false'
            and i.status in ('paid', 'open')
            and s.status in ('active', 'past_due')
            and coalesce(s.ended_at, '') = ''
            and lower(coalesce(s.cancel_at_period_end, 'false')) = 'false'
        """
    )
    # Renewals: every recurring line ending on the new day is billed again for one more period.
    con.execute(
        f"""
        create temp table renewals as
        select
            r.*,
            'in_d{tag}_'
                || lpad(cast(row_number() over (order by r.line_item_id) as varchar), 6, '0')
                as new_invoice_id,
            end_ts as new_start_ts,
            end_ts + (end_ts - start_ts) as new_end_ts
        from recurring as r
        where cast(end_ts as date) = {d}
        """
    )
    counts["renewals"] = _add(
        con,
        "invoices",
        f"""
        select
            r.new_invoice_id as invoice_id, i.customer_id, r.subscription_id, 'paid' as status,
            'subscription_cycle' as billing_reason, i.currency,
            strftime(r.new_start_ts, '{TS}') as created_at,
            strftime(r.new_start_ts, '{TS}') as period_start,
            strftime(r.new_end_ts, '{TS}') as period_end,
            r.amount as subtotal, r.discount_amount as discount_total, '0' as tax,
            cast(try_cast(r.amount as bigint) - coalesce(try_cast(r.discount_amount as bigint), 0)
                as varchar) as total,
            cast(try_cast(r.amount as bigint) - coalesce(try_cast(r.discount_amount as bigint), 0)
                as varchar) as amount_paid,
            strftime(r.new_start_ts + interval 5 minute, '{TS}') as paid_at
        from renewals as r
        inner join {_latest(con, "invoices", "invoice_id")} as i on r.invoice_id = i.invoice_id
        """,
    )
    _add(
        con,
        "invoice_line_items",
        f"""
        select
            'il_d{tag}_' || substr(new_invoice_id, length('in_d{tag}_') + 1) as line_item_id,
            new_invoice_id as invoice_id, subscription_id, price_id, line_type, is_proration,
            quantity, amount, discount_amount,
            strftime(new_start_ts, '{TS}') as period_start,
            strftime(new_end_ts, '{TS}') as period_end, description
        from renewals
        """,
    )
    # Late: a second seat billed six weeks back, on a line running then (backdated invoice).
    con.execute(
        f"""
        create temp table backdated as
        select
            r.*,
            'in_late{tag}_' || cast(row_number() over (order by r.line_item_id) as varchar)
                as new_invoice_id
        from recurring as r
        where cast(start_ts as date) between {d} - 60 and {d} - 35
            and r.subscription_id not in (select subscription_id from renewals)
        order by r.line_item_id
        limit 2
        """
    )
    counts["backdated invoices"] = _add(
        con,
        "invoices",
        f"""
        select
            b.new_invoice_id as invoice_id, i.customer_id, b.subscription_id, 'paid' as status,
            'subscription_update' as billing_reason, i.currency,
            strftime(b.start_ts, '{TS}') as created_at,
            b.period_start, b.period_end,
            b.amount as subtotal, b.discount_amount as discount_total, '0' as tax,
            b.amount as total, b.amount as amount_paid,
            strftime(b.start_ts + interval 1 hour, '{TS}') as paid_at
        from backdated as b
        inner join {_latest(con, "invoices", "invoice_id")} as i on b.invoice_id = i.invoice_id
        """,
    )
    _add(
        con,
        "invoice_line_items",
        """
        select
            replace(new_invoice_id, 'in_', 'il_') as line_item_id, new_invoice_id as invoice_id,
            subscription_id, price_id, line_type, is_proration, quantity, amount,
            discount_amount, period_start, period_end, 'Late seat' as description
        from backdated
        """,
    )
    # Late: an invoice of a few weeks ago voided (its MRR must leave the recomputed months).
    counts["voided invoices"] = _add(
        con,
        "invoices",
        f"""
        select * exclude (_rn) replace ('void' as status)
        from {_latest(con, "invoices", "invoice_id")}
        where invoice_id in (
            select invoice_id from recurring
            where cast(start_ts as date) between {d} - 25 and {d} - 10
                and subscription_id not in (select subscription_id from renewals)
                and subscription_id not in (select subscription_id from backdated)
            order by invoice_id
            limit 1
        )
        """,
    )
    # A cancellation today.
    counts["cancellations"] = _add(
        con,
        "subscriptions",
        f"""
        select * exclude (_rn) replace (
            'canceled' as status, strftime({d} + interval 12 hour, '{TS}') as canceled_at,
            strftime({d} + interval 12 hour, '{TS}') as ended_at
        )
        from {_latest(con, "subscriptions", "subscription_id")}
        where subscription_id = (
            select min(subscription_id) from recurring
            where subscription_id not in (select subscription_id from renewals)
                and subscription_id not in (select subscription_id from backdated)
        )
        """,
    )
    # A new customer: a copy of the first renewed line's account, with its own ids.
    con.execute(
        f"""
        create temp table template as
        select r.*, i.customer_id, i.currency
        from recurring as r
        inner join {_latest(con, "invoices", "invoice_id")} as i on r.invoice_id = i.invoice_id
        order by r.line_item_id
        limit 1
        """
    )
    start = f"'{day.isoformat()} 09:00:00'"
    end = f"strftime({d} + interval 1 month + interval 9 hour, '{TS}')"
    counts["new customers"] = _add(
        con,
        "customers",
        f"""
        select * exclude (_rn) replace (
            'cus_d{tag}' as customer_id, 'billing@newday.example' as email,
            'New Day Ltd' as name, null as crm_company_id, {start} as created_at,
            'false' as is_deleted
        )
        from {_latest(con, "customers", "customer_id")}
        where customer_id = (select customer_id from template)
        """,
    )
    _add(
        con,
        "subscriptions",
        f"""
        select * exclude (_rn) replace (
            'sub_d{tag}' as subscription_id, 'cus_d{tag}' as customer_id, 'active' as status,
            {start} as created_at, {start} as started_at, null as trial_start, null as trial_end,
            'false' as cancel_at_period_end, null as canceled_at, null as ended_at,
            {start} as current_period_start, {end} as current_period_end
        )
        from {_latest(con, "subscriptions", "subscription_id")}
        where subscription_id = (select subscription_id from template)
        """,
    )
    _add(
        con,
        "invoices",
        f"""
        select
            'in_d{tag}_new' as invoice_id, 'cus_d{tag}' as customer_id,
            'sub_d{tag}' as subscription_id, 'paid' as status,
            'subscription_create' as billing_reason, currency, {start} as created_at,
            {start} as period_start, {end} as period_end, amount as subtotal,
            '0' as discount_total, '0' as tax, amount as total, amount as amount_paid,
            {start} as paid_at
        from template
        """,
    )
    _add(
        con,
        "invoice_line_items",
        f"""
        select
            'il_d{tag}_new' as line_item_id, 'in_d{tag}_new' as invoice_id,
            'sub_d{tag}' as subscription_id, price_id, line_type, 'false' as is_proration,
            quantity, amount, '0' as discount_amount, {start} as period_start,
            {end} as period_end, description
        from template
        """,
    )
    return counts


def _crm(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    d = f"date '{day.isoformat()}'"
    counts: dict[str, int] = {}
    con.execute(
        f"""
        create temp table open_deals as
        select * exclude (_rn)
        from {_latest(con, "deals", "deal_id")}
        where coalesce(closed_at, '') = '' and lower(coalesce(is_deleted, 'false')) = 'false'
            and deal_stage not in ('closedwon', 'closedlost')
        order by deal_id
        limit 2
        """
    )
    won_at = f"strftime({d} + interval 11 hour, '{TS}')"
    late_at = f"strftime({d} - 21 + interval 15 hour, '{TS}')"
    counts["deals changed"] = _add(
        con,
        "deals",
        f"""
        select * replace (
            case when deal_id = (select min(deal_id) from open_deals) then 'closedwon'
                else 'decisionmakerboughtin' end as deal_stage,
            case when deal_id = (select min(deal_id) from open_deals) then {won_at} end
                as closed_at,
            {won_at} as updated_at
        )
        from open_deals
        """,
    )
    _add(
        con,
        "deal_stage_history",
        f"""
        select
            deal_id,
            case when deal_id = (select min(deal_id) from open_deals) then 'closedwon'
                else 'decisionmakerboughtin' end as deal_stage,
            case when deal_id = (select min(deal_id) from open_deals) then {won_at}
                else {late_at} end as entered_at
        from open_deals
        """,
    )
    # Two deals closed long ago change without a new updated_at (a CRM need not move it): the
    # earliest won one is deleted, the earliest lost one's amount corrected.
    closed = (
        f"(select * exclude (_rn) from {_latest(con, 'deals', 'deal_id')} "
        "where lower(coalesce(is_deleted, 'false')) = 'false' and coalesce(closed_at, '') <> '')"
    )
    counts["closed deals changed"] = _add(
        con,
        "deals",
        f"""
        select * replace (
            case when deal_stage = 'closedwon' then 'true' else is_deleted end as is_deleted,
            case when deal_stage = 'closedlost'
                then cast(cast(amount as decimal(18, 2)) + 100 as varchar) else amount end
                as amount
        )
        from {closed}
        where deal_id in (
            select min(deal_id) from {closed} where deal_stage = 'closedwon'
            union all
            select min(deal_id) from {closed}
            where deal_stage = 'closedlost' and coalesce(cast(amount as varchar), '') <> ''
        )
        """,
    )
    live = (
        f"(select * exclude (_rn) from {_latest(con, 'contacts', 'contact_id')} "
        "where lower(coalesce(is_deleted, 'false')) = 'false')"
    )
    changed_at = f"strftime({d} + interval 10 hour, '{TS}')"
    counts["contacts become customer"] = _add(
        con,
        "contacts",
        f"""
        select * replace (
            'customer' as lifecycle_stage, {changed_at} as became_customer_at,
            {changed_at} as updated_at
        )
        from {live}
        where contact_id = (
            select min(contact_id) from {live}
            where coalesce(became_opportunity_at, '') <> ''
                and coalesce(became_customer_at, '') = ''
        )
        """,
    )
    counts["contacts deleted"] = _add(
        con,
        "contacts",
        f"""
        select * replace ('true' as is_deleted, {changed_at} as updated_at)
        from {live}
        where contact_id = (
            select min(contact_id) from {live} where coalesce(became_mql_at, '') <> ''
        )
        """,
    )
    counts["new contacts"] = _add(
        con,
        "contacts",
        f"""
        select * replace (
            '990000001' as contact_id, 'new.lead@newday.example' as email,
            'New' as first_name, 'Lead' as last_name, 'lead' as lifecycle_stage,
            strftime({d} + interval 8 hour, '{TS}') as created_at,
            strftime({d} + interval 8 hour + interval 30 minute, '{TS}') as became_lead_at,
            null as became_mql_at, null as became_sql_at, null as became_opportunity_at,
            null as became_customer_at, 'false' as is_deleted,
            strftime({d} + interval 8 hour + interval 30 minute, '{TS}') as updated_at
        )
        from {live}
        where contact_id = (select min(contact_id) from {live})
        """,
    )
    return counts


def _finance(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    counts: dict[str, int] = {}
    counts["fx rates"] = _add(
        con,
        "fx_rates",
        f"""
        select * exclude (_rn) replace ('{day.isoformat()}' as rate_date)
        from fx_rates
        qualify row_number() over (
            partition by upper(currency)
            order by try_cast(rate_date as date) desc nulls last, _rn desc
        ) = 1
        """,
    )
    counts["expenses"] = _add(
        con,
        "expenses",
        f"""
        select * exclude (_rn) replace (
            'exp_d{day.strftime("%Y%m%d")}' as expense_id, '{day.isoformat()}' as incurred_on
        )
        from expenses
        where coalesce(expense_id, '') <> '' and try_cast(incurred_on as date) is not null
            and try_cast(amount as decimal(18, 2)) > 0 and department = 'marketing'
        order by try_cast(incurred_on as date) desc, expense_id
        limit 1
        """,
    )
    return counts


def append_day(raw_dir: Path, out_dir: Path, fmt: str | None = None) -> tuple[date, dict[str, int]]:
    """Write raw_dir plus one more day to out_dir; returns the new day and what it brought."""
    in_fmt = _detect_format(raw_dir)
    out_fmt = fmt or in_fmt
    con = duckdb.connect()
    _register(con, raw_dir, in_fmt)
    latest = con.execute(
        "select max(cast(try_cast(replace(created_at, 'T', ' ') as timestamp) as date))"
        " from invoices"
    ).fetchone()[0]
    day = latest + timedelta(days=1)
    counts = {**_billing(con, day), **_crm(con, day), **_finance(con, day)}
    for domain, tables in TABLES.items():
        (out_dir / domain).mkdir(parents=True, exist_ok=True)
        for table in tables:
            target = out_dir / domain / f"{table}.{out_fmt}"
            options = "(format parquet)" if out_fmt == "parquet" else "(header true)"
            # Old rows in their order, then the new ones: the load order staging relies on.
            con.execute(
                f"""
                copy (
                    select * exclude (_part, _pos) from (
                        select *, 0 as _part, row_number() over () as _pos from old_{table}
                        union all
                        select *, 1 as _part, row_number() over () as _pos from new_{table}
                    )
                    order by _part, _pos
                ) to '{target}' {options}
                """
            )
    return day, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--format", choices=["csv", "parquet"])
    args = parser.parse_args()
    started = time.monotonic()
    day, counts = append_day(args.raw_dir, args.out, args.format)
    brought = ", ".join(f"{name} {count}" for name, count in counts.items())
    print(f"appended {day.isoformat()} in {time.monotonic() - started:.1f} s: {brought}")


if __name__ == "__main__":
    main()
