"""A real amoCRM client (aioamocrm) writes and reads notes and tasks on a live Tally CRM, and is charged for them.

The server runs on the wall clock, with the real limit of 7 requests per second per token;
aioamocrm spaces its requests to that rate by itself.
"""
import pytest
from aioamocrm import Note, NotFoundError, Task, ValidationError
from sqlalchemy import select

from monitor.db import db
from monitor.models import FeedEntry
from monitor.models import Task as TaskRow
from monitor.services import records
from tests.fixtures_activity import counted
from tests.test_api_client import WallClock, run

DUE = 1_800_000_000  # 2027-01-15 08:00 UTC


@pytest.fixture
def clock():
    return WallClock()


@pytest.fixture
def leads(app, user):
    """Two deals of `user`'s: their ids."""
    with app.app_context():
        made = [records.create_record("leads", {"name": name, "responsible": user}).id for name in ("Nord", "Volga")]
        db.session.commit()
        return made


def test_client_adds_lists_and_reads_notes_and_each_listed_note_is_charged(live_server, app, user, make_token, leads):
    first, second = leads

    async def work(amo):
        created = await amo.leads.notes.create([Note.common(first, "Call after 18:00"),
                                                Note.common(second, "Sent the offer"),
                                                Note.common(first, "Asked for a discount")])
        page = await amo.leads.notes.get_page(entity_id=first)
        everything = [note async for note in amo.leads.notes.iterate(limit=2)]
        one = await amo.leads.notes.get(created[1].id, entity_id=second)
        with pytest.raises(NotFoundError):
            await amo.leads.notes.get(created[1].id, entity_id=first)
        with pytest.raises(ValidationError) as refused:
            await amo.leads.notes.create([Note.common(first, "Fine"), Note.common(second, "   ")])
        nothing = await amo.contacts.notes.get_page()
        return created, page, everything, one, refused.value, nothing

    created, page, everything, one, refused, nothing = run(live_server, make_token(user), work)
    assert [(ref.entity_id, ref.request_id) for ref in created] == [(first, "0"), (second, "1"), (first, "2")]
    assert [note.text for note in page] == ["Asked for a discount", "Call after 18:00"] and not page.has_next
    assert [note.id for note in everything] == [ref.id for ref in created][::-1]
    assert (one.text, one.note_type, one.entity_id, one.created_by) == ("Sent the offer", "common", second, user)
    assert [(issue.request_id, issue.path) for issue in refused.errors] == [("1", "params.text")]
    assert nothing.items == []
    with app.app_context():
        assert len(db.session.scalars(select(FeedEntry).where(FeedEntry.kind == "note")).all()) == 3
    assert counted(app, user, "list", "api") == 2 + 3 + 1  # one page of 2, all 3 in pages of 2, one by id


def test_client_creates_lists_updates_and_completes_tasks(live_server, app, user, admin, make_token, leads):
    async def work(amo):
        created = await amo.tasks.create([
            Task(text="Call Nord", complete_till=DUE, entity_type="leads", entity_id=leads[0], task_type_id=1),
            Task(text="Plan the week", complete_till=DUE + 3600, responsible_user_id=admin),
        ])
        about_nord = await amo.tasks.get_page(filter={"entity_type": "leads", "entity_id": [leads[0]]})
        await amo.tasks.update([Task(id=created[1].id, text="Plan the month", complete_till=DUE + 7200)])
        done = await amo.tasks.complete(created[0].id)
        open_ones = [task async for task in amo.tasks.iterate(filter={"is_completed": False})]
        called = await amo.tasks.get(created[0].id)
        with pytest.raises(ValidationError) as refused:
            await amo.tasks.complete(created[1].id, result="Planned")
        with pytest.raises(NotFoundError):
            await amo.tasks.get(999_999)
        return created, about_nord, done, open_ones, called, refused.value

    created, about_nord, done, open_ones, called, refused = run(live_server, make_token(user), work)
    assert [ref.request_id for ref in created] == ["0", "1"]
    [nord] = about_nord.items
    assert (nord.text, nord.complete_till, nord.entity_type, nord.entity_id, nord.responsible_user_id,
            nord.is_completed, nord.task_type_id, nord.result) == ("Call Nord", DUE, "leads", leads[0], user,
                                                                   False, 1, None)
    assert done.id == created[0].id
    assert [(task.text, task.complete_till, task.responsible_user_id, task.entity_id) for task in open_ones] == [
        ("Plan the month", DUE + 7200, admin, None)]
    assert called.is_completed is True
    assert [issue.path for issue in refused.errors] == ["result"]
    with app.app_context():
        rows = db.session.scalars(select(TaskRow).order_by(TaskRow.id)).all()
        assert [(row.text, row.is_done) for row in rows] == [("Call Nord", True), ("Plan the month", False)]
    # The task about a deal, listed once and read once; the one about nothing costs nothing.
    assert counted(app, user, "list", "api") == 2
