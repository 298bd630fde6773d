/* Leader dashboard charts (templates/dashboard/dashboard.html).
 *
 * The figures come from the page as JSON (<script id="dashboard-data">); every clickable datum
 * carries `url`, the task list filtered to exactly that figure (drill-down).
 */
(function () {
  "use strict";

  var dataNode = document.getElementById("dashboard-data");
  if (!dataNode || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var charts = [];
  var fontFamily = getComputedStyle(document.body).fontFamily || "sans-serif";

  function drillDown(params) {
    var url = params && params.data && params.data.url;
    if (url) {
      window.location.href = url;
    }
  }

  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) {
      return null;
    }
    var chart = echarts.init(node, null, { renderer: "canvas" });
    option.textStyle = { fontFamily: fontFamily };
    option.animationDuration = 600;
    chart.setOption(option);
    chart.on("click", drillDown);
    charts.push(chart);
    return chart;
  }

  function empty(id) {
    var node = document.getElementById(id);
    if (node) {
      node.classList.add("d-flex", "align-items-center", "justify-content-center", "text-secondary");
      node.textContent = "暂无数据";
    }
  }

  // 1. Status by round (stacked bars; the buckets partition each round's tasks).
  if (data.byRound.rounds.length) {
    make("chart-by-round", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        data: data.byRound.rounds,
        axisLabel: { width: 150, overflow: "truncate" },
      },
      series: data.byRound.series.map(function (s) {
        return {
          name: s.name,
          type: "bar",
          stack: "status",
          itemStyle: { color: s.color },
          emphasis: { focus: "series" },
          cursor: "pointer",
          data: s.data,
        };
      }),
    });
  } else {
    empty("chart-by-round");
  }

  // 2. Completion and overdue by county.
  if (data.areas.names.length) {
    make("chart-areas", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.areas.names,
        axisLabel: { interval: 0, rotate: data.areas.names.length > 6 ? 30 : 0 },
      },
      yAxis: [
        { type: "value", name: "任务数", minInterval: 1 },
        { type: "value", name: "销号率", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: "任务总数", type: "bar", itemStyle: { color: "#90a4ae" }, data: data.areas.total },
        { name: "已销号", type: "bar", itemStyle: { color: "#2e7d32" }, data: data.areas.closed },
        { name: "逾期", type: "bar", itemStyle: { color: "#d32f2f" }, data: data.areas.overdue },
        {
          name: "销号率",
          type: "line",
          yAxisIndex: 1,
          itemStyle: { color: "#f9a825" },
          tooltip: { valueFormatter: function (v) { return v + "%"; } },
          data: data.areas.rate,
        },
      ],
    });
  } else {
    empty("chart-areas");
  }

  // 3. Close-outs per month.
  make("chart-trend", {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.trend.map(function (m) { return m.month; }) },
    yAxis: { type: "value", name: "销号数", minInterval: 1 },
    series: [
      {
        name: "销号数",
        type: "line",
        smooth: true,
        symbolSize: 8,
        areaStyle: { opacity: 0.15 },
        itemStyle: { color: "#2e7d32" },
        data: data.trend.map(function (m) { return { value: m.closed, url: m.url }; }),
      },
    ],
  });

  // 4. Points by coordinates, coloured by status (no map tiles).
  // Axis bounds with a margin, so that points on the edge are not cut in half.
  function bounds(index) {
    var values = [];
    data.scatter.series.forEach(function (s) {
      s.data.forEach(function (p) { values.push(p.value[index]); });
    });
    var lo = Math.min.apply(null, values);
    var hi = Math.max.apply(null, values);
    var pad = Math.max((hi - lo) * 0.08, 0.005);
    var round = function (v) { return Math.round(v * 1000) / 1000; };
    return { min: round(lo - pad), max: round(hi + pad) };
  }

  var located = data.scatter.series.some(function (s) { return s.data.length > 0; });
  if (located) {
    var lng = bounds(0);
    var lat = bounds(1);
    make("chart-scatter", {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return echarts.format.encodeHTML(p.data.name) + "<br>" + echarts.format.encodeHTML(p.seriesName);
        },
      },
      legend: { top: 0 },
      grid: { left: 8, right: 40, top: 44, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: "经度", min: lng.min, max: lng.max, nameGap: 8 },
      yAxis: { type: "value", name: "纬度", min: lat.min, max: lat.max },
      series: data.scatter.series.map(function (s) {
        return {
          name: s.name,
          type: "scatter",
          symbolSize: 9,
          itemStyle: { color: s.color },
          data: s.data,
        };
      }),
    });
  } else {
    empty("chart-scatter");
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
