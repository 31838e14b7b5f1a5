"""Use cases outside activity monitoring: users, sign-in, CRM records, demo data."""
