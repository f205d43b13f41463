"""Readers and writers for every supported input format."""
