"""Fixtures for the Excel import/export tests: the units a plan names, upload helpers and
a count of every row in the database (to prove a refused import created nothing)."""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.choices import UnitKind
from tests.factories import PersonFactory, UnitFactory


@pytest.fixture
def plan_units(world):
    """The world plus the departments real plans name (with their short names/aliases)."""
    world.eco = UnitFactory(
        name="示范市生态环境局", short_name="市生态环境局", kind=UnitKind.DEPT, region=world.city
    )
    world.ndrc = UnitFactory(
        name="示范市发展和改革委员会",
        short_name="市发展改革委",
        aliases="市发改委",
        kind=UnitKind.DEPT,
        region=world.city,
    )
    world.miit = UnitFactory(
        name="示范市经济和信息化局", short_name="市经信局", kind=UnitKind.DEPT, region=world.city
    )
    world.vice_mayor = PersonFactory(
        name="赵副市长", title="副市长（分管生态环境）", unit=world.gov_office, is_leader=True
    )
    return world


@pytest.fixture
def row_counts():
    """Row count of every model: compare before/after to prove 0 partial imports. The access
    log is left out: a refused request or a download is recorded there by design."""

    def count() -> dict[str, int]:
        return {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if not model._meta.proxy and model._meta.label != "accounts.AccessRecord"
        }

    return count


def upload(data: bytes, name: str = "plan.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


@pytest.fixture
def office_client(client, world):
    client.force_login(world.office)
    return client


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The world's seven users are hashed with PBKDF2 otherwise: seconds per test on a busy box.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
