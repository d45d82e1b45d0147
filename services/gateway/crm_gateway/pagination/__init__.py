"""Keyset pagination: page-size limits, opaque cursors, keyset conditions."""
