"""All models, importable from one place."""
from monitor.models.crm import (
    Company,
    Contact,
    Customer,
    Deal,
    Pipeline,
    SavedFilter,
    Status,
    Tag,
)
from monitor.models.users import Account, LoginThrottle, User

__all__ = [
    "Account",
    "Company",
    "Contact",
    "Customer",
    "Deal",
    "LoginThrottle",
    "Pipeline",
    "SavedFilter",
    "Status",
    "Tag",
    "User",
]
