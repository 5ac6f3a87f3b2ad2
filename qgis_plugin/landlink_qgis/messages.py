"""What the plugin says in the Processing log and its errors, in the language of the dialog.

Every algorithm has a Language parameter (中文 first); under ``zh`` every word the plugin itself
writes is Chinese, and landlink runs with ``--lang zh`` where the command has it.
"""

#: key → (zh, en)
MESSAGES = {
    "need_project": (
        "请给出项目文件（TOML），或至少给出拆旧地块图层",
        "Give a project file (TOML) or at least the demolition plots layer",
    ),
    "copy_failed": ("无法为 landlink 复制图层 {name}：{error}", "cannot copy layer {name} for landlink: {error}"),
    "layer_source": ("{role}：{src}", "{role}: {src}"),
    "project_written": ("已生成项目文件 {path}（检查结果的 run_info 表保存其副本）",
                        "wrote the project file {path} (the check's run_info table keeps a copy)"),
    "loaded": ("已从 {path} 加载 {n} 个图层", "loaded {n} layers from {path}"),
    "done": ("检查问题 {findings} 条，其中错误 {errors} 条；landlink 退出码 {code}",
             "{findings} findings, {errors} errors; landlink exit code {code}"),
    "failed": ("{what} 失败（退出码 {code}）：", "{what} failed (exit code {code}): "),
    "package_todo": ("landlink package 已写出数据包，但上传前仍有须处理的事项（见日志）",
                     "landlink package wrote the package but reports items to fix before upload (see the log)"),
    "no_package_command": (
        "当前的 landlink-gis 没有 `landlink package` 命令（生成报备数据包需要更新版本）：请用 pip install -U landlink-gis 更新",
        "This landlink-gis has no `landlink package` command (building filing packages needs a newer "
        "landlink-gis): update it with pip install -U landlink-gis",
    ),
    "exe_broken": (
        "设置的 landlink 程序 {exe} 不存在或不可执行：请在 设置 → 选项 → 处理 → 提供者 → landlink-gis 中改正",
        "The configured landlink executable {exe} does not exist or is not executable; "
        "fix it under Settings → Options → Processing → Providers → landlink-gis",
    ),
    "not_found": (
        "未找到 landlink-gis：请安装（pip install landlink-gis），并在 设置 → 选项 → 处理 → 提供者 → landlink-gis 中"
        "填写其 landlink 程序的路径",
        "landlink-gis was not found: install it (pip install landlink-gis) and set the path of its `landlink` "
        "executable under Settings → Options → Processing → Providers → landlink-gis",
    ),
    "ledger_created": ("已创建台账 {ledger}（坐标系 {crs}）", "created the ledger {ledger} (CRS {crs})"),
    "need_reason": ("强制执行须填写原因", "forcing needs a reason"),
}

#: the Language parameter's choices, in order
LANGS = ["zh", "en"]
LANG_LABELS = ["中文 (zh)", "English (en)"]

#: layer roles in the dialog's language (log lines)
ROLE_WORDS = {
    "demolition": "拆旧地块",
    "construction": "建新地块",
    "compensation": "占补平衡已用地",
    "basic_farmland": "永久基本农田",
    "ecological_redline": "生态保护红线",
    "development_boundary": "城镇开发边界",
    "landuse": "三调地类图斑",
    "boundary": "县域/项目区界线",
    "illegal_land": "违法违规用地",
    "ledger": "其他挂钩项目地块",
}


def tr(key, lang, **values):
    """The message ``key`` in ``lang`` (``zh`` or ``en``) with ``values`` filled in."""
    zh, en = MESSAGES[key]
    return (zh if lang == "zh" else en).format(**values)
