"""The county ledger (台账): registered projects, their plots, status history and quota account."""

from .checked import CheckedProject, read_checked
from .errors import LedgerError, QuotaError, StatusError
from .quota import QuotaAccount, advance_limit
from .schema import LEDGER_KINDS, QUOTA_KINDS, SCHEMA_VERSION, states_for
from .store import AddResult, Ledger, init_ledger, open_ledger

__all__ = [
    "LEDGER_KINDS",
    "QUOTA_KINDS",
    "SCHEMA_VERSION",
    "AddResult",
    "CheckedProject",
    "Ledger",
    "LedgerError",
    "QuotaAccount",
    "QuotaError",
    "StatusError",
    "advance_limit",
    "init_ledger",
    "open_ledger",
    "read_checked",
    "states_for",
]
