"""Fixtures for the activity tests."""
