"""Option codes as tables and specs spell them: one key per meaning.

pandas reads an integer column that has a blank cell as floats (8.0) and a column that
holds one "DK" as text ("8"); YAML may quote a code ("8"). All of them mean the code 8,
so every code and every cell is compared through :func:`canonical`.
"""

from __future__ import annotations

from typing import TypeGuard

import numpy as np

# What a code may be: a YAML scalar (bool is an int), or a table cell's numpy scalar.
# Lists, mappings and null are not codes.
Code = str | int | float | np.integer | np.floating | np.bool_
SCALAR_CODE = (str, int, float, bool, np.integer, np.floating, np.bool_)


def canonical(value: object) -> object:
    """8, 8.0, "8" and " 8 " -> 8; 2.5 and "2.5" -> 2.5; other text is stripped."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return text
        return canonical(number) if np.isfinite(number) else text
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return int(value) if np.isfinite(value) and float(value).is_integer() else float(value)
    return value


def is_code(value: object) -> TypeGuard[Code]:
    """A scalar that can name an option (not null, a list or a mapping)."""
    return isinstance(value, SCALAR_CODE)
