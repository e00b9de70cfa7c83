"""Printed documents: what they say (content), how they look (pdf), numbering and print records."""
