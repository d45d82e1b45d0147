"""Resolver logic shared by several types (kept out of the type files)."""
