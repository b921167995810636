"""The one error of `trdnav.views`: a view that cannot be compiled or run, named by its view path."""

from __future__ import annotations


class ViewError(ValueError):
    """A ViewDefinition that is invalid, or uses something outside the supported subset.

    `view_path` names the place in the view (`select[0].forEach`), `expression` the FHIRPath text
    when there is one; the message always names both.
    """

    def __init__(self, message: str, *, view_path: str = "", expression: str | None = None) -> None:
        self.view_path = view_path
        self.expression = expression
        self.reason = message
        where = f" at {view_path}" if view_path else ""
        what = f" in the expression {expression!r}" if expression is not None else ""
        super().__init__(f"{message}{what}{where}")
