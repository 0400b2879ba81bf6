"""Registrations through the API."""
