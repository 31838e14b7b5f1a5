"""Kept for monitor/auth/session.py until it imports `is_digits` from monitor.inputs, the one input parser."""
from monitor.inputs import MAX_DIGITS, is_digits

__all__ = ["MAX_DIGITS", "is_digits"]
