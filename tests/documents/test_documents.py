"""Every document generated for the demo city, opened again and checked against the database:
.docx through python-docx, .pdf through pypdf (text, and the CJK font embedded so nothing
prints as tofu); who may download what; the links the pages render."""

import re
import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import resolve
from docx import Document as WordDocument
from pypdf import PdfReader

from exchange.documents.views import DOCX
from inspections.models import Petition
from rectification.choices import SupervisionKind, SupervisionStatus, TaskStatus
from rectification.jobs import dispatch as dispatch_job
from rectification.models import CloseoutApplication, DispatchReport, SupervisionNotice, Task
from rectification.selectors import task_totals

# Beside the browser tests' screenshots (tests/browser/conftest.py).
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "documents"


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


@pytest.fixture
def as_user(client, demo_city):
    def login(username):
        client.force_login(demo_city.users[username])
        return client

    return login


def docx_text(content: bytes) -> str:
    doc = WordDocument(BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def pdf_text(content: bytes, name: str) -> str:
    reader = PdfReader(BytesIO(content))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    # The CJK glyphs come from an embedded CJK font (WenQuanYi, or 仿宋/黑体 where installed).
    assert any(re.search(r"WenQuanYi|FangSong|SimHei|Hei|Song", f) for f in fonts), fonts
    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                "-",
                str(SCREENSHOTS / name),
            ],
            input=content,
            check=True,
        )
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 2000
    # Extraction breaks lines where the page does; compare without whitespace.
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def both(client, url_docx: str, name: str) -> tuple[str, str]:
    """The docx's text and the pdf's text (without whitespace) of one document."""
    response = client.get(url_docx)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    word = docx_text(response.content)
    response = client.get(url_docx.replace(".docx", ".pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return word, pdf_text(response.content, name)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def city_report(demo) -> DispatchReport:
    """January 2020's 月调度通报 of the city (the job also writes the province's)."""
    dispatch_job.run(date(2020, 2, 1))
    return DispatchReport.objects.get(
        month=date(2020, 1, 1), region=demo.users["office"].unit.region
    )


# ---------------------------------------------------------------------------------------------
# Each document


def test_supervision_letter(as_user, demo_city):
    notice = SupervisionNotice.objects.get(doc_no="示环督办函〔2020〕3号")
    word, pdf = both(
        as_user("office"), f"/documents/supervision/{notice.pk}.docx", "supervision-letter"
    )
    for text in (word, pdf):
        assert "市环督办" in text or "环督办" in text
        assert "示环督办函〔2020〕3号" in squeeze(text)
        assert squeeze(notice.title) in squeeze(text)
        assert "南江县人民政府：" in squeeze(text) or f"{notice.target_unit.name}：" in squeeze(
            text
        )
        assert "SD-5-1" in text
        assert "2020年1月22日" in squeeze(text)  # 落款 date
    # the reply deadline the service computed (10 working days)
    assert f"{notice.reply_due.year}年{notice.reply_due.month}月{notice.reply_due.day}日前" in word


def test_interview_notice(as_user, demo_city):
    notice = SupervisionNotice.objects.get(
        kind=SupervisionKind.INTERVIEW, doc_no__startswith="示环"
    )
    word, pdf = both(
        as_user("office"), f"/documents/supervision/{notice.pk}.docx", "supervision-interview"
    )
    for text in (word, squeeze(pdf)):
        assert "约谈" in text and "通知" in text
        assert "示环督办约〔2020〕1号" in squeeze(text)
        assert "约谈对象" in text
        assert "SD-11-2" in text


def test_dispatch_report(as_user, demo_city):
    report = city_report(demo_city)
    h = report.figures["headline"]
    word, pdf = both(as_user("office"), f"/documents/dispatch/{report.pk}.docx", "dispatch")
    for text in (squeeze(word), pdf):
        assert "2020年1月生态环境保护督察整改调度通报" in text
        for title in ("一、总体进展", "二、先进与后进单位", "三、逾期与红黄牌情况", "四、下步要求"):
            assert title in text
        assert f"共有整改任务{h['total']}个，已销号{h['closed']}个" in text
        assert f"逾期{h['overdue']}个" in text
        best = next(u for u in report.figures["units"] if u["rank"] == 1)
        assert best["name"] in text


def test_closeout_form(as_user, demo_city):
    task = Task.objects.filter(status=TaskStatus.CLOSED).order_by("code").first()
    application = CloseoutApplication.objects.filter(task=task, status="APPROVED").latest("id")
    word, pdf = both(as_user("office"), f"/documents/closeout/{task.pk}.docx", "closeout")
    reviews = list(application.reviews.all())
    assert reviews
    for text in (squeeze(word), pdf):
        assert f"整改任务销号审批表（{task.code}）" in text
        assert squeeze(task.problem.title) in text and squeeze(task.name) in text
        assert "佐证材料清单" in text and "公示情况" in text
        for review in reviews:
            assert review.get_result_display() in text
        notice = application.notice
        start = notice.start_date
        assert f"{start.year}年{start.month}月{start.day}日至" in text
        if application.closeout_doc_no:
            assert squeeze(application.closeout_doc_no) in text
        assert "负责人（签字）" in text
    for attachment in task.attachments.all():
        assert (attachment.title or attachment.original_name) in word


def test_round_progress_table(as_user, demo_city):
    round_ = demo_city.rounds["SD2019"]
    word, pdf = both(
        as_user("office"), f"/documents/round/{round_.pk}/progress.docx", "round-progress"
    )
    doc = WordDocument(
        BytesIO(as_user("office").get(f"/documents/round/{round_.pk}/progress.docx").content)
    )
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "反馈问题",
        "整改目标",
        "整改措施",
        "责任单位",
        "整改时限",
        "整改进展",
        "完成情况",
    ]
    tasks = Task.objects.filter(round=round_)
    assert len(table.rows) - 1 == tasks.count() == 17
    closed = tasks.filter(status=TaskStatus.CLOSED).count()
    assert sum(1 for r in table.rows[1:] if r.cells[6].text.startswith("已完成")) == closed
    assert "反馈问题" in pdf and "完成情况" in pdf
    for task in tasks:
        assert task.code in word and task.code in pdf


def test_round_report_skeleton(as_user, demo_city):
    round_ = demo_city.rounds["SD2019"]
    office = demo_city.users["office"]
    totals = task_totals(Task.objects.visible_to(office).filter(round=round_))
    word, pdf = both(as_user("office"), f"/documents/round/{round_.pk}/report.docx", "round-report")
    for text in (squeeze(word), pdf):
        assert "整改落实情况的报告" in text
        assert "3方面7类12项" in text
        assert f"{totals.total}项整改任务中，已完成整改并销号{totals.closed}项" in text
        assert f"逾期未完成{totals.overdue}项" in text
        assert "一、整改工作总体情况" in text and "四、下步工作打算" in text


def test_petition_batch_table(as_user, demo_city):
    petition = Petition.objects.order_by("round_id", "batch_no").first()
    batch = list(Petition.objects.filter(round=petition.round, batch_no=petition.batch_no))
    word, pdf = both(
        as_user("office"),
        f"/documents/petitions/{petition.round_id}/{petition.batch_no}.docx",
        "petitions",
    )
    for text in (squeeze(word), pdf):
        assert f"第{petition.batch_no}批交办信访件边督边改公开情况一览表" in text
        assert f"共{len(batch)}件" in text
        for p in batch:
            assert p.accept_no in text
    table = WordDocument(
        BytesIO(
            as_user("office")
            .get(f"/documents/petitions/{petition.round_id}/{petition.batch_no}.docx")
            .content
        )
    ).tables[0]
    assert len(table.rows) - 1 == len(batch)


# ---------------------------------------------------------------------------------------------
# Scope


def test_a_unit_downloads_its_own_letter_not_another_units(as_user, demo_city):
    own = SupervisionNotice.objects.get(doc_no="示环督办函〔2020〕3号")  # to 南江县政府
    other = SupervisionNotice.objects.get(doc_no="示环督办提〔2020〕2号")  # to 东城区政府
    client = as_user("nanjiang")
    assert client.get(f"/documents/supervision/{own.pk}.docx").status_code == 200
    assert client.get(f"/documents/supervision/{other.pk}.docx").status_code == 404
    assert client.get(f"/documents/supervision/{other.pk}.pdf").status_code == 404


def test_a_proposed_letter_is_for_the_office_only(as_user, demo_city):
    notice = SupervisionNotice.objects.create(
        kind=SupervisionKind.LETTER,
        title="关于加快推进整改的督办函",
        target_unit=demo_city.units["南江县政府"],
        status=SupervisionStatus.PROPOSED,
    )
    assert as_user("nanjiang").get(f"/documents/supervision/{notice.pk}.docx").status_code == 404
    response = as_user("office").get(f"/documents/supervision/{notice.pk}.docx")
    assert response.status_code == 200
    assert "拟发（未签发）" in docx_text(response.content)


def test_a_unit_never_downloads_another_units_closeout_form(as_user, demo_city):
    task = Task.objects.filter(status=TaskStatus.CLOSED).order_by("code").first()
    members = set(task.assignments.values_list("unit_id", flat=True))
    outsider = next(
        name
        for name in ("dongcheng", "xicheng", "nanjiang", "beishan", "qinglin", "linye", "jingxin")
        if demo_city.users[name].unit_id not in members
    )
    assert as_user(outsider).get(f"/documents/closeout/{task.pk}.docx").status_code == 404
    insider = next(
        u for u in demo_city.users.values() if u.unit_id in members and u.role == "REPORTER"
    )
    assert as_user(insider.username).get(f"/documents/closeout/{task.pk}.docx").status_code == 200


def test_no_closeout_form_before_acceptance(as_user, demo_city):
    task = Task.objects.filter(status=TaskStatus.IN_PROGRESS).order_by("code").first()
    response = as_user("office").get(f"/documents/closeout/{task.pk}.docx")
    assert response.status_code == 404


def test_units_get_no_round_dispatch_or_petition_documents(as_user, demo_city):
    report = city_report(demo_city)
    round_ = demo_city.rounds["SD2019"]
    petition = Petition.objects.first()
    client = as_user("dongcheng")
    for url in (
        f"/documents/dispatch/{report.pk}.docx",
        f"/documents/round/{round_.pk}/progress.docx",
        f"/documents/round/{round_.pk}/report.pdf",
        f"/documents/petitions/{petition.round_id}/{petition.batch_no}.docx",
    ):
        assert client.get(url).status_code == 403, url


def test_unknown_format_and_anonymous(client, as_user, demo_city):
    notice = SupervisionNotice.objects.get(doc_no="示环督办函〔2020〕3号")
    assert client.get(f"/documents/supervision/{notice.pk}.docx").status_code == 302  # to login
    assert as_user("office").get(f"/documents/supervision/{notice.pk}.exe").status_code == 404


def test_api_downloads_with_the_same_scope(as_user, demo_city):
    own = SupervisionNotice.objects.get(doc_no="示环督办函〔2020〕3号")
    other = SupervisionNotice.objects.get(doc_no="示环督办提〔2020〕2号")
    client = as_user("nanjiang")
    response = client.get(f"/api/v1/documents/supervision/{own.pk}.docx")
    assert response.status_code == 200 and response["Content-Type"] == DOCX
    assert "示环督办函〔2020〕3号" in docx_text(response.content)
    response = client.get(
        f"/api/v1/documents/supervision/{other.pk}.docx", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 404
    assert "detail" in response.json()


# ---------------------------------------------------------------------------------------------
# The links the pages render


def _links(html: str, prefix: str) -> list[str]:
    return sorted(set(re.findall(rf'href="({re.escape(prefix)}[^"]+)"', html)))


def _follow(client, page: str, prefix: str, expected: int) -> None:
    """Every document link on the page: each Word file is downloaded; each PDF link must be
    the PDF of a Word link on the page (rendering every PDF again would take a second or two
    each; the tests above open each kind of PDF)."""
    html = client.get(page).content.decode()
    links = _links(html, prefix)
    assert len(links) >= expected, (page, links)
    words = {link for link in links if link.endswith(".docx")}
    for link in links:
        if link.endswith(".pdf"):
            assert link.removesuffix(".pdf") + ".docx" in words, link
            assert resolve(link).kwargs["ext"] == "pdf"
            continue
        response = client.get(link)
        assert response.status_code == 200, link
        assert response["Content-Type"] == DOCX
        assert len(response.content) > 1000


def test_page_links(as_user, demo_city):
    office = as_user("office")
    _follow(office, "/supervision/", "/documents/supervision/", 6)
    closed = Task.objects.filter(status=TaskStatus.CLOSED).order_by("code").first()
    _follow(office, f"/tasks/{closed.pk}/", f"/documents/closeout/{closed.pk}.", 2)
    round_ = demo_city.rounds["SD2019"]
    _follow(office, f"/rounds/{round_.pk}/", f"/documents/round/{round_.pk}/", 4)
    _follow(office, "/petitions/", "/documents/petitions/", 2)
    report = city_report(demo_city)
    _follow(office, f"/dispatch/{report.pk}/", f"/documents/dispatch/{report.pk}.", 2)
    _follow(as_user("nanjiang"), "/supervision/inbox/", "/documents/supervision/", 2)


def test_a_task_still_in_progress_shows_no_closeout_link(as_user, demo_city):
    task = Task.objects.filter(status=TaskStatus.IN_PROGRESS).order_by("code").first()
    html = as_user("office").get(f"/tasks/{task.pk}/").content.decode()
    assert "/documents/closeout/" not in html


def test_word_layout_red_head_and_fonts(as_user, demo_city):
    """公文 style in the Word file: the issuer in red 黑体, a red rule under the 文号, 仿宋 body."""
    from docx.oxml.ns import qn

    notice = SupervisionNotice.objects.get(doc_no="示环督办函〔2020〕3号")
    content = as_user("office").get(f"/documents/supervision/{notice.pk}.docx").content
    paragraphs = WordDocument(BytesIO(content)).paragraphs
    head, number = paragraphs[0], paragraphs[1]
    assert "环督办" in head.text or "办公室" in head.text
    run = head.runs[0]
    assert str(run.font.color.rgb) == "C00000"
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert number.text == "示环督办函〔2020〕3号"
    assert number._p.pPr.find(qn("w:pBdr")) is not None  # the red rule
    body = next(p for p in paragraphs if p.text.startswith("南江县第二污水处理厂"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    assert body.paragraph_format.first_line_indent is not None
    signer = [p.text for p in paragraphs if p.text][-2:]
    assert signer[0] == head.text and signer[1] == "2020年1月22日"
