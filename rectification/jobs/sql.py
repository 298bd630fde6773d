"""The spelling of the set-based jobs' SQL (INSERT … SELECT), on PostgreSQL and on SQLite.

The two databases differ in two things the reminders need, the Chinese date and the number
of days between two dates; they are spelled here and nowhere else. Concatenation (||),
substr, UNION and INSERT … ON CONFLICT DO NOTHING read the same on both. Statements take
named parameters (%(name)s), which Django hands to psycopg2 and to sqlite3 alike; a literal
% in a statement is therefore written %%.
"""

import string
from collections.abc import Iterable
from datetime import date

from django.db import connection


def listed(values: Iterable[str]) -> str:
    """Choice values written into the statement: 'LEAD', 'COOP'. Code constants only (they
    are checked to be plain identifiers), never user input."""
    values = [str(v) for v in values]
    if not values or not all(v.isidentifier() for v in values):
        raise ValueError(f"not a list of choice values: {values!r}")
    return ", ".join(f"'{v}'" for v in values)


def day(value: date) -> object:
    """A date as a parameter (a date for psycopg2, 'YYYY-MM-DD' for sqlite3)."""
    return connection.ops.adapt_datefield_value(value)


def date_cn(column: str) -> str:
    """The date in `column` as 2020年02月05日, which is Python's f"{d:%Y年%m月%d日}"."""
    if connection.vendor == "postgresql":
        return f"""to_char({column}, 'YYYY"年"MM"月"DD"日"')"""
    return f"strftime('%%Y年%%m月%%d日', {column})"


def days_between(later: str, earlier: str) -> str:
    """Whole days from the date `earlier` to the date `later`, an integer ((later - earlier).days)."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def text(template: str, params: dict[str, object], **fields: str) -> str:
    """A wording template ("已逾期{days}天") as an SQL concatenation: each literal part becomes
    a parameter added to `params`, each {field} the SQL expression given for it."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        if literal:
            name = f"text_{len(params)}"
            params[name] = literal
            parts.append(f"%({name})s")
        if field is not None:
            parts.append(f"({fields[field]})")
    return " || ".join(parts)
