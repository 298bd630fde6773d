"""The petition API moves a petition through inspections.petition_services: a move outside
the workflow is a 409 in Chinese, and the API's own code imports nothing from rectification."""

import ast
from pathlib import Path

from inspections.choices import PetitionStatus
from inspections.models import InspectionEvent, Petition


def test_an_allowed_move_is_saved_with_its_event(api_world, as_persona):
    # given a petition just handed to 东城区政府
    path = f"/api/v1/petitions/{api_world.petition.pk}/start/"

    # when its reporter takes it up
    response = as_persona("reporter").post(path, {}, format="json")

    # then it is saved and the move is on the record
    assert response.status_code == 200, response.content.decode()
    assert response.json()["status"] == PetitionStatus.HANDLING
    event = InspectionEvent.objects.get()
    assert (event.verb, event.from_status, event.to_status, event.actor) == (
        "petition_start",
        PetitionStatus.ASSIGNED,
        PetitionStatus.HANDLING,
        api_world.reporter,
    )


def test_a_move_outside_the_workflow_is_a_409_in_chinese(api_world, as_persona):
    # given a petition just handed over
    path = f"/api/v1/petitions/{api_world.petition.pk}/close/"

    # when the office tries to close it out at once
    response = as_persona("office").post(path, {}, format="json")

    # then the service refuses, and nothing changes
    assert response.status_code == 409
    assert response.json()["detail"] == "信访件当前为“已交办”，不能执行“信访件销号”"
    petition = Petition.objects.get(pk=api_world.petition.pk)
    assert petition.status == PetitionStatus.ASSIGNED
    assert not InspectionEvent.objects.exists()


def test_inspections_api_and_services_import_nothing_from_rectification():
    root = Path(__file__).resolve().parents[2] / "inspections"
    files = [
        *sorted((root / "api").glob("*.py")),
        root / "services.py",
        root / "petition_services.py",
        root / "petition_lifecycle.py",
        root / "models.py",
    ]
    imported = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add((path.name, node.module))
            elif isinstance(node, ast.Import):
                imported.update((path.name, alias.name) for alias in node.names)

    assert [pair for pair in imported if pair[1].split(".")[0] == "rectification"] == []
    assert ("views.py", "accounts.api_errors") in imported
