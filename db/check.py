"""Is the window's database file sound? The quick check of every start, and the full one of `clerk db check`.

A damaged file is refused, never repaired or replaced: a window whose database was emptied or swapped for a
fresh one would number cases again from serial 0001 (numbers the server already holds for other cases) and
get the demo accounts back; one that fails an integrity check would take more writes on top of the damage.
Hall IT restores the file from a backup; every case synced before is on the server.

What the start checks costs little: the file's size and header are read with plain I/O, then SQLite's
`PRAGMA quick_check` (every page's structure, not the indexes' contents) runs on a read-only connection, so
nothing is written to a file being refused (a read-only connection does not checkpoint a leftover WAL
into it). On a 200 MB database it takes about 0.1 s with the file in the OS cache.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQLITE_HEADER = b"SQLite format 3\x00"
# Files SQLite keeps beside a database: a write-ahead log, its index, a rollback journal.
COMPANIONS = ("-wal", "-shm", "-journal")
MAX_REPORTED = 100  # problems listed by integrity_check / quick_check

WHAT_TO_DO = (
    "程序没有改动该文件，也不会新建数据库（否则办件编号会从 0001 重新开始，与服务器上已有的编号重复）。"
    "请大厅信息技术人员：运行 clerk db check --home {folder} 查看详情；从备份恢复该文件；"
    "已同步的办件在中心服务器上完好保存。恢复后先运行 clerk sync 和 clerk reconcile 核对，再开始受理："
    "备份之后受理的办件不在备份中，其编号可能被再次使用，服务器会拒收并列为冲突"
)


@dataclass(frozen=True)
class Finding:
    check: str  # "file" | "integrity" | "foreign_keys" | "schema"
    message: str


@dataclass
class DatabaseCheck:
    """What `clerk db check` found; sound when `findings` is empty."""

    path: Path
    findings: list[Finding] = field(default_factory=list)
    size: int = 0
    schema_version: int | None = None
    cases: int | None = None
    pending_events: int | None = None  # not yet on the server: lost with the file unless it is restored

    @property
    def sound(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sound": self.sound,
            "size": self.size,
            "schema_version": self.schema_version,
            "cases": self.cases,
            "pending_events": self.pending_events,
            "findings": [{"check": f.check, "message": f.message} for f in self.findings],
        }


def damaged_message(path: Path, findings: list[Finding]) -> str:
    """The message that stops the window, the CLI and the sync, for hall IT."""
    details = "；".join(f.message for f in findings[:3]) + ("……" if len(findings) > 3 else "")
    return f"本窗口的数据库文件已损坏（{details}）：{path}。" + WHAT_TO_DO.format(folder=path.parent)


def orphaned_companions(path: Path) -> list[Path]:
    """Journal files of a database that is not there: it was moved or deleted. SQLite would start a fresh
    database and throw the write-ahead log (the latest cases) away."""
    return [p for p in (path.with_name(path.name + suffix) for suffix in COMPANIONS) if p.exists()]


def missing_message(path: Path, companions: list[Path]) -> str:
    names = "、".join(p.name for p in companions)
    return (
        f"本窗口的数据库文件不见了：{path}，但旁边还有它的日志文件（{names}），说明数据库曾在这里、"
        f"已被移走或删除。" + WHAT_TO_DO.format(folder=path.parent)
    )


def file_findings(path: Path) -> list[Finding]:
    """Empty, or not an SQLite database at all: known from the first bytes, before SQLite opens it."""
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if not header:
        return [Finding("file", "文件为空（0 字节）")]
    if header != SQLITE_HEADER:
        return [Finding("file", "文件不是 SQLite 数据库（文件头不对）")]
    return []


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)


def _problems(connection: sqlite3.Connection, pragma: str) -> list[str]:
    rows = [str(row[0]) for row in connection.execute(f"PRAGMA {pragma}({MAX_REPORTED})")]
    return [] if rows == ["ok"] else rows


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    text = str(error).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def quick_findings(path: Path) -> list[Finding]:
    """The start's check of an existing file. sqlite3.Error other than damage (locked, unreadable) is
    raised for the caller to describe."""
    findings = file_findings(path)
    if findings:
        return findings
    connection = _read_only(path)
    try:
        problems = _problems(connection, "quick_check")
    except sqlite3.DatabaseError as error:
        if not _is_damage(error):
            raise
        problems = [str(error)]
    finally:
        connection.close()
    return [Finding("integrity", f"快速完整性检查未通过：{p}") for p in problems]


def full_check(path: Path, *, schema_version: int, tables: set[str]) -> DatabaseCheck:
    """Everything `clerk db check` looks at: the file, `PRAGMA integrity_check` (indexes too), foreign
    keys, the schema version against this program's, the tables this program needs; and, when readable,
    how many cases and not yet synced events the file holds."""
    report = DatabaseCheck(path)
    if not path.exists():
        companions = orphaned_companions(path)
        message = "数据库文件不存在" + (
            f"，但旁边有它的日志文件 {'、'.join(p.name for p in companions)}" if companions else ""
        )
        report.findings.append(Finding("file", message))
        return report
    report.size = path.stat().st_size
    report.findings += file_findings(path)
    if report.findings:
        return report
    connection = _read_only(path)
    try:
        _full_check(connection, report, schema_version=schema_version, tables=tables)
    except sqlite3.DatabaseError as error:
        if not _is_damage(error):
            raise
        report.findings.append(Finding("integrity", f"无法读取：{error}"))
    finally:
        connection.close()
    return report


def _full_check(
    connection: sqlite3.Connection, report: DatabaseCheck, *, schema_version: int, tables: set[str]
) -> None:
    report.findings += [Finding("integrity", p) for p in _problems(connection, "integrity_check")]
    for table, rowid, parent, _fk in connection.execute("PRAGMA foreign_key_check").fetchmany(MAX_REPORTED):
        report.findings.append(Finding("foreign_keys", f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在"))
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    report.schema_version = version
    if version > schema_version:
        report.findings.append(
            Finding("schema", f"结构版本 {version} 高于本程序支持的 {schema_version}：由更新版本的程序创建")
        )
    present = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == schema_version and not tables <= present:
        missing = "、".join(sorted(tables - present))
        report.findings.append(Finding("schema", f"结构版本 {version} 应有的表缺失：{missing}"))
    if {"case", "case_event"} <= present and not any(f.check == "integrity" for f in report.findings):
        report.cases = int(connection.execute('SELECT count(*) FROM "case"').fetchone()[0])
        report.pending_events = int(
            connection.execute(
                "SELECT count(*) FROM case_event WHERE acknowledged_at IS NULL AND rejected_at IS NULL"
            ).fetchone()[0]
        )
