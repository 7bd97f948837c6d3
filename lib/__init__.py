# Plain-Python building blocks of the addon: importable without Odoo, so
# they carry their own pytest tests (tests/pure).
