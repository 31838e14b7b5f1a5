"""Fixtures for the crm tests: records built through the services, a recorder of activity charges."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from monitor import activity
from monitor.activity import rules
from monitor.db import db
from monitor.models import Deal, Pipeline, User
from monitor.services import pipelines, records

ENTITIES = ("leads", "contacts", "companies", "customers")
ROW_LINK = re.compile(r'<td class="col-link"><a href="/(leads|contacts|companies|customers)/(\d+)">([^<]*)</a>')
START = datetime(2026, 1, 1, 9, 0, 0)


def row_names(html):
    """The record names of a list page's rows, top to bottom."""
    if isinstance(html, bytes):
        html = html.decode()
    return [name for _entity, _id, name in ROW_LINK.findall(html)]


def row_links(html):
    """(entity, id) of a list page's rows, top to bottom."""
    if isinstance(html, bytes):
        html = html.decode()
    return [(entity, int(record_id)) for entity, record_id, _name in ROW_LINK.findall(html)]


class CrmBuilder:
    """Creates records through the records service; each one a minute newer than the last."""

    def __init__(self, app, clock):
        self.app = app
        self.clock = clock
        self.moment = START

    def at(self, moment):
        """Create the next records from this moment on."""
        self.moment = moment
        return self

    def create(self, entity, user_id=None, **data):
        with self.app.app_context():
            self.clock.set(self.moment)
            self.moment += timedelta(minutes=1)
            acting = db.session.get(User, user_id) if user_id else None
            return records.create_record(entity, data, acting).id

    def deal(self, name="Deal", **data):
        return self.create("leads", name=name, **data)

    def contact(self, name="Contact", **data):
        return self.create("contacts", name=name, **data)

    def company(self, name="Company", **data):
        return self.create("companies", name=name, **data)

    def customer(self, name="Customer", **data):
        return self.create("customers", name=name, **data)

    def many(self, entity, count, prefix=None, **data):
        """`count` records named "<prefix> 1" .. "<prefix> count", oldest first; returns their ids."""
        prefix = prefix or entity.title()
        return [self.create(entity, name=f"{prefix} {number}", **data) for number in range(1, count + 1)]

    def pipelines(self):
        """[(pipeline id, [status ids in order])] of two pipelines, main first (adds "Partners" if needed)."""
        with self.app.app_context():
            if len(pipelines.list_pipelines()) < 2:
                pipelines.create_pipeline("Partners", ["Application", "Trial"])
                db.session.commit()
            every = db.session.scalars(select(Pipeline).order_by(Pipeline.is_main.desc(), Pipeline.id)).all()
            return [(pipeline.id, [status.id for status in pipeline.statuses]) for pipeline in every]

    def get(self, entity, record_id):
        """A snapshot of a record's columns (or None when it is gone)."""
        with self.app.app_context():
            record = db.session.get(records.KINDS[entity].model, record_id)
            if record is None:
                return None
            values = {column.key: getattr(record, column.key) for column in record.__table__.columns}
            values["tags"] = sorted(tag.name for tag in record.tags)
            if isinstance(record, Deal) or hasattr(record, "contacts"):
                values["contact_ids"] = sorted(contact.id for contact in getattr(record, "contacts", []))
            return values


@pytest.fixture
def crm_builder(app, clock):
    """Builds CRM records through the services."""
    return CrmBuilder(app, clock)


@pytest.fixture
def charges(monkeypatch):
    """Every `activity.charge` call the views make, directly or through activity's rules, recorded and passed on."""
    calls = []
    real_charge = activity.charge

    def recording_charge(user, channel, cards=(), elements=0, **origin):
        calls.append({"user": user.id, "channel": channel, "cards": list(cards), "elements": elements})
        return real_charge(user, channel, cards=cards, elements=elements, **origin)

    monkeypatch.setattr(activity, "charge", recording_charge)
    monkeypatch.setattr(rules, "charge", recording_charge)  # charge_record, charge_new_links
    return calls
