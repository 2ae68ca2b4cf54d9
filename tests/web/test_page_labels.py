"""Labels and messages the new pages choose in Python have Chinese entries too (the
templates' own strings are checked by `test_i18n`)."""

from __future__ import annotations

from pathlib import Path

from api.web import pages_plans, pages_receipts, pages_suppliers
from api.web.i18n import ZH

MESSAGES = {
    "Choose received, short or damaged.",
    "Enter the quantity that arrived usable.",
    "Say what happened.",
    "Keep the reason to 500 characters or fewer.",
    "Some lines need a correction; see below.",
    "Enter a whole number, 0 or more.",
    "Enter whole hours from 0 to 168.",
    *pages_receipts.OUTCOMES,
}


def test_every_label_and_message_of_the_new_pages_has_a_chinese_entry() -> None:
    labels = {
        *pages_plans.REASONS.values(),
        *pages_plans.LEFT_OUT.values(),
        *pages_plans.TIERS.values(),
        *pages_plans.TRAVEL.values(),
        *pages_plans.DONE.values(),
        *pages_suppliers.DONE.values(),
        *MESSAGES,
    }
    assert sorted(labels - set(ZH)) == []


def test_the_messages_are_the_ones_the_pages_use() -> None:
    source = "".join(
        Path(str(m.__file__)).read_text(encoding="utf-8") for m in (pages_plans, pages_receipts)
    )
    for message in MESSAGES - set(pages_receipts.OUTCOMES):
        assert f'"{message}"' in source, message
