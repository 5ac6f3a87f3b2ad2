"""Ledger exceptions (the CLI turns them into a message and exit code 2)."""

from __future__ import annotations

from ..base.errors import InputError

__all__ = ["LedgerError", "QuotaError", "StatusError"]


class LedgerError(InputError):
    """The ledger cannot be opened or a write was refused; the message says why and what to do."""


class StatusError(LedgerError):
    """A status change that the plot's history does not allow (unknown plot, backward move,
    earlier date)."""


class QuotaError(LedgerError):
    """A quota event that would unbalance the quota account."""
