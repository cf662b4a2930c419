"""messaging is a low layer: any app may send through it, so it imports none of them."""

import ast
from pathlib import Path

import pytest

from messaging.models import BulkMessage, ContactPreference, FailingContact, Message

APP = Path(__file__).resolve().parents[2] / "messaging"
ABOVE = {"welfare", "here_to_help", "arrears", "dashboard", "services"}


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=lambda p: p.name)
def test_messaging_imports_no_app_above_it(path):
    assert not {m for m in imported_modules(path) if m.split(".")[0] in ABOVE}


def test_its_models_refer_to_tenants_by_string_foreign_keys_only():
    source = (APP / "models.py").read_text()
    assert "import tenants" not in source and "from tenants" not in source
    for model in (Message, FailingContact, ContactPreference, BulkMessage):
        for field in model._meta.concrete_fields:
            if field.is_relation:
                assert field.related_model._meta.app_label in {"tenants", "accounts", "messaging"}
