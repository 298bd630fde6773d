"""The demo city of docs/domain.md §5 as plain data: 示范市 on 2020-02-15.

Everything here is fictional. The loader (devtools/demo/loader.py) turns these tables
into rows; each task carries a `story`, the dated steps that brought it to its status on the
snapshot day, so that its history (reports, close-out, reviews, notice, look-back) is
consistent with that status.
"""

from dataclasses import dataclass, field
from datetime import date

from accounts.choices import RegionLevel, Role, UnitKind
from inspections.choices import (
    DeadlineType,
    PetitionChannel,
    PetitionStatus,
    RoundKind,
    RoundLevel,
    RoundStatus,
    VerifyResult,
)
from rectification.choices import (
    AccountabilityForm,
    LookBackMethod,
    LookBackResult,
    ScheduleStatus,
    SiteType,
    SupervisionKind,
    SupervisionStatus,
    WarningLevel,
    WarningReason,
)

SNAPSHOT_DATE = date(2020, 2, 15)
DEMO_PASSWORD = "demo-pass-2020"
# The accounts whose role requires two-factor login (MFA_REQUIRED_ROLES' default) come with an
# authenticator already bound to this published secret (README 演示账号), so a visitor can add
# it to an authenticator app, or print the current code with `manage.py totp_code USERNAME`.
DEMO_TOTP_SECRET = "DUCHADEMOTOTPKEY"
DEMO_MFA_USERS = ("admin", "office", "province_office")

# ---------------------------------------------------------------------------------------------
# Regions: key → (code, name, level, parent key)

REGIONS: dict[str, tuple[str, str, str, str | None]] = {
    "province": ("990000", "示范省", RegionLevel.PROVINCE, None),
    "city": ("990100", "示范市", RegionLevel.CITY, "province"),
    "dongcheng": ("990102", "东城区", RegionLevel.COUNTY, "city"),
    "xicheng": ("990103", "西城区", RegionLevel.COUNTY, "city"),
    "nanjiang": ("990121", "南江县", RegionLevel.COUNTY, "city"),
    "beishan": ("990122", "北山县", RegionLevel.COUNTY, "city"),
    "qinglin": ("990123", "青林县", RegionLevel.COUNTY, "city"),
}

# ---------------------------------------------------------------------------------------------
# Units. The key is the short name the plan tables use; aliases are every other form people
# write in spreadsheets (the importer matches on name, short name and aliases).


@dataclass(frozen=True)
class UnitSpec:
    key: str
    name: str
    kind: str
    region: str = "city"
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    # The unit's responsible person (责任人): name, title.
    person: tuple[str, str] = ("", "")


UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(
        "市委办",
        "中共示范市委办公室",
        UnitKind.PARTY,
        aliases=("市委办公室", "中共示范市委办", "示范市委办"),
        person=("宋丽", "副主任"),
    ),
    UnitSpec(
        "市政府办",
        "示范市人民政府办公室",
        UnitKind.GOV,
        aliases=("市政府办公室", "市人民政府办公室", "示范市政府办"),
        person=("谢红", "副主任"),
    ),
    UnitSpec(
        "市生态环境局",
        "示范市生态环境局",
        UnitKind.DEPT,
        aliases=("市生态环境局", "市环境局", "生态环境局"),
        person=("何静", "副局长"),
    ),
    UnitSpec(
        "市环督办",
        "示范市生态环境保护督察整改工作领导小组办公室",
        UnitKind.COORD_OFFICE,
        aliases=("市生态环境保护督察整改工作领导小组办公室", "市督察整改办", "环督办"),
        parent="市生态环境局",
        person=("韩磊", "专职副主任"),
    ),
    UnitSpec(
        "市住建局",
        "示范市住房和城乡建设局",
        UnitKind.DEPT,
        aliases=("市住房和城乡建设局", "市住房城乡建设局", "住建局"),
        person=("黄文斌", "副局长"),
    ),
    UnitSpec(
        "市城管执法局",
        "示范市城市管理综合执法局",
        UnitKind.DEPT,
        aliases=("市城市管理综合执法局", "市城管局", "城管执法局"),
        person=("林伟", "副局长"),
    ),
    UnitSpec(
        "市经信局",
        "示范市经济和信息化局",
        UnitKind.DEPT,
        aliases=("市经济和信息化局", "经信局"),
        person=("罗涛", "副局长"),
    ),
    UnitSpec(
        "市自然资源规划局",
        "示范市自然资源和规划局",
        UnitKind.DEPT,
        aliases=("市自然资源和规划局", "市自然资源局", "自然资源规划局"),
        person=("冯斌", "副局长"),
    ),
    UnitSpec(
        "市水务局",
        "示范市水务局",
        UnitKind.DEPT,
        aliases=("市水务局", "水务局"),
        person=("唐俊", "副局长"),
    ),
    UnitSpec(
        "市农业农村局",
        "示范市农业农村局",
        UnitKind.DEPT,
        aliases=("市农业农村局", "农业农村局"),
        person=("萧平", "副局长"),
    ),
    UnitSpec(
        "市林业局",
        "示范市林业局",
        UnitKind.DEPT,
        aliases=("市林业局", "林业局"),
        person=("马骏", "副局长"),
    ),
    UnitSpec(
        "市交通运输局",
        "示范市交通运输局",
        UnitKind.DEPT,
        aliases=("市交通运输局", "市交通局", "交通运输局"),
        person=("许鹏", "副局长"),
    ),
    UnitSpec(
        "市公安局",
        "示范市公安局",
        UnitKind.DEPT,
        aliases=("市公安局", "公安局"),
        person=("邓强", "副局长"),
    ),
    UnitSpec(
        "市市场监管局",
        "示范市市场监督管理局",
        UnitKind.DEPT,
        aliases=("市市场监督管理局", "市场监管局", "市监局"),
        person=("曹敏", "副局长"),
    ),
    UnitSpec(
        "市发展改革委",
        "示范市发展和改革委员会",
        UnitKind.DEPT,
        aliases=("市发展和改革委员会", "市发改委", "发展改革委"),
        person=("彭飞", "副主任"),
    ),
    UnitSpec(
        "市信访局",
        "示范市信访局",
        UnitKind.DEPT,
        aliases=("市信访局", "信访局"),
        person=("田静", "副局长"),
    ),
    UnitSpec(
        "市纪委监委",
        "中共示范市纪律检查委员会 示范市监察委员会",
        UnitKind.DISCIPLINE,
        aliases=("市纪委", "市监委", "市纪委市监委"),
        person=("潘刚", "副书记"),
    ),
    UnitSpec(
        "市委编办",
        "中共示范市委机构编制委员会办公室",
        UnitKind.PARTY,
        aliases=("市委机构编制委员会办公室", "市编办"),
        person=("曾琳", "副主任"),
    ),
    UnitSpec(
        "示范化工园区管委会",
        "示范化工园区管理委员会",
        UnitKind.PARK,
        region="city",
        aliases=("化工园区管委会", "示范化工园区管理委员会", "园区管委会"),
        person=("梁勇", "副主任"),
    ),
    UnitSpec(
        "东城区政府",
        "示范市东城区人民政府",
        UnitKind.GOV,
        region="dongcheng",
        aliases=("东城区人民政府", "东城区"),
        person=("陈志刚", "副区长"),
    ),
    UnitSpec(
        "西城区政府",
        "示范市西城区人民政府",
        UnitKind.GOV,
        region="xicheng",
        aliases=("西城区人民政府", "西城区"),
        person=("刘海涛", "副区长"),
    ),
    UnitSpec(
        "南江县政府",
        "示范市南江县人民政府",
        UnitKind.GOV,
        region="nanjiang",
        aliases=("南江县人民政府", "南江县"),
        person=("周建华", "副县长"),
    ),
    UnitSpec(
        "北山县政府",
        "示范市北山县人民政府",
        UnitKind.GOV,
        region="beishan",
        aliases=("北山县人民政府", "北山县"),
        person=("吴国强", "副县长"),
    ),
    UnitSpec(
        "青林县政府",
        "示范市青林县人民政府",
        UnitKind.GOV,
        region="qinglin",
        aliases=("青林县人民政府", "青林县"),
        person=("郑明", "副县长"),
    ),
    # The provincial office: it records the 省级复核 of the provincial round on its own account
    # (closeout_rules.provincial_review_refusal). Last, so that the city units keep their sort.
    UnitSpec(
        "省环督办",
        "示范省生态环境保护督察整改工作领导小组办公室",
        UnitKind.COORD_OFFICE,
        region="province",
        aliases=("示范省督察整改办",),
        person=("钱正", "专职副主任"),
    ),
)

# City leaders (titles only, as docs/domain.md §5 gives them): key → (name, title).
LEADERS: dict[str, tuple[str, str]] = {
    "市长": ("市长", "第一责任人"),
    "生态环境": ("副市长", "分管生态环境"),
    "城建": ("副市长", "分管城建"),
    "自然资源": ("副市长", "分管自然资源"),
}
LEADER_UNIT = "市政府办"

# ---------------------------------------------------------------------------------------------
# Users: username, role, unit key, family name, given name. The unit heads are the units'
# responsible persons (UnitSpec.person) and are linked to them.


@dataclass(frozen=True)
class UserSpec:
    username: str
    role: str
    unit: str | None
    last_name: str
    first_name: str


def _pair(prefix: str, unit: str, reporter: str) -> tuple[UserSpec, UserSpec]:
    head = next(u.person[0] for u in UNITS if u.key == unit)
    return (
        UserSpec(prefix, Role.REPORTER, unit, reporter[0], reporter[1:]),
        UserSpec(f"{prefix}_head", Role.UNIT_HEAD, unit, head[0], head[1:]),
    )


USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", Role.ADMIN, None, "赵", "管理员"),
    UserSpec("office", Role.OFFICE, "市环督办", "王", "建国"),
    UserSpec("province_office", Role.OFFICE, "省环督办", "钱", "立新"),
    UserSpec("leader", Role.LEADER, "市政府办", "孙", "立军"),
    UserSpec("duban", Role.REPORTER, "市环督办", "杨", "帆"),
    *_pair("dongcheng", "东城区政府", "张晓明"),
    *_pair("xicheng", "西城区政府", "李娜"),
    *_pair("nanjiang", "南江县政府", "王磊"),
    *_pair("beishan", "北山县政府", "刘洋"),
    *_pair("qinglin", "青林县政府", "陈静"),
    *_pair("zhujian", "市住建局", "杨勇"),
    *_pair("chengguan", "市城管执法局", "黄敏"),
    *_pair("shengtai", "市生态环境局", "周婷"),
    *_pair("linye", "市林业局", "吴杰"),
    *_pair("jingxin", "市经信局", "徐丽"),
    *_pair("yuanqu", "示范化工园区管委会", "孙浩"),
    *_pair("shiweiban", "市委办", "胡军"),
)

# ---------------------------------------------------------------------------------------------
# Stories: the dated steps behind a task's status on the snapshot day.


@dataclass(frozen=True)
class Step:
    kind: str  # report | apply | self_check | accept | close | return | extension |
    # overdue_extension | lookback
    day: date
    pct: int | None = None
    text: str = ""
    # extension: approval day and new deadline; lookback: result, method, new deadline.
    until: date | None = None
    decided: date | None = None
    result: str = ""
    method: str = ""
    level: str = "CITY"
    falling: str = ""  # report: why progress fell below the last report's


def report(day: date, pct: int, text: str = "", falling: str = "") -> Step:
    """A progress report; `falling` explains a percentage lower than the last report's."""
    return Step("report", day, pct=pct, text=text, falling=falling)


def closed(
    *reports: tuple[date, int],
    applied: date,
    self_checked: date,
    accepted: date,
    closed_on: date,
    level: str = "CITY",
) -> list[Step]:
    """A task rectified, applied, self-checked, accepted with a 7-day notice, and closed."""
    return [
        *(report(day, pct) for day, pct in reports),
        Step("apply", applied),
        Step("self_check", self_checked),
        Step("accept", accepted, level=level),
        Step("close", closed_on),
    ]


@dataclass(frozen=True)
class TaskSpec:
    code: str
    name: str
    region: str
    site_type: str
    lead: str
    coops: tuple[str, ...]
    deadline: date
    measures: str
    story: list[Step]
    # Expected 序时 verdict on the snapshot day (checked by the loader against
    # rectification.schedule.evaluate, so the data cannot drift from the rule).
    expect: str = ScheduleStatus.NA
    territorial: str | None = None
    sector: str | None = None
    is_point: bool = True
    water_body: str = ""
    outfall_code: str = ""
    lat: str | None = None
    lng: str | None = None
    address: str = ""
    goal: str = ""
    start: date | None = None
    deadline_type: str = DeadlineType.DATED
    is_ongoing: bool = False


@dataclass(frozen=True)
class ProblemSpec:
    seq: int
    code: str
    title: str
    leader: str
    tasks: tuple[TaskSpec, ...]
    original_text: str = ""
    category: int | None = None
    is_key: bool = False
    lead: str | None = None  # problem-level lead assignment (JSP2019)
    coops: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundSpec:
    code: str
    name: str
    level: str
    kind: str
    status: str
    plan_issued_on: date
    # The day the task list entered the system (create events).
    listed_on: date
    problems: tuple[ProblemSpec, ...]
    aspects: tuple[tuple[int, str, tuple[tuple[int, str], ...]], ...] = ()
    fields: dict = field(default_factory=dict)
    source: str = "FEEDBACK"
    sort: int = 0


D = date
SD_PLAN = D(2019, 8, 20)

# ---------------------------------------------------------------------------------------------
# SD2019: 3方面7类12项, 17 tasks.

SD_ASPECTS = (
    (
        1,
        "贯彻落实生态环境保护决策部署不到位",
        (
            (1, "思想认识和责任落实不到位"),
            (2, "督察整改推进不力"),
        ),
    ),
    (
        2,
        "突出生态环境问题依然存在",
        (
            (3, "水环境"),
            (4, "大气环境"),
            (5, "固体废物和噪声"),
        ),
    ),
    (
        3,
        "生态保护和环境风险防范存在短板",
        (
            (6, "自然保护区生态破坏"),
            (7, "环境风险隐患"),
        ),
    ),
)

SD_PROBLEMS = (
    ProblemSpec(
        1,
        "SD-1",
        "部分县区“党政同责、一岗双责”落实不到位",
        "市长",
        category=1,
        original_text="督察发现，部分县区对生态环境保护“党政同责、一岗双责”认识不到位，责任传导层层递减。",
        tasks=(
            TaskSpec(
                "SD-1",
                "建立生态环境保护责任清单",
                "city",
                SiteType.INSTITUTIONAL,
                "市委办",
                ("市政府办", "市生态环境局"),
                D(2019, 12, 31),
                "出台生态环境保护责任清单，纳入年度目标考核",
                is_point=False,
                deadline_type=DeadlineType.ONGOING,
                is_ongoing=True,
                story=closed(
                    (D(2019, 9, 10), 30),
                    (D(2019, 11, 25), 80),
                    applied=D(2019, 12, 19),
                    self_checked=D(2019, 12, 23),
                    accepted=D(2019, 12, 27),
                    closed_on=D(2020, 1, 8),
                ),
            ),
        ),
    ),
    ProblemSpec(
        2,
        "SD-2",
        "部分市级部门环保监管职责不清",
        "生态环境",
        category=1,
        original_text="部分市级部门对本行业领域生态环境保护监管职责认识不清，存在推诿扯皮现象。",
        tasks=(
            TaskSpec(
                "SD-2",
                "明确市级部门生态环境保护职责分工",
                "city",
                SiteType.INSTITUTIONAL,
                "市生态环境局",
                ("市委编办", "市政府办"),
                D(2019, 10, 31),
                "印发市级部门生态环境保护职责分工，建立联席会议",
                is_point=False,
                story=closed(
                    (D(2019, 9, 5), 40),
                    (D(2019, 9, 25), 85),
                    applied=D(2019, 10, 31),
                    self_checked=D(2019, 11, 1),
                    accepted=D(2019, 11, 8),
                    closed_on=D(2019, 11, 20),
                ),
            ),
        ),
    ),
    ProblemSpec(
        3,
        "SD-3",
        "上轮督察整改项目“重主体、轻收尾”",
        "生态环境",
        category=2,
        original_text="上轮督察整改的部分项目主体工程完成后，配套设施和设备调试长期未完成即申请销号。",
        tasks=(
            TaskSpec(
                "SD-3",
                "建立整改项目收尾清单和行业认定标准",
                "city",
                SiteType.INSTITUTIONAL,
                "市环督办",
                ("市住建局", "市城管执法局", "市经信局"),
                D(2020, 6, 30),
                "建立整改项目收尾清单和市级行业部门统一认定标准",
                is_point=False,
                expect=ScheduleStatus.ON,
                story=[
                    report(D(2019, 9, 26), 15),
                    report(D(2019, 10, 25), 30),
                    report(D(2019, 11, 25), 40),
                    report(D(2019, 12, 20), 48),
                    report(D(2020, 1, 20), 58, "收尾清单已梳理完毕，行业认定标准征求意见中"),
                ],
            ),
        ),
    ),
    ProblemSpec(
        4,
        "SD-4",
        "城区沿河排口生活污水直排清溪河",
        "城建",
        category=3,
        is_key=True,
        original_text="东城区、西城区、南江县城区沿清溪河多处排口生活污水直排，清溪河出境断面水质不达标。",
        tasks=(
            TaskSpec(
                "SD-4-1",
                "清溪河东城区段1#排口",
                "dongcheng",
                SiteType.OUTFALL,
                "东城区政府",
                ("市住建局", "市生态环境局"),
                D(2019, 12, 31),
                "截污纳管，封堵排口",
                water_body="清溪河",
                outfall_code="QXH-DC-01",
                lat="30.1320",
                lng="104.3550",
                address="东城区清溪路与河滨街交叉口",
                story=closed(
                    (D(2019, 8, 28), 30),
                    (D(2019, 10, 25), 80),
                    applied=D(2019, 11, 29),
                    self_checked=D(2019, 12, 2),
                    accepted=D(2019, 12, 6),
                    closed_on=D(2019, 12, 20),
                ),
            ),
            TaskSpec(
                "SD-4-2",
                "清溪河西城区段3#排口",
                "xicheng",
                SiteType.OUTFALL,
                "西城区政府",
                ("市住建局", "市水务局"),
                D(2019, 12, 31),
                "雨污分流改造",
                water_body="清溪河",
                outfall_code="QXH-XC-03",
                lat="30.1350",
                lng="104.3400",
                address="西城区清溪河左岸锦华桥下游50米",
                story=closed(
                    (D(2019, 9, 2), 20),
                    (D(2019, 11, 25), 85),
                    applied=D(2019, 12, 16),
                    self_checked=D(2019, 12, 18),
                    accepted=D(2019, 12, 24),
                    closed_on=D(2020, 1, 8),
                ),
            ),
            TaskSpec(
                "SD-4-3",
                "清溪河南江段5#排口",
                "nanjiang",
                SiteType.OUTFALL,
                "南江县政府",
                ("市住建局", "市生态环境局"),
                D(2020, 6, 30),
                "新建一体化污水处理设施",
                water_body="清溪河",
                outfall_code="QXH-NJ-05",
                lat="30.1380",
                lng="104.4200",
                address="南江县城关镇清溪河右岸",
                expect=ScheduleStatus.ON,
                story=[
                    report(D(2019, 9, 20), 10),
                    report(D(2019, 11, 25), 35),
                    report(D(2019, 12, 20), 48),
                    report(D(2020, 1, 21), 60, "一体化设施基础施工完成，设备已到场"),
                ],
            ),
        ),
    ),
    ProblemSpec(
        5,
        "SD-5",
        "污水处理设施及配套管网建设滞后",
        "城建",
        category=3,
        original_text="南江县第二污水处理厂建成后长期未稳定运行，东城区城北片区雨污合流，管网建设滞后。",
        tasks=(
            TaskSpec(
                "SD-5-1",
                "南江县第二污水处理厂",
                "nanjiang",
                SiteType.SEWAGE_PLANT,
                "南江县政府",
                ("市住建局",),
                D(2019, 12, 31),
                "完成厂区辅助设施、设备调试，稳定达标运行",
                water_body="清溪河",
                lat="30.1200",
                lng="104.4300",
                address="南江县工业大道8号",
                expect=ScheduleStatus.ON,
                story=[
                    report(D(2019, 9, 20), 30),
                    report(D(2019, 10, 25), 45),
                    report(D(2019, 11, 25), 60),
                    report(D(2019, 12, 20), 100, "主体工程完工，具备通水条件"),
                    Step(
                        "apply",
                        D(2019, 12, 25),
                        text="南江县第二污水处理厂主体工程完工并通水，申请销号。",
                    ),
                    Step("self_check", D(2019, 12, 27)),
                    Step("return", D(2020, 1, 16), text="仅完成主体工程，辅助设施和设备调试未完成"),
                    # Past its deadline (2019-12-31): only the office may extend it
                    # (逾期后延期, with a reason); it stays overdue in statistics.
                    Step(
                        "overdue_extension",
                        D(2020, 1, 21),
                        until=D(2020, 4, 30),
                        text="辅助设施建设和设备联动调试需一个季度，逾期后延期至2020年4月30日",
                    ),
                    report(
                        D(2020, 1, 22),
                        75,
                        "辅助设施建设、设备调试推进中",
                        falling="市级验收退回：仅完成主体工程，按辅助设施和设备调试的实际进度核减",
                    ),
                ],
            ),
            TaskSpec(
                "SD-5-2",
                "东城区城北片区雨污分流管网",
                "dongcheng",
                SiteType.PIPE_NETWORK,
                "东城区政府",
                ("市住建局", "市城管执法局"),
                D(2020, 12, 31),
                "新建管网8.6公里",
                lat="30.1480",
                lng="104.3700",
                address="东城区城北片区",
                expect=ScheduleStatus.BEHIND,
                story=[
                    report(D(2019, 10, 25), 10),
                    report(D(2019, 11, 25), 15),
                    report(D(2019, 12, 20), 18),
                    report(D(2020, 1, 22), 20, "受疫情影响施工人员未返岗，已完成管网1.7公里"),
                ],
            ),
        ),
    ),
    ProblemSpec(
        6,
        "SD-6",
        "饮用水水源保护区内违规设施未清理",
        "生态环境",
        category=3,
        original_text="白水河饮用水水源二级保护区内仍有农家乐经营，生活污水未经处理排放。",
        tasks=(
            TaskSpec(
                "SD-6-1",
                "白水河水源地二级保护区农家乐",
                "beishan",
                SiteType.WATER_SOURCE,
                "北山县政府",
                ("市生态环境局", "市水务局"),
                D(2019, 10, 31),
                "依法关闭拆除，生态复绿",
                water_body="白水河",
                lat="30.2100",
                lng="104.4500",
                address="北山县白水镇白水河水源地二级保护区",
                story=closed(
                    (D(2019, 8, 26), 50),
                    (D(2019, 9, 20), 90),
                    applied=D(2019, 9, 30),
                    self_checked=D(2019, 10, 8),
                    accepted=D(2019, 10, 14),
                    closed_on=D(2019, 10, 28),
                ),
            ),
        ),
    ),
    ProblemSpec(
        7,
        "SD-7",
        "建筑施工及道路运输扬尘管控不力",
        "城建",
        category=4,
        original_text="城区部分建筑工地“六个百分之百”落实不到位，渣土运输车辆抛洒滴漏，道路扬尘污染突出。",
        tasks=(
            TaskSpec(
                "SD-7-1",
                "示范大道（西城段）改造工地",
                "xicheng",
                SiteType.CONSTRUCTION,
                "市住建局",
                ("西城区政府", "市城管执法局"),
                D(2019, 9, 30),
                "落实“六个百分之百”，安装在线监测",
                lat="30.1500",
                lng="104.3300",
                address="示范大道西城段K2+300至K4+100",
                story=closed(
                    (D(2019, 8, 23), 60),
                    applied=D(2019, 9, 25),
                    self_checked=D(2019, 9, 27),
                    accepted=D(2019, 10, 2),
                    closed_on=D(2019, 10, 15),
                ),
            ),
            TaskSpec(
                "SD-7-2",
                "城东渣土运输通道",
                "dongcheng",
                SiteType.ROAD,
                "市城管执法局",
                ("市交通运输局", "市公安局", "东城区政府"),
                D(2019, 12, 31),
                "密闭运输、冲洗平台、路面洒扫",
                lat="30.1450",
                lng="104.4000",
                address="东城区东环路至城东消纳场",
                story=[
                    report(D(2019, 8, 29), 20),
                    report(D(2019, 10, 25), 60),
                    report(D(2019, 11, 25), 90),
                    report(D(2019, 12, 20), 100),
                    Step("apply", D(2019, 12, 26)),
                    Step("self_check", D(2019, 12, 30)),
                    Step("accept", D(2020, 2, 11)),
                ],
            ),
        ),
    ),
    ProblemSpec(
        8,
        "SD-8",
        "城区餐饮油烟扰民突出",
        "城建",
        category=4,
        original_text="东城区美食街餐饮油烟直排、露天烧烤现象普遍，群众反映强烈。",
        tasks=(
            TaskSpec(
                "SD-8-1",
                "东城区美食街",
                "dongcheng",
                SiteType.CATERING,
                "东城区政府",
                ("市城管执法局", "市市场监管局"),
                D(2019, 10, 31),
                "安装油烟净化设施并定期清洗，露天烧烤入室",
                lat="30.1420",
                lng="104.3800",
                address="东城区美食街（和平路段）",
                expect=ScheduleStatus.ON,
                story=[
                    *closed(
                        (D(2019, 8, 30), 40),
                        (D(2019, 9, 25), 85),
                        applied=D(2019, 10, 17),
                        self_checked=D(2019, 10, 21),
                        accepted=D(2019, 10, 25),
                        closed_on=D(2019, 11, 15),
                    ),
                    Step(
                        "lookback",
                        D(2020, 1, 8),
                        result=LookBackResult.REBOUND,
                        method=LookBackMethod.UNANNOUNCED,
                        until=D(2020, 3, 31),
                        text="部分商户油烟净化设施未定期清洗，夜间露天烧烤回潮",
                    ),
                    report(D(2020, 1, 22), 45, "已督促23家商户清洗净化设施，取缔露天烧烤摊点6处"),
                ],
            ),
        ),
    ),
    ProblemSpec(
        9,
        "SD-9",
        "工业固废堆场环境整治不到位",
        "生态环境",
        category=5,
        original_text="北山县冶炼渣场防渗措施不完善，渗滤液未有效收集，存在污染地下水风险。",
        tasks=(
            TaskSpec(
                "SD-9-1",
                "北山县冶炼渣场",
                "beishan",
                SiteType.SOLID_WASTE,
                "北山县政府",
                ("市经信局", "市生态环境局"),
                D(2019, 12, 31),
                "完善防渗、渗滤液收集，规范封场",
                lat="30.2000",
                lng="104.4300",
                address="北山县矿山乡冶炼渣场",
                story=[
                    report(D(2019, 9, 4), 20),
                    report(D(2019, 10, 25), 50),
                    report(D(2019, 11, 25), 80),
                    report(D(2019, 12, 20), 100),
                    Step("apply", D(2019, 12, 27)),
                    Step("self_check", D(2020, 1, 10)),
                ],
            ),
        ),
    ),
    ProblemSpec(
        10,
        "SD-10",
        "交通及夜间施工噪声扰民",
        "城建",
        category=5,
        original_text="西城区滨江路交通噪声和夜间施工噪声扰民，群众多次投诉。",
        tasks=(
            TaskSpec(
                "SD-10-1",
                "西城区滨江路",
                "xicheng",
                SiteType.NOISE,
                "西城区政府",
                ("市公安局", "市住建局"),
                D(2019, 11, 30),
                "设置声屏障、禁鸣，夜间施工审批",
                lat="30.1550",
                lng="104.3450",
                address="西城区滨江路（锦华桥至江岸公园段）",
                story=closed(
                    (D(2019, 9, 3), 30),
                    (D(2019, 10, 25), 80),
                    applied=D(2019, 11, 20),
                    self_checked=D(2019, 11, 22),
                    accepted=D(2019, 11, 27),
                    closed_on=D(2019, 12, 10),
                ),
            ),
        ),
    ),
    ProblemSpec(
        11,
        "SD-11",
        "青林山省级自然保护区内违规建设别墅群",
        "自然资源",
        category=6,
        is_key=True,
        original_text="青林山省级自然保护区缓冲区和实验区内违规建设别墅群，破坏植被，监管长期缺位。",
        tasks=(
            TaskSpec(
                "SD-11-1",
                "北山县“云栖山庄”（32栋）",
                "beishan",
                SiteType.RESERVE,
                "北山县政府",
                ("市自然资源规划局", "市林业局"),
                D(2019, 12, 31),
                "全部拆除，植被恢复",
                sector="市林业局",
                lat="30.2300",
                lng="104.3300",
                address="青林山省级自然保护区实验区（北山县境内）",
                story=[
                    report(D(2019, 9, 6), 15),
                    report(D(2019, 10, 25), 40),
                    report(D(2019, 11, 25), 75),
                    report(D(2019, 12, 20), 100, "32栋别墅全部拆除，完成复绿"),
                    Step("apply", D(2019, 12, 30)),
                    Step("self_check", D(2020, 1, 8)),
                ],
            ),
            TaskSpec(
                "SD-11-2",
                "青林县“望江苑”（18栋）",
                "qinglin",
                SiteType.RESERVE,
                "青林县政府",
                ("市自然资源规划局", "市林业局", "市纪委监委"),
                D(2019, 12, 31),
                "全部拆除，植被恢复，追责",
                lat="30.2300",
                lng="104.3500",
                address="青林山省级自然保护区缓冲区（青林县境内）",
                expect=ScheduleStatus.BEHIND,
                story=[
                    report(D(2019, 9, 27), 10),
                    report(D(2019, 10, 25), 20),
                    report(D(2019, 11, 25), 30),
                    report(D(2019, 12, 20), 40),
                    report(D(2020, 1, 20), 55, "已拆除10栋，剩余8栋业主诉讼未结，复绿尚未启动"),
                ],
            ),
        ),
    ),
    ProblemSpec(
        12,
        "SD-12",
        "化工园区环境风险防控体系不健全",
        "生态环境",
        category=7,
        original_text="示范化工园区未建设园区级应急事故池，雨污分流不彻底，环境风险防控体系不健全。",
        tasks=(
            TaskSpec(
                "SD-12-1",
                "示范化工园区",
                "nanjiang",
                SiteType.PARK,
                "示范化工园区管委会",
                ("市经信局", "市生态环境局"),
                D(2020, 6, 30),
                "建设应急事故池，雨污分流，三级防控",
                lat="30.1100",
                lng="104.4700",
                address="示范化工园区",
                expect=ScheduleStatus.ON,
                story=[
                    report(D(2019, 9, 25), 15),
                    report(D(2019, 11, 25), 38),
                    report(D(2019, 12, 20), 50),
                    report(D(2020, 1, 21), 62, "应急事故池主体完工，园区雨污分流改造完成60%"),
                ],
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------------------------
# JSP2019: 2 problems, 15 points, 4 closed. Lead = problem lead, territorial = county.

JSP_LISTED = D(2019, 12, 16)
JSP_PLAN = D(2020, 1, 20)
JSP_COOPS = ("市生态环境局", "市水务局")


def _outfall(
    n: int,
    name: str,
    region: str,
    measures: str,
    deadline: date,
    story: list[Step],
    expect: str = ScheduleStatus.NA,
    start: date | None = None,
) -> TaskSpec:
    territorial = {"dongcheng": "东城区政府", "xicheng": "西城区政府", "nanjiang": "南江县政府"}
    return TaskSpec(
        f"JSP-1-{n:02d}",
        name,
        region,
        SiteType.OUTFALL,
        "市住建局",
        JSP_COOPS,
        deadline,
        measures,
        story,
        expect=expect,
        territorial=territorial[region],
        water_body="示范江",
        outfall_code=f"SFJ-PK-{n:02d}",
        lat="30.1600",
        lng=f"{104.3800 + 0.0080 * n:.4f}",
        address=f"示范江左岸{name}",
        start=start,
    )


def _jan(day: int, pct: int, text: str = "") -> list[Step]:
    return [report(D(2020, 1, day), pct, text)]


JSP_PROBLEMS = (
    ProblemSpec(
        1,
        "JSP-1",
        "示范江示范市城区段十余处排口污水直排",
        "城建",
        lead="市住建局",
        coops=JSP_COOPS,
        is_key=True,
        original_text="警示片披露：示范江示范市城区段十余处排口污水直排，江面可见明显污水带。",
        tasks=(
            _outfall(
                1,
                "滨江路1#排口",
                "dongcheng",
                "截污纳管",
                D(2020, 6, 30),
                start=JSP_LISTED,
                story=closed(
                    (D(2019, 12, 18), 60),
                    applied=D(2019, 12, 30),
                    self_checked=D(2019, 12, 31),
                    accepted=D(2020, 1, 6),
                    closed_on=D(2020, 1, 17),
                ),
            ),
            _outfall(
                2,
                "滨江路2#排口",
                "dongcheng",
                "截污纳管",
                D(2020, 6, 30),
                start=JSP_LISTED,
                story=closed(
                    (D(2019, 12, 18), 50),
                    applied=D(2020, 1, 2),
                    self_checked=D(2020, 1, 3),
                    accepted=D(2020, 1, 8),
                    closed_on=D(2020, 1, 21),
                ),
            ),
            _outfall(
                3,
                "码头街排口",
                "dongcheng",
                "雨污分流",
                D(2020, 12, 31),
                _jan(22, 10),
                ScheduleStatus.ON,
            ),
            _outfall(
                4,
                "老城区合流制溢流口",
                "dongcheng",
                "截流井+调蓄池",
                D(2020, 12, 31),
                _jan(22, 8),
                ScheduleStatus.ON,
            ),
            _outfall(
                5,
                "东城区农贸市场排口",
                "dongcheng",
                "截污纳管",
                D(2020, 6, 30),
                _jan(23, 3, "市场商户协调未完成，截污管线尚未开工"),
                ScheduleStatus.BEHIND,
            ),
            _outfall(
                6,
                "西城区江岸4#排口",
                "xicheng",
                "封堵",
                D(2020, 3, 31),
                start=JSP_LISTED,
                story=closed(
                    (D(2019, 12, 20), 40),
                    applied=D(2020, 1, 13),
                    self_checked=D(2020, 1, 15),
                    accepted=D(2020, 1, 21),
                    closed_on=D(2020, 2, 7),
                ),
            ),
            _outfall(
                7,
                "西城区江岸5#排口",
                "xicheng",
                "截污纳管",
                D(2020, 6, 30),
                _jan(22, 20),
                ScheduleStatus.ON,
            ),
            _outfall(
                8,
                "西城区棚户区排口",
                "xicheng",
                "管网延伸",
                D(2020, 12, 31),
                _jan(22, 10),
                ScheduleStatus.ON,
            ),
            _outfall(
                9,
                "西城区工业街排口",
                "xicheng",
                "企业预处理+纳管",
                D(2020, 6, 30),
                [
                    report(D(2020, 1, 22), 100, "3家企业预处理设施建成，排口已纳管"),
                    Step("apply", D(2020, 2, 12)),
                ],
            ),
            _outfall(
                10,
                "南江县城关1#排口",
                "nanjiang",
                "截污纳管",
                D(2020, 6, 30),
                _jan(21, 20),
                ScheduleStatus.ON,
            ),
            _outfall(
                11,
                "南江县城关2#排口",
                "nanjiang",
                "一体化处理设施",
                D(2020, 12, 31),
                [],
                ScheduleStatus.ON,
                # The plan starts this point after the monthly cutoff of January (the 25th):
                # its first progress report is due in February, so January's warning sweep
                # finds no report missing (尚未启动, 疫情).
                start=D(2020, 1, 31),
            ),
            _outfall(
                12,
                "南江县滨河小区排口",
                "nanjiang",
                "雨污分流",
                D(2020, 12, 31),
                _jan(21, 12),
                ScheduleStatus.ON,
            ),
        ),
    ),
    ProblemSpec(
        2,
        "JSP-2",
        "示范市生活垃圾填埋场渗滤液超标排放入白水河",
        "城建",
        lead="市城管执法局",
        coops=JSP_COOPS,
        original_text="警示片披露：示范市生活垃圾填埋场渗滤液处理能力不足，超标渗滤液经沟渠排入白水河。",
        tasks=(
            TaskSpec(
                "JSP-2-01",
                "渗滤液处理站扩容提标",
                "beishan",
                SiteType.LANDFILL,
                "市城管执法局",
                JSP_COOPS,
                D(2020, 6, 30),
                "扩容至200吨/日，出水达标",
                territorial="北山县政府",
                water_body="白水河",
                lat="30.2150",
                lng="104.4600",
                address="示范市生活垃圾填埋场渗滤液处理站",
                expect=ScheduleStatus.BEHIND,
                story=_jan(22, 4, "扩容工程设计完成，受疫情影响设备采购延后"),
            ),
            TaskSpec(
                "JSP-2-02",
                "调节池防渗及雨污分流",
                "beishan",
                SiteType.LANDFILL,
                "市城管执法局",
                JSP_COOPS,
                D(2019, 12, 31),
                "调节池防渗改造，雨污分流",
                territorial="北山县政府",
                water_body="白水河",
                lat="30.2160",
                lng="104.4610",
                address="示范市生活垃圾填埋场调节池",
                start=JSP_LISTED,
                deadline_type=DeadlineType.IMMEDIATE,
                story=closed(
                    (D(2019, 12, 17), 50),
                    applied=D(2019, 12, 23),
                    self_checked=D(2019, 12, 24),
                    accepted=D(2019, 12, 27),
                    closed_on=D(2020, 1, 10),
                ),
            ),
            TaskSpec(
                "JSP-2-03",
                "存量渗滤液应急外运处置",
                "beishan",
                SiteType.LANDFILL,
                "市城管执法局",
                JSP_COOPS,
                D(2020, 4, 30),
                "委托有资质单位外运处置",
                territorial="北山县政府",
                water_body="白水河",
                lat="30.2140",
                lng="104.4620",
                address="示范市生活垃圾填埋场",
                expect=ScheduleStatus.ON,
                story=_jan(22, 30, "已外运处置存量渗滤液1.2万吨"),
            ),
        ),
    ),
)

# ---------------------------------------------------------------------------------------------
# JSP2018: 4 problems, one task each, all closed in 2019.

JSP18_PLAN = D(2019, 3, 15)


def _jsp18(
    n: int,
    title: str,
    region: str,
    lead: str,
    coops: tuple[str, ...],
    site: str,
    deadline: date,
    measures: str,
    leader: str,
    lat: str,
    lng: str,
    water: str,
    start_report: date,
    closed_on: date,
) -> ProblemSpec:
    from datetime import timedelta

    def wd(day: date) -> date:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    story = closed(
        (start_report, 40),
        applied=wd(closed_on - timedelta(days=20)),
        self_checked=wd(closed_on - timedelta(days=17)),
        accepted=wd(closed_on - timedelta(days=13)),
        closed_on=closed_on,
    )
    task = TaskSpec(
        f"JSP18-{n}",
        title,
        region,
        site,
        lead,
        coops,
        deadline,
        measures,
        story,
        water_body=water,
        lat=lat,
        lng=lng,
    )
    return ProblemSpec(
        n,
        f"JSP18-{n}",
        title,
        leader,
        (task,),
        original_text=f"2018年长江经济带生态环境警示片披露：{title}。",
    )


JSP18_PROBLEMS = (
    _jsp18(
        1,
        "示范江岸线非法码头",
        "xicheng",
        "西城区政府",
        ("市交通运输局", "市水务局"),
        SiteType.OTHER,
        D(2019, 6, 30),
        "依法取缔拆除非法码头，恢复岸线生态",
        "城建",
        "30.1620",
        "104.3500",
        "示范江",
        D(2019, 3, 25),
        D(2019, 6, 20),
    ),
    _jsp18(
        2,
        "南江县小型造纸厂偷排",
        "nanjiang",
        "南江县政府",
        ("市生态环境局", "市经信局"),
        SiteType.OTHER,
        D(2019, 9, 30),
        "依法关停取缔，查处偷排行为",
        "生态环境",
        "30.1250",
        "104.4400",
        "示范江",
        D(2019, 3, 28),
        D(2019, 9, 18),
    ),
    _jsp18(
        3,
        "北山县尾矿库渗漏",
        "beishan",
        "北山县政府",
        ("市生态环境局", "市水务局"),
        SiteType.SOLID_WASTE,
        D(2019, 12, 31),
        "尾矿库防渗改造，渗漏水收集回用",
        "自然资源",
        "30.2400",
        "104.4800",
        "白水河",
        D(2019, 4, 2),
        D(2019, 11, 22),
    ),
    _jsp18(
        4,
        "东城区黑臭水体",
        "dongcheng",
        "东城区政府",
        ("市住建局", "市水务局"),
        SiteType.OTHER,
        D(2019, 12, 31),
        "控源截污、清淤疏浚、生态补水",
        "城建",
        "30.1400",
        "104.3900",
        "清溪河",
        D(2019, 3, 26),
        D(2019, 12, 18),
    ),
)

# ---------------------------------------------------------------------------------------------
# ZC2019: self-found, 3 problems, 2 closed.

ZC_PLAN = D(2019, 9, 20)

ZC_PROBLEMS = (
    ProblemSpec(
        1,
        "ZC-1",
        "示范江南江段岸线非法砂石堆场",
        "自然资源",
        tasks=(
            TaskSpec(
                "ZC-1",
                "示范江南江段岸线非法砂石堆场",
                "nanjiang",
                SiteType.OTHER,
                "南江县政府",
                ("市水务局", "市自然资源规划局"),
                D(2019, 12, 31),
                "清理取缔砂石堆场，恢复岸线植被",
                water_body="示范江",
                lat="30.1580",
                lng="104.4850",
                address="示范江南江段右岸",
                story=closed(
                    (D(2019, 9, 26), 40),
                    (D(2019, 10, 25), 90),
                    applied=D(2019, 11, 25),
                    self_checked=D(2019, 11, 27),
                    accepted=D(2019, 12, 2),
                    closed_on=D(2019, 12, 16),
                ),
            ),
        ),
    ),
    ProblemSpec(
        2,
        "ZC-2",
        "青林县小水电站生态流量泄放设施不完善",
        "生态环境",
        tasks=(
            TaskSpec(
                "ZC-2",
                "青林县小水电站生态流量泄放设施",
                "qinglin",
                SiteType.OTHER,
                "青林县政府",
                ("市水务局", "市生态环境局"),
                D(2019, 12, 31),
                "改造生态流量泄放设施，安装在线监控",
                water_body="白水河",
                lat="30.2450",
                lng="104.3200",
                address="青林县白水河上游梯级电站",
                story=closed(
                    (D(2019, 9, 27), 30),
                    (D(2019, 11, 25), 85),
                    applied=D(2019, 12, 5),
                    self_checked=D(2019, 12, 9),
                    accepted=D(2019, 12, 13),
                    closed_on=D(2019, 12, 27),
                ),
            ),
        ),
    ),
    ProblemSpec(
        3,
        "ZC-3",
        "示范江沿岸1公里范围内化工企业搬迁改造",
        "生态环境",
        tasks=(
            TaskSpec(
                "ZC-3",
                "示范江沿岸1公里范围内化工企业搬迁改造",
                "city",
                SiteType.OTHER,
                "市经信局",
                ("示范化工园区管委会", "市生态环境局"),
                D(2020, 12, 31),
                "沿江1公里范围内化工企业关闭退出或搬迁入园",
                is_point=False,
                expect=ScheduleStatus.ON,
                story=[
                    report(D(2019, 10, 25), 15),
                    report(D(2019, 11, 25), 22),
                    report(D(2019, 12, 20), 30),
                    report(D(2020, 1, 21), 35, "5家企业中2家已关闭退出，1家搬迁入园项目已开工"),
                ],
            ),
        ),
    ),
)

ROUNDS: tuple[RoundSpec, ...] = (
    RoundSpec(
        "SD2019",
        "第二轮省级生态环境保护例行督察（示范市）",
        RoundLevel.PROVINCIAL,
        RoundKind.PROV_ROUTINE,
        RoundStatus.RECTIFYING,
        SD_PLAN,
        SD_PLAN,
        SD_PROBLEMS,
        aspects=SD_ASPECTS,
        sort=1,
        fields={
            "batch_label": "第二轮第二批",
            "team_name": "示范省第二生态环境保护督察组",
            "stay_start": D(2019, 5, 6),
            "stay_end": D(2019, 5, 20),
            "hotline": "0999-12369",
            "mailbox": "示范市A001号邮政专用信箱",
            "feedback_date": D(2019, 7, 10),
            "feedback_doc_no": "示督察反馈〔2019〕8号",
            "plan_doc_no": "示委办发〔2019〕45号",
            "report_due": D(2020, 2, 20),
        },
    ),
    RoundSpec(
        "JSP2019",
        "2019年长江经济带生态环境警示片披露问题",
        RoundLevel.CENTRAL,
        RoundKind.YANGTZE_FILM,
        RoundStatus.RECTIFYING,
        JSP_PLAN,
        JSP_LISTED,
        JSP_PROBLEMS,
        source="FILM",
        sort=2,
        fields={"feedback_date": D(2019, 12, 16), "plan_doc_no": "示委办发〔2020〕3号"},
    ),
    RoundSpec(
        "JSP2018",
        "2018年长江经济带生态环境警示片披露问题",
        RoundLevel.CENTRAL,
        RoundKind.YANGTZE_FILM,
        RoundStatus.COMPLETED,
        JSP18_PLAN,
        JSP18_PLAN,
        JSP18_PROBLEMS,
        source="FILM",
        sort=3,
        fields={"feedback_date": D(2019, 1, 18), "plan_doc_no": "示委办发〔2019〕12号"},
    ),
    RoundSpec(
        "ZC2019",
        "2019年长江经济带生态环境问题自查",
        RoundLevel.CITY,
        RoundKind.SELF_CHECK,
        RoundStatus.RECTIFYING,
        ZC_PLAN,
        ZC_PLAN,
        ZC_PROBLEMS,
        source="SELF_CHECK",
        sort=4,
        fields={"plan_doc_no": "示环督办发〔2019〕21号"},
    ),
)

# ---------------------------------------------------------------------------------------------
# Supervision side (docs/domain.md §5).


@dataclass(frozen=True)
class WarningSpec:
    task: str
    level: str
    reason: str
    day: date
    # auto: the warning sweep finds it when the loader runs the sweep on `day` (its note is
    # then the sweep's own); otherwise the office issues it by hand (services.warning_raise).
    auto: bool
    note: str


WARNINGS = (
    WarningSpec(
        "SD-5-1",
        WarningLevel.YELLOW,
        WarningReason.RETURNED,
        D(2020, 1, 20),
        False,
        "上报完成但仅完成主体工程，市级验收退回",
    ),
    WarningSpec(
        "SD-5-2", WarningLevel.YELLOW, WarningReason.BEHIND, D(2020, 1, 31), True, "未达到序时进度"
    ),
    WarningSpec(
        "SD-11-2",
        WarningLevel.RED,
        WarningReason.OVERDUE,
        D(2020, 1, 31),
        False,
        "逾期未完成，评估难以按期完成",
    ),
    WarningSpec(
        "JSP-1-05",
        WarningLevel.YELLOW,
        WarningReason.BEHIND,
        D(2020, 2, 14),
        True,
        "未达到序时进度",
    ),
    WarningSpec(
        "JSP-2-01",
        WarningLevel.YELLOW,
        WarningReason.BEHIND,
        D(2020, 2, 13),
        True,
        "未达到序时进度，临近汛期，扩容工程按期完成存在风险",
    ),
)


@dataclass(frozen=True)
class SupervisionSpec:
    kind: str
    doc_no: str
    title: str
    content: str
    target: str
    tasks: tuple[str, ...]
    issued_on: date
    reply_due: date | None
    status: str
    reply_text: str = ""
    replied_on: date | None = None


SUPERVISIONS = (
    SupervisionSpec(
        SupervisionKind.REMINDER,
        "示环督办提〔2020〕2号",
        "关于东城区美食街餐饮油烟问题反弹的提醒函",
        "回头看发现东城区美食街油烟扰民问题反弹，请立即整改，并于2020年3月31日前完成。",
        "东城区政府",
        ("SD-8-1",),
        D(2020, 1, 15),
        D(2020, 1, 22),
        SupervisionStatus.REPLIED,
        "已组织城管、市场监管开展联合执法，督促商户清洗油烟净化设施，取缔露天烧烤。",
        D(2020, 1, 21),
    ),
    # Its reply deadline is not typed: the service computes 10 working days after the issue
    # (inspections.workdays): Jan 23, then the (extended) Spring Festival holiday to Feb 2,
    # then Feb 3–7 and Feb 10–13.
    SupervisionSpec(
        SupervisionKind.LETTER,
        "示环督办函〔2020〕3号",
        "关于加快南江县第二污水处理厂整改的督办函",
        "南江县第二污水处理厂仅完成主体工程即申请销号，经市级验收退回。请制定整改计划，"
        "限10个工作日内书面回复整改进展。",
        "南江县政府",
        ("SD-5-1",),
        D(2020, 1, 22),
        None,
        SupervisionStatus.REPLIED,
        "已成立工作专班，辅助设施4月中旬完工，4月底前完成设备调试并稳定运行。",
        D(2020, 2, 11),
    ),
    SupervisionSpec(
        SupervisionKind.INTERVIEW,
        "示环督办约〔2020〕1号",
        "约谈青林县人民政府主要负责同志",
        "领导小组副组长约谈青林县政府主要负责同志，要求限期拆除“望江苑”剩余别墅并完成植被恢复。",
        "青林县政府",
        ("SD-11-2",),
        D(2020, 2, 10),
        D(2020, 2, 24),
        SupervisionStatus.ISSUED,
    ),
)

ACCOUNTABILITY = {
    "task": "SD-11-2",
    "person_name": "刘某某",
    "unit_name": "青林县自然资源局",
    "position": "副局长",
    "form": AccountabilityForm.ADMONITION,
    "reason": "对青林山省级自然保护区内“望江苑”别墅群违规建设监管不力",
    "decided_on": D(2020, 2, 12),
    "decided_by": "市纪委监委",
}

# Look-backs that found the result consolidated (the SD-8-1 rebound is in its story).
LOOKBACKS_CONSOLIDATED = (
    ("SD-7-1", D(2020, 1, 9), LookBackMethod.ONSITE, "围挡、冲洗、在线监测运行正常，未发现反弹"),
    ("SD-10-1", D(2020, 1, 10), LookBackMethod.UNANNOUNCED, "声屏障完好，夜间施工审批执行到位"),
)

# ---------------------------------------------------------------------------------------------
# Petitions: 6 of the 36 received during the SD2019 stay.


@dataclass(frozen=True)
class PetitionSpec:
    accept_no: str
    batch_no: int
    channel: str
    region: str
    unit: str
    content: str
    pollution_types: tuple[str, ...]
    is_key: bool
    verify_result: str
    status: str
    received_at: date
    findings: str
    handling: str
    tasks: tuple[str, ...] = ()
    accountability: str = ""


PETITIONS = (
    PetitionSpec(
        "SD2019-XF-001",
        1,
        PetitionChannel.PHONE,
        "dongcheng",
        "东城区政府",
        "东城区和平路某小区楼下烧烤店油烟扰民",
        ("AIR",),
        False,
        VerifyResult.TRUE,
        PetitionStatus.DONE,
        D(2019, 5, 7),
        "烧烤店未安装油烟净化设施，露天经营。",
        "责令安装油烟净化设施并入室经营，已整改到位。",
    ),
    PetitionSpec(
        "SD2019-XF-007",
        2,
        PetitionChannel.PHONE,
        "xicheng",
        "西城区政府",
        "西城区滨江路工地夜间施工噪声扰民",
        ("NOISE",),
        False,
        VerifyResult.TRUE,
        PetitionStatus.DONE,
        D(2019, 5, 9),
        "工地未经审批夜间施工。",
        "立案处罚2万元，夜间施工纳入审批管理。",
        tasks=("SD-10-1",),
    ),
    PetitionSpec(
        "SD2019-XF-012",
        3,
        PetitionChannel.LETTER,
        "nanjiang",
        "南江县政府",
        "南江县城郊砖厂粉尘污染",
        ("AIR",),
        False,
        VerifyResult.PARTLY,
        PetitionStatus.STAGE_DONE,
        D(2019, 5, 11),
        "砖厂原料堆场未覆盖，窑炉排放达标。",
        "责令原料堆场全封闭，正在建设中。",
    ),
    PetitionSpec(
        "SD2019-XF-018",
        4,
        PetitionChannel.PHONE,
        "beishan",
        "北山县政府",
        "北山县冶炼渣场渗滤液流入沟渠",
        ("WATER", "SOIL"),
        False,
        VerifyResult.TRUE,
        PetitionStatus.STAGE_DONE,
        D(2019, 5, 13),
        "渣场渗滤液收集池破损，渗滤液外溢。",
        "已修复收集池，防渗和封场纳入督察反馈问题整改。",
        tasks=("SD-9-1",),
    ),
    PetitionSpec(
        "SD2019-XF-023",
        5,
        PetitionChannel.LETTER,
        "qinglin",
        "青林县政府",
        "青林山保护区内建设别墅",
        ("ECOLOGY",),
        True,
        VerifyResult.TRUE,
        PetitionStatus.HANDLING,
        D(2019, 5, 15),
        "“望江苑”18栋别墅位于保护区缓冲区内。",
        "正在依法拆除，相关责任人移交纪检监察机关。",
        tasks=("SD-11-2",),
        accountability="青林县自然资源局1名副局长被诫勉谈话",
    ),
    PetitionSpec(
        "SD2019-XF-031",
        7,
        PetitionChannel.PHONE,
        "dongcheng",
        "东城区政府",
        "东城区某洗车场污水排入雨水管",
        ("WATER",),
        False,
        VerifyResult.FALSE,
        PetitionStatus.DONE,
        D(2019, 5, 19),
        "洗车场废水经沉淀后接入市政污水管网，未发现排入雨水管。",
        "向信访人反馈核查结果。",
    ),
)

# The story's first day: the earliest round listed (no row of the demo is stamped earlier).
STORY_START = min(spec.listed_on for spec in ROUNDS)
