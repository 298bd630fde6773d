"""Every role's screens in a real Chromium (issue 14, "Done when"): for the reporter, the unit
head, the office and the leader, at 1440×900 and at 390×844, the landing page (工作台) and
every page its navigation links to load without a console error and, on a phone, with no
element sticking out of the screen sideways. Each page is saved as
var/screenshots/<role>-<width>-<page>.png to be looked at. On the leader dashboard at 390 px
the charts' options are read back (`chart.getOption()`) and no two texts a chart draws
(axis labels, axis names, legend items) overlap."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in as _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = {
    "reporter": "dongcheng",
    "unit_head": "zhujian_head",
    "office": "office",
    "leader": "leader",
}
SIZES = {1440: {"width": 1440, "height": 900}, 390: {"width": 390, "height": 844}}
PHONE = 390

# Elements wider than the screen, unless a scrolling (or clipping) box holds them, such as a
# .table-responsive wrapper: those scroll inside their box, the page does not. But a table
# that a phone shows as stacked cards (.table-cards) must fit its box.
OVERFLOWING_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const describe = (el) => {
    const id = el.id ? "#" + el.id : "";
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).slice(0, 3).join(".") : "";
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 30);
    const r = el.getBoundingClientRect();
    return `${el.tagName.toLowerCase()}${id}${cls} [${Math.round(r.left)}, ${Math.round(r.right)}] ${text}`;
  };
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right <= width + 1 && r.left >= -1) continue;
    if (getComputedStyle(el).visibility === "hidden" || clipped(el)) continue;
    out.push(describe(el));
  }
  // A table shown as stacked cards on a phone must fit its box: nothing to scroll sideways.
  for (const box of document.querySelectorAll(".table-responsive")) {
    if (box.querySelector(".table-cards") && box.scrollWidth > box.clientWidth + 1) {
      out.push(`${describe(box)}: cards ${box.scrollWidth} wide in ${box.clientWidth}`);
    }
  }
  if (document.documentElement.scrollWidth > width) {
    out.push(`page scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
  }
  return out.slice(0, 10);
}
"""

# Every text a chart draws, in page pixels, and the pairs of them that overlap. ECharts draws
# on a canvas, so this reads zrender's display list (the vendored ECharts 6.1.0) rather than
# the DOM; the options come from the public `getOption()`.
CHARTS_JS = """
() => {
  // The four corners of a drawn text in page pixels (a turned label is a turned box).
  const corners = (el) => {
    const r = el.getBoundingRect();
    const m = el.getComputedTransform() || [1, 0, 0, 1, 0, 0];
    return [[r.x, r.y], [r.x + r.width, r.y], [r.x + r.width, r.y + r.height], [r.x, r.y + r.height]]
      .map(([x, y]) => [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]]);
  };
  // Two convex boxes overlap unless some edge's normal separates them (by more than a pixel's
  // rounding).
  const overlap = (a, b) => {
    for (const poly of [a, b]) {
      for (let i = 0; i < 4; i++) {
        const [x1, y1] = poly[i], [x2, y2] = poly[(i + 1) % 4];
        const nx = y2 - y1, ny = x1 - x2, len = Math.hypot(nx, ny) || 1;
        const project = (p) => p.map(([x, y]) => (x * nx + y * ny) / len);
        const pa = project(a), pb = project(b);
        if (Math.max(...pa) <= Math.min(...pb) + 1 || Math.max(...pb) <= Math.min(...pa) + 1) {
          return false;
        }
      }
    }
    return true;
  };
  const charts = {};
  for (const node of document.querySelectorAll(".dashboard-chart")) {
    const chart = echarts.getInstanceByDom(node);
    if (!chart) continue;
    const texts = [];
    for (const el of chart.getZr().storage.getDisplayList()) {
      if (el.type !== "tspan" || el.invisible || el.ignore || !el.style || !el.style.text) continue;
      if (el.style.opacity === 0) continue;
      let clipped = false;  // in a clipping box: a scrolling legend's page
      for (let p = el.parent; p; p = p.parent) clipped = clipped || Boolean(p.getClipPath());
      texts.push({ text: String(el.style.text), box: corners(el), clipped });
    }
    const width = chart.getWidth(), height = chart.getHeight();
    const out = (t) => t.box.some(([x, y]) => x < -1 || x > width + 1 || y < -1 || y > height + 1);
    // the items of a scrolling legend beyond its box are not drawn: left out
    const drawn = texts.filter((t) => !(t.clipped && out(t)));
    const outside = drawn.filter(out).map((t) => t.text);
    const overlaps = [];
    for (let i = 0; i < drawn.length; i++) {
      for (let j = i + 1; j < drawn.length; j++) {
        if (overlap(drawn[i].box, drawn[j].box)) {
          overlaps.push(`${drawn[i].text} × ${drawn[j].text}`);
        }
      }
    }
    charts[node.id] = { option: chart.getOption(), texts: drawn, overlaps, outside };
  }
  return charts;
}
"""


def _nav_pages(page: Page, live_server) -> list[str]:
    """The paths the navigation bar links to (its dropdowns too), in order, without repeats."""
    hrefs = page.locator("#mainNav a[href]").evaluate_all("els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if href.startswith(live_server.url) and parts.path not in ("", "#"):
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in paths:
                paths.append(path)
    return paths


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", urlsplit(path).path.lower()).strip("-") or "home"


def _check_charts(page: Page) -> None:
    """The dashboard's charts at phone width: scrolling legends at the bottom, no smoothing,
    short distinct labels, and no drawn text over another."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('.dashboard-chart')]"
        ".every(n => !window.echarts || echarts.getInstanceByDom(n) || n.textContent.trim())"
    )
    charts = page.evaluate(CHARTS_JS)
    assert set(charts) >= {"chart-by-round", "chart-areas", "chart-trend", "chart-scatter"}
    for chart_id, chart in charts.items():
        option = chart["option"]
        assert chart["texts"], chart_id
        assert not chart["overlaps"], (chart_id, chart["overlaps"])
        assert not chart["outside"], (chart_id, chart["outside"])
        for legend in option.get("legend", []):
            assert legend.get("type") == "scroll", chart_id
        for grid in option.get("grid", []):
            assert grid["containLabel"] is True, chart_id
    rounds = charts["chart-by-round"]["option"]["yAxis"][0]["data"]
    assert len(set(rounds)) == len(rounds), rounds
    trend = charts["chart-trend"]["option"]["series"]
    assert all(s.get("smooth") is False for s in trend if s["type"] == "line"), trend
    for series in charts["chart-scatter"]["option"]["series"]:
        assert not series.get("label", {}).get("show"), series["name"]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_screen_of_a_role_reads_at_desktop_and_phone_width(
    page: Page, live_server, demo_city, shoot, role
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else 0)
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    for width, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        # given the role logged in: it lands on its workbench
        _login(page, live_server, ROLES[role], demo_city.password)
        expect(page).to_have_url(re.compile(r"/workbench/$"))
        paths = ["/workbench/", *[p for p in _nav_pages(page, live_server) if p != "/workbench/"]]
        assert len(paths) >= 4, paths
        for path in paths:
            # when each page of the navigation is opened
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("load")
            # then it answers, says nothing on the console, and (on a phone) fits the screen
            assert response is not None and response.status == 200, (path, response)
            if path.startswith("/dashboard/"):
                page.wait_for_function("() => !window.echarts || document.querySelector('canvas')")
                page.wait_for_timeout(800)  # the charts' entry animation (600 ms) settles
            shoot(page, f"{role}-{width}-{_slug(path)}")
            if path.startswith("/dashboard/") and width == PHONE:
                _check_charts(page)
            assert not errors, (path, errors)
            if width == PHONE:
                assert page.evaluate(OVERFLOWING_JS) == [], (role, path)
        page.goto("about:blank")  # no request of the last page may set a cookie after
        page.context.clear_cookies()
