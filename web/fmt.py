"""Number formatting shared by the renderers (figures as printed, no float noise)."""

from __future__ import annotations


def num(value: float | int | None) -> str:
    if value is None:
        return "—"
    v = float(value)
    if v.is_integer():
        return str(int(v))
    return f"{v:.4f}".rstrip("0").rstrip(".")


def with_unit(value: float | int | None, unit: str | None) -> str:
    s = num(value)
    return s if value is None or not unit else f"{s}{unit}"
