"""Sync between a window and the region's central server: the wire format and the window's client."""
