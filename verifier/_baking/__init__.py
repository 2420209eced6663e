"""Baked badges: reading and writing Open Badges payloads in PNG chunks and SVG elements."""
