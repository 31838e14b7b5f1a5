"""All models, importable from one place."""
from monitor.models.activity import (
    ActivityAlert,
    ActivityCount,
    ActivityEvent,
    ActivitySettings,
    ActivityWarning,
    CardView,
    Notification,
    OutboxMessage,
)
from monitor.models.api import ApiRateCount, ApiToken
from monitor.models.crm import (
    Company,
    Contact,
    Customer,
    Deal,
    Pipeline,
    RecordTotal,
    SavedFilter,
    Status,
    Tag,
)
from monitor.models.history import ActivityListView, ActivityMark, ActivityQuarter
from monitor.models.users import Account, LoginThrottle, User, UserSession
from monitor.models.work import FeedEntry, Task

__all__ = [
    "ApiRateCount",
    "ApiToken",
    "ActivityAlert",
    "ActivityCount",
    "ActivityEvent",
    "ActivityListView",
    "ActivityMark",
    "ActivityQuarter",
    "ActivitySettings",
    "ActivityWarning",
    "CardView",
    "Notification",
    "OutboxMessage",
    "Account",
    "Company",
    "Contact",
    "Customer",
    "Deal",
    "FeedEntry",
    "LoginThrottle",
    "Pipeline",
    "RecordTotal",
    "SavedFilter",
    "Status",
    "Tag",
    "Task",
    "User",
    "UserSession",
]
