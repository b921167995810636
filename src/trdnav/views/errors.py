"""The one error type of `trdnav.views`: a view that is invalid or outside the supported subset."""

from __future__ import annotations


class ViewError(ValueError):
    """`where` names the place in the view (``select[0].column[1].path``) and the message says what
    is wrong or unsupported, naming the expression."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)
