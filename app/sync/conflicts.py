"""Sync conflicts as a hall supervisor reads them: what each kind means, where its records are, and who
resolved it.

The server sends a conflict with a `reason` (its kind, `wire.CONFLICT_*`) and a message written for the
window that caused it. The supervisor may read the list at any window of the hall, so the texts here are
written per kind for that reader; each says where the records of that kind are kept, and the header
claims nothing that a row's kind contradicts.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.sync import wire

CONFLICTS_HEADER = (
    "以下情况服务器无法自动合并，请大厅负责人核实后记录处理结果。"
    "没有删除任何记录：每一行写明了这件事的各条记录保存在哪里。"
)

# reason → what happened and where the records are ({window}: the window of the PC that sent the record
# which caused the conflict).
_KIND_TEXT: dict[str, str] = {
    wire.CONFLICT_DUPLICATE_CASE_NUMBER: (
        "编号重复：{window}有一台电脑提交的办件使用了服务器上已有的办件编号。"
        "服务器保留先收到的那条；后到的那条未存入服务器，仍保存在提交它的电脑上（在该电脑的“被拒收”记录中）。"
        "可能两台电脑用了同一个窗口编码，或电脑从旧备份恢复：请联系大厅信息技术人员核对。"
    ),
    wire.CONFLICT_ISSUED_TWICE: (
        "重复发证：该办件被发证两次（后一次由{window}提交），两条发证记录都已保存在服务器上。"
        "请核实以哪一张证照为准，收回另一张。"
    ),
    wire.CONFLICT_HANDED_OVER_TWICE: (
        "重复出件：该办件的证照被交付两次（后一次由{window}提交），两条交付记录都已保存在服务器上。"
        "请核实证照实际由谁领取。"
    ),
}
_MINE_DUPLICATE = (
    "编号重复：本机提交的办件使用了服务器上已有的办件编号。"
    "服务器保留先收到的那条；本机这条未存入服务器，仍保存在本机（在“被拒收”记录中）。"
    "可能两台电脑用了同一个窗口编码，或本机从旧备份恢复：请暂停在本机受理新办件，联系大厅信息技术人员核对。"
)


def describe_conflict(*, reason: str, window_code: str | None, message: str, mine: bool = False) -> str:
    """The supervisor's sentence for a conflict. `mine`: this PC sent the record that caused it. A kind this
    program does not know (a newer server) is shown in the server's own words."""
    if mine and reason == wire.CONFLICT_DUPLICATE_CASE_NUMBER:
        return _MINE_DUPLICATE
    text = _KIND_TEXT.get(reason)
    if text is None:
        return f"服务器报告的冲突：{message or reason}"
    return text.format(window=f"{window_code} 窗口" if window_code else "某个窗口")


def resolver_label(resolved_by: str | None, names: Mapping[str, str]) -> str:
    """Who resolved a conflict, by name: the server records "login@WINDOW" (the login the window sent, and
    the window it came from); this window knows the names of its accounts. An account it does not know is
    shown as such."""
    if not resolved_by:
        return ""
    login, _, window = resolved_by.partition("@")
    name = names.get(login)
    who = name if name else f"账号 {login}"
    return f"{who}（{window} 窗口）" if window else who
