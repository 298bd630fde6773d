"""The tamper-evident chain over the event tables (docs/adr/0006-tamper-evident-events.md).

Every event row gets one `accounts.EventSeal` in one global chain: the seal's `hash` is
SHA-256 over the previous seal's hash, the seal's `seq`, the table, the event id and the
canonical serialisation of the row (every column whose value is not empty, keys sorted).
Changing a sealed row, deleting it, deleting or reordering seals, or writing an event
around the writers all show in `verify()`.

The writers in accounts.events take `lock()` before their INSERT and call `seal()` after it,
in the same transaction: on PostgreSQL an advisory lock held until commit serialises the
event writers, so ids are handed out and committed in the same order and "every row above
the table's last sealed id" is exactly what this transaction wrote (plus anything written
around the writers, which `seal_all()`, the sweep, also finds). On SQLite every write
transaction already holds the database's one write lock (BEGIN IMMEDIATE).
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Max, Model

# The chained tables, in the order a seal() of all of them visits them.
CHAINED: tuple[str, ...] = (
    "rectification.Event",
    "inspections.InspectionEvent",
    "accounts.AccountEvent",
)
GENESIS = "0" * 64
LOCK_KEY = 0x6576656E74  # "event": pg_advisory_xact_lock's key for the event writers
BATCH = 2000


def seal_statements(vendor: str) -> int:
    """The statements one writer's seal() adds to its INSERT when it chains fewer than BATCH
    rows: savepoint, the lock (PostgreSQL), the head, the table's last sealed id, the new
    rows, the seals' INSERT, release (two more per further BATCH rows)."""
    return 6 + (vendor == "postgresql")


def chained_models() -> list[type[Model]]:
    return [apps.get_model(label) for label in CHAINED]


def lock() -> None:
    """Serialise event writers until the current transaction ends (call inside atomic())."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    # SQLite: the transaction took the database's write lock at BEGIN IMMEDIATE.


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _empty(value) -> bool:
    return value is None or (isinstance(value, str | dict | list) and len(value) == 0)


def digest(prev_hash: str, seq: int, table: str, event_id: int, row: dict) -> str:
    """The seal's hash. Empty columns (NULL, "", {}) are left out, so a column added to an
    event table later does not change the hash of the rows sealed before it."""
    content = {name: _plain(v) for name, v in row.items() if not _empty(v)}
    payload = json.dumps(
        [seq, table, event_id, content],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _attnames(model: type[Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _head() -> tuple[int, str]:
    from accounts.models import EventSeal

    last = EventSeal.objects.order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS)


def _chain(model: type[Model], queryset, head: tuple[int, str]) -> tuple[int, tuple[int, str]]:
    """Seal the rows of `queryset` in id order after `head`; returns (count, new head)."""
    from accounts.models import EventSeal

    table = model._meta.db_table
    names = _attnames(model)
    seq, prev = head
    count, after = 0, 0
    while True:
        rows = list(queryset.filter(pk__gt=after).order_by("pk").values(*names)[:BATCH])
        if not rows:
            return count, (seq, prev)
        seals = []
        for row in rows:
            seq += 1
            value = digest(prev, seq, table, row["id"], row)
            seals.append(
                EventSeal(seq=seq, table=table, event_id=row["id"], prev_hash=prev, hash=value)
            )
            prev = value
        EventSeal.objects.bulk_create(seals)
        count += len(rows)
        if len(rows) < BATCH:
            return count, (seq, prev)
        after = rows[-1]["id"]


def seal(*models: type[Model]) -> int:
    """Chain the rows of `models` (default: every chained table) written after the table's
    last sealed row. Writers call it under lock(), after their INSERT. Returns rows sealed."""
    from accounts.models import EventSeal

    head = _head()
    total = 0
    for model in models or chained_models():
        last = EventSeal.objects.filter(table=model._meta.db_table).aggregate(m=Max("event_id"))
        count, head = _chain(model, model._base_manager.filter(pk__gt=last["m"] or 0), head)
        total += count
    return total


def _unsealed(model: type[Model]):
    from accounts.models import EventSeal

    sealed = EventSeal.objects.filter(table=model._meta.db_table).values("event_id")
    return model._base_manager.exclude(pk__in=sealed)


@transaction.atomic
def seal_all() -> int:
    """The sweep: chain every event row that has no seal (rows written around the writers:
    bulk loaders, rows there before the chain existed). Returns rows sealed."""
    lock()
    head = _head()
    total = 0
    for model in chained_models():
        count, head = _chain(model, _unsealed(model), head)
        total += count
    return total


@dataclass
class Report:
    """What verify() found: `ok`, the rows and seals counted, and the first broken link."""

    ok: bool = True
    rows: dict[str, int] = field(default_factory=dict)
    seals: int = 0
    head: str = GENESIS
    table: str = ""
    event_id: int | None = None
    kind: str = ""  # changed | deleted | reordered | unsealed
    message: str = ""

    def fail(self, table: str, event_id: int | None, kind: str, message: str) -> "Report":
        self.ok, self.table, self.event_id, self.kind, self.message = (
            False,
            table,
            event_id,
            kind,
            message,
        )
        return self

    def summary(self) -> str:
        counts = "，".join(f"{label} {n} 条" for label, n in self.rows.items())
        if self.ok:
            return f"操作记录校验通过：{counts}；封存链 {self.seals} 环，末端哈希 {self.head[:16]}"
        return f"操作记录校验失败：{self.message}"


def _label(table: str) -> str:
    for model in chained_models():
        if model._meta.db_table == table:
            return f"{model._meta.verbose_name}（{table}）"
    return table


def verify(*, batch: int = 5000) -> Report:
    """Walk the chain in seq order and recompute every hash, then look for unsealed rows.
    Stops at the first broken link."""
    from accounts.models import EventSeal

    report = Report()
    models = {m._meta.db_table: m for m in chained_models()}
    expected, prev = 1, GENESIS
    after = 0
    while True:
        seals = list(
            EventSeal.objects.filter(seq__gt=after)
            .order_by("seq")
            .values_list("seq", "table", "event_id", "prev_hash", "hash")[:batch]
        )
        if not seals:
            break
        rows: dict[tuple[str, int], dict] = {}
        for table, model in models.items():
            ids = [s[2] for s in seals if s[1] == table]
            for start in range(0, len(ids), 1000):
                chunk = ids[start : start + 1000]
                for row in model._base_manager.filter(pk__in=chunk).values(*_attnames(model)):
                    rows[(table, row["id"])] = row
        for seq, table, event_id, prev_hash, value in seals:
            where = f"{_label(table)}第 {event_id} 号记录"
            if seq != expected:
                return report.fail(
                    table,
                    event_id,
                    "reordered",
                    f"封存链在第 {expected} 环中断（下一环为第 {seq} 环，{where}）：封存记录被删除或改号",
                )
            if prev_hash != prev:
                return report.fail(
                    table,
                    event_id,
                    "reordered",
                    f"封存链第 {seq} 环（{where}）与上一环接不上：封存记录被修改或重排",
                )
            row = rows.get((table, event_id))
            if row is None:
                return report.fail(
                    table, event_id, "deleted", f"{where}已被删除（封存链第 {seq} 环）"
                )
            if digest(prev, seq, table, event_id, row) != value:
                return report.fail(
                    table, event_id, "changed", f"{where}在封存后被修改（封存链第 {seq} 环）"
                )
            prev, expected = value, expected + 1
        after = seals[-1][0]
    report.seals, report.head = expected - 1, prev
    for table, model in models.items():
        report.rows[str(model._meta.verbose_name)] = model._base_manager.count()
        first = _unsealed(model).order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            return report.fail(
                table,
                first,
                "unsealed",
                f"{_label(table)}第 {first} 号记录没有封存：绕过写入接口写入，或在封存链之外补写",
            )
    return report


# --- the append-only triggers (PostgreSQL; the migrations call these) ----------------------

_REFUSE = """
CREATE OR REPLACE FUNCTION ducha_refuse_event_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '操作记录只能追加，不能修改或删除（表 %）', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def append_only(*tables: str):
    """A migration's RunPython pair that puts (and takes off) a trigger refusing UPDATE and
    DELETE on `tables`, on PostgreSQL only (TRUNCATE, a test flush, is not a row change)."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(_REFUSE, params=None)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ducha_refuse_event_change()"
            )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")

    return forward, backward
