"""Bounded work for every question: one pydantic model checks what the chat, the Gradio API and the
JSON API accept, so each has the same limits and a wrong shape is a short 422, never a 500.

Answering costs grow with the question's length and with every history item (each earlier
question is understood again), so both are capped; `context` is checked field by field (it is
echoed back by clients and could be anything), and numbers are kept to plausible ranges.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

MAX_QUESTION = 200  # characters; a real question is well under 100 (understanding is ~quadratic: 200 costs ≤0.6 s)
MAX_HISTORY = 10  # earlier turns considered
MAX_HISTORY_CHARS = 800  # all earlier questions together (each is understood again)
MAX_NAMES = 20  # bodies / years / figures in a context
MAX_CONTEXT_JSON = 8_000  # bytes of a context's JSON, extra keys included
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_ERROR_CHARS = 300  # longest 422 message

Name = Annotated[str, StringConstraints(max_length=200)]
Code = Annotated[str, StringConstraints(max_length=60)]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]
QuestionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION)]


class FigureIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    table: Annotated[str, StringConstraints(max_length=4)]
    row: Code
    column: Code | None = None
    related: list[Code] = Field(default_factory=list, max_length=MAX_NAMES)


class ContextIn(BaseModel):
    """The `context` of an earlier answer (docs/INTERNALS.md); unknown keys pass through, bounded
    in size, so answering may add keys without the API refusing them."""

    model_config = ConfigDict(extra="allow")
    body: Name | None = None
    year: Year | None = None
    bodies: list[Name] = Field(default_factory=list, max_length=MAX_NAMES)
    years: list[Year] = Field(default_factory=list, max_length=MAX_NAMES)
    figures: list[FigureIn] = Field(default_factory=list, max_length=MAX_NAMES * 3)
    applicants: list[Code] = Field(default_factory=list, max_length=MAX_NAMES)
    rows: list[Code | None] = Field(default_factory=list, max_length=MAX_NAMES * 3)
    columns: list[Code | None] = Field(default_factory=list, max_length=MAX_NAMES * 3)
    table: Annotated[str, StringConstraints(max_length=4)] | None = None
    operation: Code | None = None
    measure: Code | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nan(cls, v: Any) -> Any:  # noqa: ANN401
        if isinstance(v, float) and v != v:
            raise ValueError("NaN is not a value")
        return v

    def model_post_init(self, _ctx: Any) -> None:  # noqa: ANN401
        if len(json.dumps(self.model_dump(mode="json"), ensure_ascii=False).encode()) > MAX_CONTEXT_JSON:
            raise ValueError(f"context larger than {MAX_CONTEXT_JSON} bytes")


class TurnIn(BaseModel):
    """An earlier turn given as an answer object: only its question and context are used."""

    model_config = ConfigDict(extra="ignore")
    question: Annotated[str, StringConstraints(max_length=MAX_QUESTION)] = ""
    context: ContextIn | None = None


class AskRequest(BaseModel):
    question: QuestionText = Field(..., description="问题，例如「衡山县2023年有多少申请被拒绝了？」")
    history: list[Annotated[str, StringConstraints(max_length=MAX_QUESTION)] | TurnIn] | None = Field(
        None,
        max_length=MAX_HISTORY,
        description=f"earlier questions (strings) or earlier answer objects, at most {MAX_HISTORY}",
    )
    body: Name | None = Field(None, description="limit to one body (full name as in /api/reports)")
    year: Year | None = Field(None, description="limit to one year")
    context: ContextIn | None = Field(None, description="the `context` of the previous answer, for follow-ups")

    @field_validator("history")
    @classmethod
    def _history_total(cls, v: list | None) -> list | None:
        total = sum(len(h if isinstance(h, str) else h.question) for h in v or [])
        if total > MAX_HISTORY_CHARS:
            raise ValueError(f"history questions longer than {MAX_HISTORY_CHARS} characters in all")
        return v

    def backend_args(self) -> dict:
        """Keyword arguments for Backend.ask, plain JSON values only."""
        history = None
        if self.history:
            history = [
                h if isinstance(h, str) else h.model_dump(mode="json", exclude_unset=True) for h in self.history
            ]
        return {
            "question": self.question,
            "history": history,
            "body": self.body or None,
            "year": self.year,
            "context": self.context.model_dump(mode="json", exclude_unset=True) if self.context else None,
        }


class BadRequest(ValueError):
    """Input outside the limits; str() is the short message shown to the client."""


def short_errors(exc: ValidationError, limit: int = 5) -> list[dict]:
    """Pydantic errors without the offending input (which may be megabytes), each message short."""
    out = []
    for e in exc.errors()[:limit]:
        loc = [str(x) for x in e.get("loc", ())][:6]
        out.append({"loc": loc, "msg": str(e.get("msg", ""))[:200], "type": str(e.get("type", ""))[:60]})
    return out


def error_text(errors: list[dict]) -> str:
    text = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
    return text[:MAX_ERROR_CHARS]


def fit_history(questions: list[str]) -> list[str]:
    """The most recent earlier questions that fit the history limits (the chat keeps its own)."""
    out: list[str] = []
    total = 0
    for q in reversed(questions[-MAX_HISTORY:]):
        q = q[:MAX_QUESTION]
        if total + len(q) > MAX_HISTORY_CHARS:
            break
        out.insert(0, q)
        total += len(q)
    return out


def validate_ask(**kwargs: Any) -> dict:  # noqa: ANN401
    """Check one question's arguments (as the chat and the Gradio API pass them) against the same
    model as the JSON API; returns Backend.ask's keyword arguments or raises BadRequest."""
    try:
        return AskRequest.model_validate(kwargs).backend_args()
    except ValidationError as exc:
        raise BadRequest(error_text(short_errors(exc))) from None
