"""Who acts in a window under test: another demo account signing in at the window's lock page (a shift
change, as a person does it), and the approver confirming an approval with their password."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.accounts.demo import DEMO_PASSWORD
from ui.main_window import MainWindow


def shift_change(qtbot: QtBot, window: MainWindow, login: str, password: str = DEMO_PASSWORD) -> None:
    """The person at the window signs out and `login` signs in, through the window's own lock page."""
    window.sign_out()
    form = window.lock_page.form
    form.login.setText(login)
    form.password.setText(password)
    form.submit.click()
    qtbot.waitUntil(lambda: not window.locked and window.counter.clerk_login == login, timeout=20_000)


def confirm_approval(window: MainWindow, password: str = DEMO_PASSWORD) -> None:
    """The approver types their password into the confirmation the approve button opened, and confirms."""
    confirmation = window.lookup.confirmation
    assert confirmation is not None, "approving asks for confirmation first"
    confirmation.password.setText(password)
    confirmation.confirm_button.click()
