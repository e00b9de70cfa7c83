"""Widgets named for tests and style sheets (`findChild`, `QLabel#name`).

PySide6 sets any Qt property given to a constructor as a keyword (`QLabel("", objectName="x")`), but its
type stubs list only each class's own properties: `named(QLabel(""), "x")` says the same and type-checks.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

Q = TypeVar("Q", bound=QObject)


def named(thing: Q, name: str) -> Q:
    thing.setObjectName(name)
    return thing
