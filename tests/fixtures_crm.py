"""Fixtures for the crm tests."""
