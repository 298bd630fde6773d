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

  // Below this chart width (a phone), legends scroll on one line at the bottom, category
  // labels turn and thin out, and the axes carry fewer ticks.
  var NARROW = 576;

  function drillDown(params) {
    var url = params && params.data && params.data.url;
    if (url) {
      window.location.href = url;
    }
  }

  function esc(text) {
    return echarts.format.encodeHTML(String(text));
  }

  function legend() {
    return { type: "scroll", bottom: 0, left: "center", itemWidth: 14, itemGap: 10 };
  }

  // `build(narrow)` gives the chart's option for a narrow or a wide box; the option is built
  // again when a resize crosses the threshold.
  function make(id, build) {
    var node = document.getElementById(id);
    if (!node) {
      return null;
    }
    var chart = echarts.init(node, null, { renderer: "canvas" });
    var entry = { chart: chart, node: node, build: build, narrow: node.clientWidth < NARROW };
    chart.setOption(finish(build(entry.narrow)));
    chart.on("click", drillDown);
    charts.push(entry);
    return chart;
  }

  function finish(option) {
    option.textStyle = { fontFamily: fontFamily };
    option.animationDuration = 600;
    return option;
  }

  function empty(id) {
    var node = document.getElementById(id);
    if (node) {
      node.classList.add("d-flex", "align-items-center", "justify-content-center", "text-secondary");
      node.textContent = "暂无数据";
    }
  }

  // 1. Status by round (stacked bars; the buckets partition each round's tasks). The axis has
  // the rounds' short distinct labels ("2019年警示片"); the tooltip their full names.
  if (data.byRound.rounds.length) {
    make("chart-by-round", function (narrow) {
      return {
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          confine: true,
          formatter: function (params) {
            var index = params.length ? params[0].dataIndex : 0;
            var lines = ["<strong>" + esc(data.byRound.names[index]) + "</strong>"];
            params.forEach(function (p) {
              lines.push(p.marker + esc(p.seriesName) + "：" + esc(p.value) + " 个");
            });
            return lines.join("<br>");
          },
        },
        legend: legend(),
        grid: { left: 8, right: 16, top: 8, bottom: 36, containLabel: true },
        xAxis: { type: "value", minInterval: 1, splitNumber: narrow ? 4 : 5 },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.byRound.rounds,
          axisLabel: { width: narrow ? 96 : 150, overflow: "truncate" },
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
      };
    });
  } else {
    empty("chart-by-round");
  }

  // 2. Completion and overdue by county.
  if (data.areas.names.length) {
    make("chart-areas", function (narrow) {
      var many = data.areas.names.length > (narrow ? 3 : 6);
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
        legend: legend(),
        grid: { left: 8, right: 8, top: 32, bottom: 36, containLabel: true },
        xAxis: {
          type: "category",
          data: data.areas.names,
          axisLabel: {
            interval: 0,
            hideOverlap: true,
            rotate: many ? (narrow ? 45 : 30) : 0,
            width: narrow ? 72 : 120,
            overflow: "truncate",
          },
        },
        yAxis: [
          { type: "value", name: "任务数", minInterval: 1, splitNumber: narrow ? 4 : 5 },
          {
            type: "value",
            name: "销号率",
            min: 0,
            max: 100,
            interval: narrow ? 25 : 20,
            axisLabel: { formatter: "{value}%" },
          },
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
      };
    });
  } else {
    empty("chart-areas");
  }

  // 3. Tasks closed per month: straight segments (nothing happens between two months), and the
  // month not yet over drawn dashed with its own label, so that it does not read as a fall.
  var partialAt = -1;
  data.trend.forEach(function (m, i) {
    if (m.partial) {
      partialAt = i;
    }
  });
  make("chart-trend", function (narrow) {
    var full = data.trend.map(function (m, i) {
      return i === partialAt ? null : { value: m.closed, url: m.url };
    });
    var partial = data.trend.map(function (m, i) {
      if (partialAt < 0 || i < partialAt - 1 || i > partialAt) {
        return null;
      }
      if (i === partialAt - 1) {
        return { value: m.closed, symbol: "none", url: m.url };
      }
      return {
        value: m.closed,
        url: m.url,
        label: {
          show: true,
          position: "top",
          align: "right",
          formatter: m.partial,
          color: "#5f6b64",
          backgroundColor: "rgba(255, 255, 255, 0.85)",
          padding: [1, 3],
        },
      };
    });
    var series = [
      {
        name: "销号任务数",
        type: "line",
        smooth: false,
        symbolSize: 8,
        areaStyle: { opacity: 0.15 },
        itemStyle: { color: "#2e7d32" },
        cursor: "pointer",
        data: full,
      },
    ];
    if (partialAt >= 0) {
      series.push({
        name: data.trend[partialAt].partial,
        type: "line",
        smooth: false,
        symbol: "emptyCircle",
        symbolSize: 8,
        lineStyle: { type: "dashed" },
        itemStyle: { color: "#2e7d32" },
        cursor: "pointer",
        data: partial,
      });
    }
    return {
      tooltip: {
        trigger: "axis",
        confine: true,
        formatter: function (params) {
          var m = data.trend[params.length ? params[0].dataIndex : 0];
          var when = m.partial ? m.month + "（" + m.partial + "）" : m.month;
          return esc(when) + "<br>销号 " + esc(m.closed) + " 个任务";
        },
      },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: data.trend.map(function (m) { return m.month; }),
        axisLabel: { hideOverlap: true },
      },
      yAxis: {
        type: "value",
        name: "销号任务数",
        nameTextStyle: { align: "left" },
        minInterval: 1,
        splitNumber: narrow ? 4 : 5,
      },
      series: series,
    };
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
    make("chart-scatter", function (narrow) {
      return {
        tooltip: {
          trigger: "item",
          confine: true,
          formatter: function (p) {
            return esc(p.data.name) + "<br>" + esc(p.seriesName);
          },
        },
        legend: legend(),
        grid: { left: 8, right: narrow ? 16 : 40, top: 32, bottom: narrow ? 60 : 36, containLabel: true },
        xAxis: {
          type: "value",
          name: "经度",
          min: lng.min,
          max: lng.max,
          splitNumber: narrow ? 3 : 5,
          nameLocation: narrow ? "middle" : "end",
          nameGap: narrow ? 26 : 8,
          axisLabel: {
            hideOverlap: true,
            showMinLabel: false,
            showMaxLabel: false,
            formatter: function (v) { return v.toFixed(2); },
          },
        },
        yAxis: {
          type: "value",
          name: "纬度",
          min: lat.min,
          max: lat.max,
          splitNumber: narrow ? 4 : 5,
          // the bounds are the points' extent with a margin: only the round ticks are labelled
          axisLabel: {
            hideOverlap: true,
            showMinLabel: false,
            showMaxLabel: false,
            formatter: function (v) { return v.toFixed(2); },
          },
        },
        series: data.scatter.series.map(function (s) {
          return {
            name: s.name,
            type: "scatter",
            symbolSize: 9,
            label: { show: false },
            itemStyle: { color: s.color },
            cursor: "pointer",
            data: s.data,
          };
        }),
      };
    });
  } else {
    empty("chart-scatter");
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (entry) {
      entry.chart.resize();
      var narrow = entry.node.clientWidth < NARROW;
      if (narrow !== entry.narrow) {
        entry.narrow = narrow;
        entry.chart.setOption(finish(entry.build(narrow)), true);
      }
    });
  });
})();
