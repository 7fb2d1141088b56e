"""flask --app wsgi create-user EMAIL --role ROLE --name NAME [--password-stdin]"""
import sys

import click
import sqlalchemy as sa

from peer_support.accounts.services import AccountData, create_account
from peer_support.auth.models import PROFESSIONS
from peer_support.config import ROLES
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.units.models import Unit


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(ROLES), help="The account's role.")
@click.option("--name", required=True, help="The person's name as shown on screen.")
@click.option("--profession", type=click.Choice(PROFESSIONS), help="Required for staff.")
@click.option("--unit", "unit_codes", multiple=True, help="A unit code (repeat for several).")
@click.option("--locale", type=click.Choice(("fr", "en")), help="Preferred language.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_user(email, role, name, profession, unit_codes, locale, password_stdin):
    """Create an account (for example the first coordinator)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    unit_ids = []
    for code in unit_codes:
        unit_id = db.session.scalar(sa.select(Unit.id).where(sa.func.upper(Unit.code) == code.upper()))
        if unit_id is None:
            raise click.ClickException(f"unknown unit: {code}")
        unit_ids.append(unit_id)
    data = AccountData(email=email, name=name, role=role, profession=profession, locale=locale, unit_ids=unit_ids)
    try:
        account = create_account(None, data, password=password, ip=None, now=utcnow(), must_change_password=False)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {account.role} {account.email}")
