"""CSV export: every matching row, streamed, UTF-8 with BOM and a header; only with the export right."""
import csv
import io

import pytest


def read_csv(response):
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_has_every_matching_row_not_only_50(client, exporter, crm_builder, charges):
    crm_builder.many("leads", 120, prefix="Deal", price=900, tags="vip")
    response = client.get("/leads/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["ID", "Name", "Price"]
    assert len(rows) == 121
    assert rows[1][1] == "Deal 120" and rows[-1][1] == "Deal 1"  # list order: newest first
    assert {row[2] for row in rows[1:]} == {"900"}
    assert charges == []  # export is never counted


def test_export_applies_the_lists_filters(client, exporter, crm_builder):
    crm_builder.contact("Ирина Кузнецова", phone="+7 916 555-00-11", tags="vip")
    crm_builder.contact("=HYPERLINK(1)", phone="+7 903 111-22-33")
    crm_builder.contact("Plain", phone="+7 903 111-22-44")
    rows = read_csv(client.get("/contacts/export.csv?tag=vip"))
    assert [row[1] for row in rows[1:]] == ["Ирина Кузнецова"]
    assert rows[1][2] == "+7 916 555-00-11"  # phones stay as they are
    everyone = read_csv(client.get("/contacts/export.csv?q=903"))
    assert sorted(row[1] for row in everyone[1:]) == ["'=HYPERLINK(1)", "Plain"]  # no formulas run


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies", "customers"])
def test_export_without_the_right_is_403_and_the_button_is_hidden(client, signed_in, crm_builder, entity):
    crm_builder.create(entity, name="Secret")
    response = client.get(f"/{entity}/export.csv")
    assert response.status_code == 403
    assert "export right" in response.get_data(as_text=True)
    assert "export.csv" not in client.get(f"/{entity}").get_data(as_text=True)


def test_export_button_keeps_the_filter(client, exporter, crm_builder):
    crm_builder.deal("One", tags="web")
    page = client.get("/leads?tag=web&price_from=1").get_data(as_text=True)
    assert 'href="/leads/export.csv?tag=web&amp;price_from=1"' in page


def test_export_with_bad_parameters_is_400(client, exporter):
    response = client.get("/customers/export.csv?created_from=2026-13-45")
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.get_data(as_text=True)
