"""Translations of the pages: English text is the key, Chinese (zh-CN) its translation.

A dictionary rather than a gettext catalogue: the pages have a few hundred short strings,
and a test checks that every string the templates ask for has a Chinese entry.
"""

from __future__ import annotations

from typing import Any, Final

LANGUAGES: Final = ("zh-CN", "en")

ZH: Final[dict[str, str]] = {
    # layout and signing in
    "Relief Reserve": "应急物资储备",
    "Skip to content": "跳到正文",
    "Pages": "页面",
    "Sign in": "登录",
    "Sign out": "退出",
    "Username": "用户名",
    "Password": "密码",
    "Wrong username or password.": "用户名或密码错误。",
    "Too many failed sign-ins; wait and try again.": "登录失败次数过多，请稍后再试。",
    "Home": "首页",
    "Welcome": "欢迎",
    "Not permitted": "无权操作",
    "Your role may not use this page.": "您的角色不能使用此页面。",
    "The form has expired": "表单已失效",
    "Go back, reload the page and send the form again.": "请返回、刷新页面后重新提交。",
    "Back to my page": "返回我的页面",
    "Not found": "未找到",
    "Conflict": "冲突",
    "Invalid input": "输入有误",
    "Insufficient stock": "库存不足",
    # roles and navigation
    "depot_manager": "仓库管理员",
    "coordinator": "区级协调员",
    "procurement": "采购专员",
    "auditor": "审计员",
    "admin": "管理员",
    "My depots": "我的仓库",
    "District": "全区",
    "Suppliers": "供应商",
    "Ledger": "账本",
}


def translate(lang: str, text: str, **values: Any) -> str:
    """`text` in `lang` (English when there is no entry), with `{name}` fields filled in."""
    out = ZH.get(text, text) if lang == "zh-CN" else text
    return out.format(**values) if values else out
