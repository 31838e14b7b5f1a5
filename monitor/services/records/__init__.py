"""CRM records: the kinds, list queries (filters, search, paging), the board, validation, saving and deleting.

Plain functions with explicit arguments, used by the web views and the API alike.
Entities are named as in the URLs: "leads" (deals), "customers", "contacts", "companies".
Nothing here counts views: callers charge `monitor.activity` for what they show.

kinds       the registry of the four kinds (records.KINDS) everything else derives from
conditions  a ListFilters as WHERE clauses
lists       list pages, counts, the combined list, one record and what links to it
board       the pipeline board
totals      counts and board totals from the totals the database keeps (record_totals)
values      each field's parser and validation
writes      create, update and delete, one transaction each
changes     the card feed's lines a save writes
rights      rights per entity: the query-level filter (Viewer) and the check for one record
bulk        bulk actions on ticked records (plan, then apply), all or nothing
"""
from monitor.services.records import bulk
from monitor.services.records.board import BoardColumn, board
from monitor.services.records.conditions import STATES, search_ids
from monitor.services.records.kinds import COMBINED, COMBINED_KINDS, ENTITY_OF_MODEL, KINDS, LISTS, Kind, kind_of
from monitor.services.records.lists import (
    ORDER_FIELDS,
    PER_PAGE,
    ListFilters,
    autocomplete,
    count_combined,
    count_list,
    counts_exactly,
    get_record,
    iter_records,
    linked,
    query_combined,
    query_list,
    suggest_tags,
)
from monitor.services.records.rights import Viewer, allowed, may_view, require, rights_of
from monitor.services.records.values import MAX_AMOUNT, parse_amount, parse_date, parse_tag_names
from monitor.services.records.writes import (
    check_record,
    create_record,
    create_records,
    delete_record,
    delete_records,
    newly_linked,
    update_record,
    update_records,
)

__all__ = [
    "COMBINED", "COMBINED_KINDS", "ENTITY_OF_MODEL", "KINDS", "LISTS", "Kind", "kind_of",
    "STATES", "search_ids",
    "ORDER_FIELDS", "PER_PAGE", "ListFilters", "autocomplete", "count_combined", "count_list", "counts_exactly",
    "get_record",
    "iter_records", "linked", "query_combined", "query_list", "suggest_tags",
    "BoardColumn", "board",
    "MAX_AMOUNT", "parse_amount", "parse_date", "parse_tag_names",
    "check_record", "create_record", "create_records", "delete_record", "delete_records", "newly_linked",
    "update_record",
    "update_records",
    "bulk",
    "Viewer", "allowed", "may_view", "require", "rights_of",
]
