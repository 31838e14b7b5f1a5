"""Activity monitoring: the one module that owns counting, deactivation and reactivation."""
from monitor.activity.service import deactivation_message, reactivate_user

__all__ = ["deactivation_message", "reactivate_user"]
