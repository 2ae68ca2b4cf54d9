"""Every string the templates translate has a Chinese entry; fields are filled in."""

from __future__ import annotations

import re
from pathlib import Path

from api.web.i18n import ZH, translate
from api.web.render import NAV

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "web" / "templates"
LITERAL = re.compile(r"""_\(\s*(?:"([^"]+)"|'([^']+)')""")


def test_every_template_string_has_a_chinese_translation() -> None:
    asked = {
        m.group(1) or m.group(2)
        for f in TEMPLATES.glob("*.html")
        for m in LITERAL.finditer(f.read_text(encoding="utf-8"))
    }
    asked |= {label for _, label, _ in NAV}
    assert asked, "no strings found"
    assert sorted(asked - set(ZH)) == []


def test_translate_fills_fields_and_falls_back_to_english() -> None:
    assert translate("zh-CN", "{n} days left", n=3) == "还剩 3 天"
    assert translate("en", "{n} days left", n=3) == "3 days left"
    assert translate("zh-CN", "a sentence nobody translated") == "a sentence nobody translated"
