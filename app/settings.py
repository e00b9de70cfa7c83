"""Window settings: declared once with type, default and description; stored as JSON, written atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.atomic import write_atomic


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: type
    default: Any
    description: str
    choices: tuple[str, ...] = ()  # the only texts a str setting takes (none: any)
    minimum: int | None = None  # an int setting's bounds
    maximum: int | None = None
    assigned: bool = (
        False  # written at registration or demo set-up: shown, not edited, in the settings dialog
    )

    def problem(self, value: Any) -> str | None:
        """Why `value` cannot be this setting (None when it can), in words for hall IT."""
        if not isinstance(value, self.type) or (self.type is int and isinstance(value, bool)):
            return f"设置 {self.key} 应为 {_TYPE_LABEL.get(self.type, self.type.__name__)}"
        if self.choices and value not in self.choices:
            return f"设置 {self.key} 只能是 {' 或 '.join(self.choices)}"
        if not isinstance(value, int):
            return None
        if self.minimum is not None and value < self.minimum:
            return f"设置 {self.key} 不能小于 {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"设置 {self.key} 不能大于 {self.maximum}"
        return None


_TYPE_LABEL = {bool: "是/否", int: "整数", str: "文字", dict: "键值表"}


# A folder's identity as a window (hall, window code, window name) is empty until the server confirms it at
# registration (`clerk register`); only a demo folder (`demo`) is given the demo hall's identity.
SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "demo",
        bool,
        False,
        "演示数据目录：示例大厅、演示账号，仅供演示和培训（clerk demo-init）",
        assigned=True,
    ),
    SettingSpec("hall_code", str, "", "本窗口所属政务服务大厅编码（登记时由服务器写入）", assigned=True),
    SettingSpec(
        "window_code", str, "", "窗口编码：区域内唯一，办件编号以它开头（登记时由服务器写入）", assigned=True
    ),
    SettingSpec("window_name", str, "", "窗口名称，显示并打印在文书上（登记时由服务器写入，可改）"),
    SettingSpec("office_name", str, "", "受理部门全称，印在文书抬头和印章区（空则用事项目录中的大厅名称）"),
    SettingSpec(
        "office_short_name", str, "示政服", "机关简称，用于文书编号（简称 + 性质 + 〔年份〕 + 顺序号 + 号）"
    ),
    SettingSpec(
        "document_serial_block",
        int,
        None,
        "本窗口的文号段 b：文书顺序号取 b×100000+1 至 b×100000+99999，同一大厅各窗口不得相同"
        "（不设则取窗口编码中大厅编码之后的窗口序号，如 SZX0103 为 3）",
    ),
    SettingSpec(
        "paper",
        str,
        "a4",
        "本窗口文书纸型：a4 或 receipt80（80 毫米小票打印机）",
        choices=("a4", "receipt80"),
    ),
    SettingSpec("verify_base", str, "HTTPS://ZWFW.EXAMPLE.GOV.CN", "在线查询/核验网址（大写，用于二维码）"),
    SettingSpec("printers", dict, {}, "按文书种类记住的打印机名称"),
    SettingSpec(
        "secret_store",
        str,
        "system",
        "密钥保存位置：system（系统密钥库）或 demo-file（仅限演示）",
        choices=("system", "demo-file"),
        assigned=True,
    ),
    SettingSpec("server_url", str, "", "中心服务器地址（登记后写入），如 https://zwfw-sync.example.gov.cn"),
    SettingSpec("server_ca", str, "", "校验服务器证书用的 CA 证书文件（空则用系统证书）"),
    SettingSpec("sync_interval_seconds", int, 30, "在线时自动同步的间隔（秒）", minimum=5, maximum=3600),
    SettingSpec(
        "idle_lock_minutes",
        int,
        10,
        "无键盘鼠标操作多少分钟后锁定窗口（隐藏办件内容，须输入密码解锁）",
        minimum=1,
        maximum=120,
    ),
    SettingSpec(
        "scan_key_interval_ms",
        int,
        35,
        "扫码枪识别：连续按键间隔不超过多少毫秒算扫码（可在设置中扫描测试码校准）",
        minimum=5,
        maximum=100,
    ),
    SettingSpec(
        "scan_end_pause_ms",
        int,
        80,
        "扫码枪不发送回车时，快速输入停顿多少毫秒算一次扫描结束",
        minimum=20,
        maximum=1000,
    ),
    SettingSpec(
        "page_reserve_mb",
        int,
        500,
        "材料页面采集时数据目录所在磁盘至少保留的空间（MB），不足时拒绝采集",
        minimum=50,
        maximum=100_000,
    ),
    SettingSpec(
        "scan_folder",
        str,
        "",
        "扫描文件夹：网络扫描仪“扫描到文件夹”的目标目录，新文件自动导入当前材料（空则不监视）",
    ),
    SettingSpec(
        "scan_dpi",
        int,
        300,
        "扫描仪扫描材料页面的分辨率（dpi）；分隔页整叠扫描也用此分辨率",
        minimum=100,
        maximum=600,
    ),
    SettingSpec(
        "scan_colour",
        str,
        "gray",
        "扫描仪的色彩：gray 灰度（默认）、colour 彩色（有红色印章的材料）、lineart 黑白",
        choices=("gray", "colour", "lineart"),
    ),
    SettingSpec(
        "camera_device",
        str,
        "",
        "上次选用的高拍仪（设备编号，十六进制；在拍摄窗口中选择后记住）",
    ),
    SettingSpec(
        "camera_resolution",
        str,
        "",
        "上次选用的高拍仪分辨率，如 3264x2448（在拍摄窗口中选择后记住；空则用最大分辨率）",
    ),
    SettingSpec(
        "review_department",
        str,
        "",
        "本机审批队列显示的部门（后台审批电脑；空则显示全部部门），在审批队列中选择后记住",
    ),
)
_BY_KEY = {spec.key: spec for spec in SPECS}


class SettingsError(ValueError):
    pass


class Settings:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._values: dict[str, Any] = {}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                raise SettingsError(f"设置文件无法读取：{path}（{error}）") from None
            if not isinstance(loaded, dict):
                raise SettingsError(f"设置文件格式错误：{path}")
            for key, value in loaded.items():
                spec = _BY_KEY.get(key)
                if spec is not None and spec.problem(value) is None:  # otherwise the default holds
                    self._values[key] = value

    def get(self, key: str) -> Any:
        return self._values.get(key, _BY_KEY[key].default)

    def set(self, key: str, value: Any) -> None:
        self.update({key: value})

    def has(self, key: str) -> bool:
        """True when the file sets `key` (a default does not count)."""
        return key in self._values

    def update(self, values: dict[str, Any]) -> None:
        """Set several settings in one write: all of them or, on a wrong key or type, none."""
        for key, value in values.items():
            spec = _BY_KEY.get(key)
            if spec is None:
                raise SettingsError(f"没有名为 {key} 的设置")
            problem = spec.problem(value)
            if problem is not None:
                raise SettingsError(problem)
        self._write({**self._values, **values})

    def save(self) -> None:
        self._write(self._values)

    def _write(self, values: dict[str, Any]) -> None:
        """Write the file first, then take the values: a failed write leaves both as they were."""
        data = json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        write_atomic(self.path, data)
        self._values = dict(values)
