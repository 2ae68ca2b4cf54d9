"""Chinese for the services' messages that carry values ("Cannot take 5 of WATER-5L: ...").

The services speak English, and the API keeps it: its problem JSON is for programs and
engineers. The pages show the same messages to depot managers, who should read them in
Chinese. `i18n.ZH` covers fixed strings; here each message with values is an English
template with `{named}` placeholders beside its Chinese template. A template becomes a regex
whose placeholders capture the values; the first pattern that matches the whole message wins,
so a more specific template comes before a general one. A captured value that is itself a
known word (a status, a row kind) is translated too; any other value (codes, numbers,
dates) is kept as it is. A message no pattern matches is shown in English, unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from api.web.i18n import ZH, translate

#: (English, Chinese) templates, in the order they are tried.
PATTERNS: Final[tuple[tuple[str, str], ...]] = (
    # --- input refused before any change
    (
        "The form was not accepted: control characters are not allowed (found {code}).",
        "表单未被接受：不允许包含控制字符（发现 {code}）。",
    ),
    (
        "The username or password was not accepted: control characters are not allowed "
        "(found {code}).",
        "用户名或密码未被接受：不允许包含控制字符（发现 {code}）。",
    ),
    ("control characters are not allowed (found {code})", "不允许包含控制字符（发现 {code}）"),
    (
        "Too many failed sign-ins; try again in {n} second(s).",
        "登录失败次数过多，请 {n} 秒后再试。",
    ),
    (
        "Too many failed sign-ins; try again in {n} minute(s).",
        "登录失败次数过多，请 {n} 分钟后再试。",
    ),
    # --- distribution points, delivery orders, waves
    (
        "Depot {code} is not a community depot or a distribution point; supplies are handed "
        "out only there.",
        "仓库 {code} 不是社区仓库或发放点；物资只能在社区仓库或发放点发放。",
    ),
    (
        "lot {lot} is past its expiry date; an expired lot is not received",
        "批次 {lot} 已过有效期，过期批次不能入库",
    ),
    (
        "Lot {lot} of {item} is past its expiry date; an expired lot is not received into "
        "stock (return it to the sender, or dispose of it).",
        "{item} 的批次 {lot} 已过有效期，过期批次不能入库（请退回发货方或按规定处置）。",
    ),
    ("is before the day of receipt ({day})", "早于入库日期（{day}）"),
    ("Route plan {id} is a draft; approve it first.", "路线方案 {id} 仍是草稿，请先批准。"),
    (
        "Route plan {id} has no wave {wave}; its waves are {waves}.",
        "路线方案 {id} 没有第 {wave} 批；它的批次为 {waves}。",
    ),
    (
        "Wave {wave} of route plan {id} is already dispatched.",
        "路线方案 {id} 的第 {wave} 批已发运。",
    ),
    (
        "Dispatch wave {earlier} before wave {wave}.",
        "请先发运第 {earlier} 批，再发运第 {wave} 批。",
    ),
    (
        "Delivery order {id} is for depot {code}; confirm it there.",
        "调用通知 {id} 的收货点是 {code}，请在那里确认。",
    ),
    ("Delivery order {id} was already confirmed.", "调用通知 {id} 已确认到货。"),
    (
        "Delivery order {id} asks for {quantity}; {arrived} cannot be accepted and rejected "
        "against it (record the surplus as a receipt of its own).",
        "调用通知 {id} 要求 {quantity}，不能按它验收和拒收 {arrived}（多出部分请另行登记入库）。",
    ),
    (
        "the fleet could not carry it in wave {wave} (due {due} after the first departure; "
        "{reason}): add vehicles at this depot, call on an agreement reserve, or give the "
        "wave more days",
        "车队未能在第 {wave} 批内运出（首次发车后 {due} 内送达；{reason}）：请在该仓库增加"
        "车辆、调用协议储备，或延长该批天数",
    ),
    ("You may not read depot {code}.", "您不能查看仓库 {code} 的记录。"),
    # --- stock: issues, transfers, write-offs (inventory.rules, journal, stock, movements)
    (
        "Cannot take {quantity} of {item}: usable stock holds only {available}.",
        "无法取出 {item} {quantity}：可用库存只有 {available}。",
    ),
    (
        "Cannot take {quantity} of {item}: lot {lot} holds only {available}.",
        "无法取出 {item} {quantity}：批次 {lot} 只有 {available}。",
    ),
    (
        "Cannot take {quantity}: usable stock holds only {available}.",
        "无法取出 {quantity}：可用库存只有 {available}。",
    ),
    (
        "Cannot take {quantity}: lot {lot} holds only {available}.",
        "无法取出 {quantity}：批次 {lot} 只有 {available}。",
    ),
    (
        "A change of {quantity} would take the balance of {held} below zero.",
        "变动 {quantity} 会使结存 {held} 低于零。",
    ),
    ("The depot holds no stock of lot id {lot}.", "该仓库没有批次 {lot} 的库存。"),
    (
        "{n} line(s) would take stock below zero; nothing was recorded.",
        "有 {n} 行会使库存低于零；一行也没有记录。",
    ),
    ("lot {lot} is not known for this item", "此物资没有批次 {lot}"),
    (
        "lot {lot} is recorded with expiry {recorded}, not {given}",
        "批次 {lot} 登记的有效期是 {recorded}，不是 {given}",
    ),
    ("Lot {lot} of item {item} is not known.", "物资 {item} 没有批次 {lot}。"),
    (
        "Lot {lot} of {item} is new: give its expiry_date.",
        "{item} 的批次 {lot} 是新批次：请填写有效期。",
    ),
    (
        "Item {item} has a shelf life: give the lot's expiry_date.",
        "物资 {item} 有保质期：请填写批次的有效期。",
    ),
    ("Depot {depot} is closed.", "仓库 {depot} 已关闭。"),
    ("Community {community} belongs to another district.", "社区 {community} 属于其他区。"),
    (
        "Movement {movement} is itself a reversal; record a new movement.",
        "流水 {movement} 本身就是冲销；请另记一笔。",
    ),
    (
        "Movement {movement} belongs to a shipment; correct it through the receipt.",
        "流水 {movement} 属于一批运输；请通过收货更正。",
    ),
    (
        "Reversing movement {movement} would change depot(s) you may not change.",
        "冲销流水 {movement} 会改动您无权改动的仓库。",
    ),
    ("Movement {movement} has already been reversed.", "流水 {movement} 已经冲销过了。"),
    ("Route plan {id} does not exist.", "路线方案 {id} 不存在。"),
    (
        "Plan {plan} changed while routes were computed; compute them again.",
        "计算路线期间方案 {plan} 已有变动；请重新计算路线。",
    ),
    ("Forecast run {id} does not exist.", "预测 {id} 不存在。"),
    ("{what} {id} does not exist.", "{what} {id} 不存在。"),
    ("{what} already exists.", "{what} 已存在。"),
    # --- counts (inventory.counts)
    (
        "Count {count} is {status}; only an open count can change.",
        "盘点 {count} {status}；只有进行中的盘点可以修改。",
    ),
    (
        "Depot {depot} already has an open count ({count}).",
        "仓库 {depot} 已有进行中的盘点（{count}）。",
    ),
    ("Unknown item id(s): {ids}.", "未知的物资编号：{ids}。"),
    # --- spreadsheet import (inventory.spreadsheet, imports): the file, then its rows
    (
        "{file}: {n} bad row(s); nothing was imported. Fix them and upload again.",
        "{file}：有 {n} 行错误，一行也没有导入。请改正后重新上传。",
    ),
    ("{file}: only .csv and .xlsx files can be imported.", "{file}：只能导入 .csv 和 .xlsx 文件。"),
    (
        "{file}: the text is neither UTF-8 nor GB18030; save it as CSV UTF-8.",
        "{file}：文本既不是 UTF-8 也不是 GB18030 编码；请另存为 CSV UTF-8。",
    ),
    (
        "{file}: {n} rows is more than the limit of {limit}.",
        "{file}：{n} 行，超过了 {limit} 行的上限。",
    ),
    (
        "{file}: binary data is not a CSV file (UTF-16? save as UTF-8).",
        "{file}：二进制数据不是 CSV 文件（可能是 UTF-16？请另存为 UTF-8）。",
    ),
    (
        "{file}: no known column (expected e.g. {columns}).",
        "{file}：没有可识别的列（应有例如 {columns}）。",
    ),
    ("{file}: missing column(s) {columns}.", "{file}：缺少列 {columns}。"),
    ("{file}: the file holds no rows.", "{file}：文件中没有数据行。"),
    ("{file}: not a well-formed CSV file ({why}).", "{file}：不是格式正确的 CSV 文件（{why}）。"),
    ("{file}: the file has no header row.", "{file}：文件没有表头行。"),
    ("{file}: not a readable XLSX workbook ({why}).", "{file}：不是可读的 XLSX 工作簿（{why}）。"),
    ("{file} is empty.", "{file} 是空的。"),
    ("is longer than {n} characters", "超过 {n} 个字符"),
    (
        "'{value}' is {kind}; quantities are whole base units",
        "“{value}”{kind}；数量必须是基本单位的整数",
    ),
    ("{number} is larger than the limit of {limit}", "{number} 超过了上限 {limit}"),
    ("'{value}' is not one of {choices}", "“{value}”不是 {choices} 之一"),
    ("'{value}' is not {what}", "“{value}”不是{what}"),
    ("a {kind} names its lot", "{kind}须写明批次"),
    (
        "lot {lot} of {item} at {depot} is counted twice (first on line {line})",
        "{depot} 的 {item} 批次 {lot} 盘点了两次（第一次在第 {line} 行）",
    ),
    ("unknown depot '{depot}'", "未知的仓库“{depot}”"),
    ("depot '{depot}' cannot take movements", "仓库“{depot}”不能记录出入库"),
    ("you may not change depot '{depot}'", "您无权改动仓库“{depot}”"),
    (
        "'{depot}' is in another district; transfers stay within one",
        "“{depot}”在其他区；调拨只能在本区内进行",
    ),
    ("unknown item '{item}'", "未知的物资“{item}”"),
    ("{item} has a shelf life: give the expiry date", "{item} 有保质期：请填写有效期"),
    ("lot {lot} is new: give its expiry date", "批次 {lot} 是新批次：请填写有效期"),
    # --- dispatch receipts and manifests (dispatch)
    (
        "Manifest {manifest} carries nothing for depot {depot}.",
        "运单 {manifest} 没有发往仓库 {depot} 的物资。",
    ),
    (
        "Manifest {manifest} has already been received at this depot.",
        "运单 {manifest} 已在本仓库收货。",
    ),
    ("line {line} is not confirmed", "第 {line} 行尚未确认"),
    ("received in full is {quantity}", "全部收到应为 {quantity}"),
    ("must be below the {quantity} sent", "必须少于发出的 {quantity}"),
    ("a {outcome} line needs the quantity that arrived usable", "{outcome}的行须填写实际可用数量"),
    (
        "Route plan {route_plan} is already approved and dispatched.",
        "路线方案 {route_plan} 已批准并发运。",
    ),
    (
        "Plan {plan} has changed since these routes were made; route it again.",
        "方案 {plan} 在生成这些路线后已有改动；请重新计算路线。",
    ),
    ("Plan {plan} already has approved routes.", "方案 {plan} 已有批准的路线。"),
    # --- plans, routes, scenarios, forecasts (plans, dispatch.routes)
    (
        "Plan {plan} is {status}; approve it before routing.",
        "方案 {plan} {status}；请先批准再计算路线。",
    ),
    (
        "The trucks would leave at {departs}, not before plan {plan}'s deadline of {deadline} ({hours} h after the plan was made); choose an earlier departs_at or make a new plan.",  # noqa: E501
        "车辆将于 {departs} 出发，晚于方案 {plan} 的截止时间 {deadline}（方案制定后 {hours} 小时）；请选择更早的出发时间，或重新制定方案。",  # noqa: E501
    ),
    (
        "Plan {plan} is {status}; an approved plan does not change.",
        "方案 {plan} {status}；已批准的方案不能修改。",
    ),
    ("Plan {plan} has no line {line}.", "方案 {plan} 没有第 {line} 行。"),
    (
        "Plan {plan} changed while it was solved (a line was locked or changed, or it was "
        "solved again); solve it again.",
        "求解期间方案 {plan} 已有变动（有行被锁定或修改，或已重新求解）；请重新求解。",
    ),
    (
        "Plan {plan} has changed lines; re-solve it before approving.",
        "方案 {plan} 有改动的行；请重新求解后再批准。",
    ),
    (
        "Scenario {scenario} is not a scenario of district {district}.",
        "情景 {scenario} 不属于区 {district}。",
    ),
    ("Scenario {scenario} is already closed.", "情景 {scenario} 已关闭。"),
    ("Items of the scenario are not in the catalogue: {items}", "情景中的物资不在目录中：{items}"),
    ("There is no scenario {name} in the library.", "情景库中没有情景 {name}。"),
    ("The scenario file {file} cannot be read.", "无法读取情景文件 {file}。"),
    ("{code} is not in the catalogue", "{code} 不在目录中"),
    ("{code} is not a community of the district", "{code} 不是本区的社区"),
    (
        "locked lines send {quantity} but {community} needs {needed} of {item}",
        "锁定的行发送 {quantity}，但 {community} 只需要 {item} {needed}",
    ),
    (
        "locked lines take {quantity}, which would go below the safety floor of {floor}",
        "锁定的行取出 {quantity}，会低于安全库存 {floor}",
    ),
    ("lot holds {held}, locked {locked}", "批次只有 {held}，锁定了 {locked}"),
    ("reserve holds {held}, locked {locked}", "储备只有 {held}，锁定了 {locked}"),
    # --- the allocation's reasons on the plan page (optimizer.allocation.reasons, plans)
    (
        "limited by total stock of {item}: {available} can arrive within {hours} h for {demanded} demanded",  # noqa: E501
        "受 {item} 总库存限制：{hours} 小时内能运到 {available}，需求为 {demanded}",
    ),
    (
        "priority demand of {item} (vulnerable groups, life-critical needs) was served first",
        "{item} 的优先需求（弱势群体、维持生命的需要）已优先满足",
    ),
    (
        "source {source} reserved to its floor: keeps {kept} of {item}",
        "来源 {source} 保留安全库存：留下 {item} {kept}",
    ),
    (
        "source {source}: {quantity} of {item} expire before the {hours} h deadline",
        "来源 {source}：{item} {quantity} 会在 {hours} 小时截止时间前过期",
    ),
    (
        "supplier {source} lead time {lead} h > deadline {hours} h",
        "供应商 {source} 交货期 {lead} 小时，超过截止时间 {hours} 小时",
    ),
    ("and {n} more sources alike for {item}", "另有 {n} 个来源对 {item} 情况相同"),
    (
        "{quantity} of {item} kept on lines locked by the coordinator",
        "{item} {quantity} 保留在协调员锁定的行上",
    ),
    ("short of {n} item(s): {items}", "缺少 {n} 种物资：{items}"),
    # --- routes: travel data not used, lines left off the trips (dispatch)
    (
        "the district's travel table does not name {places} and {n} more",
        "本区的行程表没有 {places} 等另外 {n} 个地点",
    ),
    ("the district's travel table does not name {places}", "本区的行程表没有 {places}"),
    (
        "no vehicle reaches it within {time} of departure (the plan's deadline) and gets back within its shift",  # noqa: E501
        "没有车辆能在出发后 {time} 内（方案截止时间）到达并在班次内返回",
    ),
    # --- suppliers: decisions, documents, agreements, spot checks (suppliers)
    (
        "Supplier {supplier} has no document(s) {documents}.",
        "供应商 {supplier} 没有文件 {documents}。",
    ),
    (
        "A supplier with {scheme} number {number} is already registered.",
        "{scheme} 编号为 {number} 的供应商已登记。",
    ),
    ("Item {item} is listed twice.", "物资 {item} 列出了两次。"),
    ("Agreement number {number} is already used.", "协议编号 {number} 已被使用。"),
    (
        "The agreement ends ({until}) before it starts ({since}).",
        "协议的结束日期（{until}）早于开始日期（{since}）。",
    ),
    (
        "The document's validity ends ({until}) before it starts ({since}).",
        "文件的有效期结束（{until}）早于开始（{since}）。",
    ),
    (
        "{name} must carry a timezone (e.g. 2026-03-01T08:00:00Z).",
        "{name} 须带时区（例如 2026-03-01T08:00:00Z）。",
    ),
    ("{name} cannot be in the future.", "{name} 不能是将来的时间。"),
    # --- alerts (alerts.service)
    (
        "Alert {alert} was resolved at {when} UTC; there is nothing to acknowledge.",
        "预警 {alert} 已于 {when} UTC 解除，无需标记。",
    ),
    (
        "Alert {alert} was already acknowledged by {who} at {when} UTC.",
        "预警 {alert} 已由 {who} 于 {when} UTC 标记为已知悉。",
    ),
    # --- general checks (core, routing and allocation models, the page's own forms)
    (
        "Idempotency-Key must be 1 to {n} printable characters.",
        "Idempotency-Key 须为 1 到 {n} 个可打印字符。",
    ),
    ("must not be negative (got {value})", "不能为负数（收到 {value}）"),
    ("must be in 0..{max}", "必须在 0 到 {max} 之间"),
    ("{name} cannot exceed the population", "{name} 不能超过人口数"),
    ("The file is larger than {n} bytes.", "文件超过 {n} 字节。"),
    ("Enter a number above {n}.", "请输入大于 {n} 的数。"),
    ("Enter {n} or more.", "请输入 {n} 或更大的数。"),
)

#: Fixed messages of the services (no values) that `i18n.ZH` does not hold.
FIXED: Final[dict[str, str]] = {
    "Give the lot number of what was accepted.": "请填写验收入库物资的批次号。",
    "delivered_at cannot be before the order was issued.": "到货时间不能早于调用通知的发出时间。",
    # stock and movements
    "Stock in transit moves only through dispatch and receipt.": "在途库存只能通过发运和收货变动。",
    "Transfers stay within one district.": "调拨只能在本区内进行。",
    "The safety floor cannot be above the reorder level.": "安全库存不能高于补货线。",
    "Nothing to record: no operations were given.": "没有可记录的内容：未提供任何操作。",
    "A loss in transit needs its reason.": "运输途中的损失须说明原因。",
    "Nothing to move: no lines were given.": "没有可调拨的内容：未提供任何行。",
    "a transfer needs two different depots": "调拨须在两个不同的仓库之间进行",
    "This Idempotency-Key was already used for a different request.": "此 Idempotency-Key 已用于另一个请求。",  # noqa: E501
    # page forms sent again (api.web.once)
    "This form was already sent with other values; nothing was changed. Open the page again.": (
        "此表单已用其他内容提交过，本次未作任何更改。请重新打开页面。"
    ),
    "This form's one-time key is not valid; nothing was changed. Open the page again.": (
        "此表单的一次性标识无效，未作任何更改。请重新打开页面。"
    ),
    # spreadsheet rows
    "is empty": "为空",
    "must be greater than zero": "必须大于零",
    "column is missing": "缺少此列",
    "cannot be negative": "不能为负数",
    "a transfer names its destination depot": "调拨须写明目的仓库",
    "is the same depot as the source": "与来源仓库相同",
    "is in the future": "是将来的时间",
    # receipts and dispatch
    "The receipt does not match the manifest.": "收货与运单不符。",
    "not a line for this depot": "不是本仓库的行",
    "given twice": "重复填写",
    "These routes have no trip; there is nothing to dispatch.": "这些路线没有行程，无可发运。",
    "The district has no active vehicle; register one first.": "本区没有可用车辆，请先登记车辆。",
    "The district's vehicles changed while routes were computed; compute them again.": "计算路线期间本区的车辆已有变动；请重新计算路线。",  # noqa: E501
    "The district's travel table changed while routes were computed; compute them again.": "计算路线期间本区的路程表已有变动；请重新计算路线。",  # noqa: E501
    "must be a depot of this district": "必须是本区的仓库",
    # plans, scenarios, forecasts
    "The district has no active scenario; declare one first.": "本区没有生效的情景，请先宣布一个。",
    "There is no forecast for the active scenario yet; run one first.": "当前情景还没有预测，请先运行预测。",  # noqa: E501
    "The forecast holds no demand for the scenario's days; nothing to plan.": "预测中没有情景期间的需求，无需制定方案。",  # noqa: E501
    "The forecast run does not cover the scenario's days; run a new one.": "该预测没有覆盖情景期间，请重新运行预测。",  # noqa: E501
    "The locked lines do not fit the plan's problem.": "锁定的行与方案的问题不符。",
    "The district already has an active scenario; close it first.": "本区已有生效的情景，请先关闭。",  # noqa: E501
    "The scenario does not fit the district.": "情景与本区不符。",
    "The scenario is not valid.": "情景无效。",
    "The district's active scenario changed while the plan was solved; create the plan again.": "求解期间本区的当前情景已变更，请重新生成方案。",  # noqa: E501
    "A newer forecast was stored while the plan was solved; create the plan again.": "求解期间已保存了更新的预测，请重新生成方案。",  # noqa: E501
    "The scenario file is too large.": "情景文件过大。",
    "A scenario must be a mapping of its parameters.": "情景必须是参数的映射。",
    "all demand met": "需求全部满足",
    "no vehicle starts at this depot": "没有车辆从此仓库出发",
    "the allocation problem is not valid": "调配问题无效",
    # suppliers
    "ends before valid_from": "早于生效日期",
    "The uploaded file is empty.": "上传的文件是空的。",
    "More units were rejected than delivered.": "拒收数量多于交货数量。",
    "as_of must be timezone-aware": "as_of 须带时区",
    # alerts
    "This alert is no longer open; reload the page.": "此预警已解除，请刷新页面。",
    # general
    "must not be negative": "不能为负数",
    "not a whole number": "不是整数",
    "must be positive": "必须为正数",
    "is required": "为必填项",
    "Enter a whole number, 0 or more.": "请输入 0 或更大的整数。",
    "Enter whole hours from 0 to 168.": "请输入 0 到 168 之间的整数小时。",
    "Choose another depot.": "请选择另一个仓库。",
    "Unknown kind of movement.": "未知的出入库类型。",
}

#: Words that fill placeholders ("Count 3 is {status}"), translated when a pattern matches.
WORDS: Final[dict[str, str]] = {
    "a fraction": "是小数",
    "negative": "是负数",
    "a date (YYYY-MM-DD)": "日期（年-月-日）",
    "a date-time with a timezone": "带时区的日期时间",
    "receipt": "入库",
    "write_off": "核销",
    "short": "短少",
    "damaged": "破损",
    "Depot": "仓库",
    "Item": "物资",
    "Community": "社区",
    "District": "区",
    "Count": "盘点",
    "Plan": "方案",
    "Manifest": "运单",
    "Movement": "流水",
    "Supplier": "供应商",
    "Agreement": "协议",
    "Scenario": "情景",
    "Vehicle": "车辆",
    "Trip": "行程",
    "Route plan": "路线方案",
    "Forecast run": "预测",
    "Alert": "预警",
    "occurred_at": "发生时间",
    "checked_at": "抽查时间",
    "open": "进行中",
    "posted": "已过账",
    "cancelled": "已取消",
    "draft": "是草稿",
    "approved": "已批准",
    "routed": "已计算路线",
    "dispatched": "已发运",
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Pattern:
    english: str
    chinese: str
    regex: re.Pattern[str]


def placeholders(template: str) -> list[str]:
    """The `{names}` of a template, in order."""
    return _PLACEHOLDER.findall(template)


def compile_template(template: str) -> re.Pattern[str]:
    """The template as a whole-message regex; each placeholder captures one or more chars."""
    parts: list[str] = []
    at = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[at : m.start()]))
        parts.append(f"(?P<{m.group(1)}>.+?)")
        at = m.end()
    parts.append(re.escape(template[at:]))
    return re.compile("".join(parts), re.DOTALL)


COMPILED: Final[tuple[Pattern, ...]] = tuple(
    Pattern(en, zh, compile_template(en)) for en, zh in PATTERNS
)


def _word(value: str) -> str:
    return WORDS.get(value, value)


def translate_message(text: str, lang: str) -> str:
    """`text` in `lang`: a fixed message, else the first matching pattern, else unchanged."""
    if lang != "zh-CN" or not text:
        return text
    fixed = FIXED.get(text) or ZH.get(text)
    if fixed is not None:
        return fixed
    for pattern in COMPILED:
        m = pattern.regex.fullmatch(text)
        if m:
            values = {k: _word(v) for k, v in m.groupdict().items()}
            return pattern.chinese.format_map(values)
    return text


def say(lang: str, text: str, **values: Any) -> str:
    """The pages' translator: `i18n.translate` for the templates' own strings (with fields
    filled in), and `translate_message` for anything else, such as a service's message."""
    if values or lang != "zh-CN" or text in ZH:
        return translate(lang, text, **values)
    return translate_message(text, lang)


def translate_errors(errors: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A form's messages per field, in `lang` (anything but text is left as it is)."""
    return {
        name: translate_message(msg, lang) if isinstance(msg, str) else msg
        for name, msg in errors.items()
    }
