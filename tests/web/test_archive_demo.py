"""一案一档 on the demo city: a demo problem's bundle holds every file its index lists, with
matching hashes, its 台账 rows and its event history (issue 13 item 3)."""

import io

import openpyxl
import pytest

from exchange import archive
from rectification.models import Attachment, Event, Task
from tests.web.test_archive import _assert_index_matches, _index, _zip

# ---------------------------------------------------------------------------------------------
# A demo problem's bundle


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


@pytest.fixture
def office_client(client, demo_city):
    client.force_login(demo_city.users["office"])
    return client


def test_demo_problem_bundle_holds_every_file_its_index_lists_with_matching_hashes(
    office_client, demo_city
):
    # given a demo problem with three tasks and their evidence
    problem = demo_city.tasks["SD-4-1"].problem
    attachments = list(Attachment.objects.filter(task__problem=problem))
    assert len(attachments) >= 5
    # when the office downloads its 一案一档
    response = office_client.get(f"/problems/{problem.pk}/archive.zip")
    bundle = _zip(response)
    assert "attachment" in response["Content-Disposition"]
    # then the index and the zip agree file by file, hash by hash
    root, rows = _assert_index_matches(bundle)
    assert root == archive.problem_bundle_name(problem)
    evidence = [row for row in rows if row["类别"] == archive.KIND_EVIDENCE]
    # every evidence file, under its original name, with the hash stored at upload
    assert sorted(row["SHA-256"] for row in evidence) == sorted(a.sha256 for a in attachments)
    assert {row["原文件名"] for row in evidence} == {a.original_name for a in attachments}
    assert {row["校验"] for row in evidence} == {archive.CHECK_MATCH}
    for row in evidence:
        assert row["档案内文件"].startswith(f"{archive.EVIDENCE_DIR}/{row['任务编号']} ")
        assert row["档案内文件"].endswith("/" + row["原文件名"])
    # the printable index is a PDF when WeasyPrint is installed, HTML otherwise
    printable = archive.INDEX_PDF if archive.weasyprint_available() else archive.INDEX_HTML
    assert bundle.read(f"{root}/{printable}")[:5] in (b"%PDF-", b"<!doc")


def test_demo_problem_bundle_holds_its_ledger_rows_and_event_history(
    office_client, demo_city, html_index
):
    problem = demo_city.tasks["SD-4-1"].problem
    bundle = _zip(office_client.get(f"/problems/{problem.pk}/archive.zip"))
    root, _ = _index(bundle)
    # the 台账 rows of exactly the problem's tasks
    ledger = openpyxl.load_workbook(io.BytesIO(bundle.read(f"{root}/{archive.LEDGER_XLSX}")))
    cells = {c for row in ledger["整改台账"].iter_rows(values_only=True) for c in row if c}
    codes = set(Task.objects.filter(problem=problem).values_list("code", flat=True))
    assert codes <= cells
    assert not {t.code for t in Task.objects.exclude(problem=problem)} & cells
    # one history row per event of its tasks, oldest first
    events = openpyxl.load_workbook(io.BytesIO(bundle.read(f"{root}/{archive.EVENTS_XLSX}")))
    task_rows = list(events["任务操作记录"].iter_rows(min_row=2, values_only=True))
    assert len(task_rows) == Event.objects.filter(task__problem=problem).count()
    assert {row[1] for row in task_rows} == codes
    assert [row[0] for row in task_rows] == sorted(row[0] for row in task_rows)
    assert "督察操作记录" in events.sheetnames


def test_registered_documents_land_in_the_bundle_and_its_index(
    office_client, demo_city, html_index
):
    problem = demo_city.tasks["SD-4-1"].problem

    def approval_forms(subject):
        if isinstance(subject, Task):
            return [(f"销号审批表-{subject.code}.docx", f"审批表 {subject.code}".encode())]
        return [("问题整改情况/说明.pdf", b"%PDF-1.4 problem")]  # a slash is not a folder

    registered = list(archive.ARCHIVE_DOCUMENTS)
    archive.ARCHIVE_DOCUMENTS[:] = [approval_forms]  # this test's documents only
    try:
        bundle = _zip(office_client.get(f"/problems/{problem.pk}/archive.zip"))
    finally:
        archive.ARCHIVE_DOCUMENTS[:] = registered
    root, rows = _assert_index_matches(bundle)
    documents = {row["档案内文件"]: row for row in rows if row["类别"] == archive.KIND_DOCUMENT}
    tasks = Task.objects.filter(problem=problem)
    assert len(documents) == tasks.count() + 1
    assert f"{archive.DOCUMENTS_DIR}/问题整改情况_说明.pdf" in documents
    for task in tasks:
        (path,) = [p for p, row in documents.items() if row["任务编号"] == task.code]
        assert path.startswith(f"{archive.DOCUMENTS_DIR}/{task.code} ")
        assert bundle.read(f"{root}/{path}") == f"审批表 {task.code}".encode()


def test_a_failing_document_is_listed_as_failed_and_the_rest_is_kept(
    office_client, demo_city, html_index
):
    problem = demo_city.tasks["SD-4-1"].problem

    def broken(subject):
        raise RuntimeError("模板缺失")

    archive.ARCHIVE_DOCUMENTS.append(broken)
    try:
        bundle = _zip(office_client.get(f"/problems/{problem.pk}/archive.zip"))
    finally:
        archive.ARCHIVE_DOCUMENTS.remove(broken)
    _, rows = _assert_index_matches(bundle)
    documents = [row for row in rows if row["类别"] == archive.KIND_DOCUMENT]
    failed = [row for row in documents if row["校验"].startswith(archive.CHECK_FAILED)]
    # one failure for the problem and one per task, each listed without a file
    assert len(failed) == 1 + problem.tasks.count()
    assert all(row["档案内文件"] is None for row in failed)
    # the documents that did not fail (the registered Word files) are kept
    assert all(row["档案内文件"] for row in documents if row not in failed)
    assert any(row["类别"] == archive.KIND_EVIDENCE for row in rows)


def test_a_closed_tasks_approval_form_and_letters_are_filed_in_its_bundle(
    office_client, demo_city, html_index
):
    import docx

    # given SD-5-1, whose 督办函 was issued (示环督办函〔2020〕3号), and a closed task of
    # the same round
    letter_task = demo_city.tasks["SD-5-1"]
    closed = Task.objects.filter(round=letter_task.round, status="CLOSED").first()
    for task, expected in ((letter_task, "示环督办函〔2020〕3号"), (closed, "销号审批表")):
        # when the office downloads the problem's 一案一档
        bundle = _zip(office_client.get(f"/problems/{task.problem_id}/archive.zip"))
        root, rows = _assert_index_matches(bundle)
        documents = [r for r in rows if r["类别"] == archive.KIND_DOCUMENT]
        # then the task's Word documents are there, listed and readable
        texts = []
        for row in documents:
            assert row["档案内文件"].endswith(".docx")
            opened = docx.Document(io.BytesIO(bundle.read(f"{root}/{row['档案内文件']}")))
            texts.append("\n".join(p.text for p in opened.paragraphs))
            texts += [c.text for t in opened.tables for r in t.rows for c in r.cells]
        assert any(expected in text for text in texts), (
            task.code,
            [r["档案内文件"] for r in documents],
        )
