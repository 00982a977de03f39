"""The LLM settings as one value, taken from nianbao.settings (the one place configuration is read)."""

from __future__ import annotations

from dataclasses import dataclass

from nianbao.settings import get_settings

MODES = ("off", "plan", "write", "both")


@dataclass(frozen=True)
class LLMConfig:
    url: str | None
    model: str | None
    api_key: str | None
    timeout: float
    mode: str

    @property
    def plans(self) -> bool:
        return bool(self.url) and self.mode in ("plan", "both")

    @property
    def writes(self) -> bool:
        return bool(self.url) and self.mode in ("write", "both")


def current() -> LLMConfig:
    """The configuration now in force; an unknown mode counts as off (never a surprise call)."""
    s = get_settings()
    mode = getattr(s, "llm_mode", "off") or "off"
    return LLMConfig(
        url=getattr(s, "llm_url", None),
        model=getattr(s, "llm_model", None),
        api_key=getattr(s, "llm_api_key", None),
        timeout=max(0.1, float(getattr(s, "llm_timeout", 20.0))),
        mode=mode if mode in MODES else "off",
    )
