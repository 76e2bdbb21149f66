"""The one importer engine: read a file, parse its rows by a spec's columns, let the spec write."""
