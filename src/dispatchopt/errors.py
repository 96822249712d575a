"""Errors raised for bad input."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input, named by record and field.

    Parameters
    ----------
    record
        Which record is wrong, e.g. ``"ticket 'T-0042'"`` or ``"tickets[17] 'T-0042'"``.
    detail
        A plain sentence naming the field and what is wrong with it.
    """

    def __init__(self, record: str, detail: str) -> None:
        self.record = record
        self.detail = detail
        super().__init__(f"{record}: {detail}" if record else detail)

    def located(self, record: str) -> InputError:
        """Return the same error with a more precise record name (e.g. its list index)."""
        return InputError(record, self.detail)
