import pytest

# Shared test helpers whose fixtures hold assertions: rewrite their asserts as pytest does.
pytest.register_assert_rewrite("tests.tenant_import_support")
