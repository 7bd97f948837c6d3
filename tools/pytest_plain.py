"""pytest plugin for the plain (Odoo-free) tests under tests/pure.

The repository root is the addon, and its ``__init__.py`` files import Odoo.
pytest would import them as packages above the tests; collecting those
folders as plain directories keeps the plain tests plain.
"""

import pytest


def pytest_collect_directory(path, parent):
    if (path / "__init__.py").is_file():
        return pytest.Dir.from_parent(parent, path=path)
    return None
