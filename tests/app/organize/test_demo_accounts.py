"""`flask demo load` creates demo staff accounts in development, never in production."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.models import User


def test_demo_load_creates_the_demo_accounts_and_prints_their_passwords(app, db):
    from app.accounts.users import authenticate

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    found = dict(re.findall(r"demo account \w+: (\S+) password (\S+)", first.output))
    assert len(found) == 3
    roles = {u.email: u for u in db.session.scalars(select(User))}
    assert {u.role for u in roles.values()} == {"admin", "organizer", "desk"}
    for email, password in found.items():
        assert authenticate(email, password) is not None
    organizer = next(u for u in roles.values() if u.role == "organizer")
    assert [f.slug for f in organizer.forums] == ["seoul-smart-city-forum-sample"]

    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 3
    again = dict(re.findall(r"demo account \w+: (\S+) password (\S+)", second.output))
    assert again == found  # the same passwords every time: what was printed keeps working
    assert second.output.count("(unchanged)") == 3
    for email, password in found.items():
        assert authenticate(email, password) is not None


def test_a_demo_password_that_no_longer_works_is_renewed(app, db):
    from app.accounts.users import authenticate, hash_password

    runner = app.test_cli_runner()
    found = dict(
        re.findall(
            r"demo account \w+: (\S+) password (\S+)", runner.invoke(args=["demo", "load"]).output
        )
    )
    desk = db.session.scalar(select(User).where(User.role == "desk"))
    desk.password_hash = hash_password("changed-by-hand-123!")
    db.session.commit()
    second = runner.invoke(args=["demo", "load"]).output
    renewed = dict(re.findall(r"demo account \w+: (\S+) password (\S+)", second))
    assert renewed[desk.email] != found[desk.email]
    assert authenticate(desk.email, renewed[desk.email]) is not None
    assert "(password renewed)" in second and second.count("(unchanged)") == 2


def test_no_demo_accounts_where_the_configuration_says_no(app, db):
    app.config["DEMO_ACCOUNTS"] = False
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
    finally:
        app.config["DEMO_ACCOUNTS"] = True
    assert result.exit_code == 0, result.output
    assert "demo account" not in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_production_configuration_has_no_demo_accounts():
    from config import ProductionConfig

    assert ProductionConfig.DEMO_ACCOUNTS is False
