// KPI charts on the operations dashboard, drawn with uPlot (static/vendor/uplot/).
// The server decides what to draw (operations/charts.py): each chart's points, its time and value
// axes, the value-axis labels and whether to mark each point, handed over with json_script. This
// script only draws them, and again after each htmx refresh of #ops-body (every 30 s, or the
// `ops-refresh` event), which replaces the charts' elements.
(function () {
  var HEIGHT = 200;
  var plots = [];  // {plot, box, watcher}: the charts on the page, to let go of when swapped out

  // The same words as operations.charts.format_value, for the values read under the cursor.
  function formatValue(value, unit) {
    if (value === null || value === undefined) return "–";
    if (unit === "seconds") {
      var sizes = [[86400, "d"], [3600, "h"], [60, "min"]];
      for (var i = 0; i < sizes.length; i++) {
        if (Math.abs(value) >= sizes[i][0]) return (value / sizes[i][0]).toFixed(1) + " " + sizes[i][1];
      }
      return value.toFixed(1) + " s";
    }
    if (unit === "ratio") return Math.round(value * 100) + "%";
    return Number.isInteger(value) ? value.toLocaleString("en-US")
      : value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  // A series takes the colour of its key (.series-N in the dashboard's style): one palette.
  function colourOf(figure, i) {
    var key = figure.querySelector('.keys [data-series="' + i + '"]');
    return key ? getComputedStyle(key).color : "#2f6fb0";
  }

  // Time-axis labels as the rest of the console writes times: 24-hour clock, day before month.
  // Rows: smallest tick step (s), label, then the label when the year / month / day / hour /
  // minute / second rolls over (null: none), and 1 = append that to the label (uPlot's format).
  var M = 60, H = 3600, D = 86400;
  var TIME_LABELS = [
    [D * 28, "{MMM}", "\n{YYYY}", null, null, null, null, null, 1],
    [D, "{D} {MMM}", "\n{YYYY}", null, null, null, null, null, 1],
    [H, "{HH}:{mm}", "\n{D} {MMM} {YYYY}", null, "\n{D} {MMM}", null, null, null, 1],
    [M, "{HH}:{mm}", "\n{D} {MMM} {YYYY}", null, "\n{D} {MMM}", null, null, null, 1],
    [1, "{HH}:{mm}:{ss}", "\n{D} {MMM} {YYYY}", null, "\n{D} {MMM}", null, null, null, 1],
  ];

  function showCursor(figure, data, u) {
    var idx = u.cursor.idx;
    figure.querySelectorAll(".keys [data-series]").forEach(function (key) {
      var s = data.series[Number(key.dataset.series)];
      var b = key.querySelector("b");
      if (b) b.textContent = idx === null || idx === undefined ? s.last : formatValue(s.values[idx], data.unit);
    });
    var at = figure.querySelector(".keys .ops-at");
    if (at) at.textContent = idx === null || idx === undefined ? ""
      : uPlot.fmtDate("{DD} {MMM} {HH}:{mm}")(uPlot.tzDate(new Date(data.x[idx] * 1e3), data.zone));
  }

  function options(figure, data, width) {
    var fixed = function (range) { return function () { return range; }; };
    var labels = {};  // tick value -> its label, as format_value wrote it
    data.y_ticks.forEach(function (t) { labels[t[0]] = t[1]; });
    return {
      width: width, height: HEIGHT,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), data.zone); },
      legend: { show: false },  // the figure's own key shows the values (and is the no-script fallback)
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      scales: {
        x: { time: true, range: data.x_range ? fixed(data.x_range) : undefined },
        y: { range: fixed(data.y_range) },
      },
      axes: [
        { stroke: "#6b7585", grid: { stroke: "#eef1f5" }, ticks: { stroke: "#c5ccd8" }, values: TIME_LABELS },
        { stroke: "#6b7585", grid: { stroke: "#eef1f5" }, ticks: { stroke: "#c5ccd8" }, size: 64,
          splits: function () { return data.y_ticks.map(function (t) { return t[0]; }); },
          values: function (u, splits) { return splits.map(function (v) { return labels[v]; }); } },
      ],
      series: [{}].concat(data.series.map(function (s, i) {
        var colour = colourOf(figure, i);
        return { label: s.label, stroke: colour, width: 1.8, spanGaps: true,
                 points: { show: data.markers, size: 6, stroke: colour, fill: colour } };
      })),
      hooks: { setCursor: [function (u) { showCursor(figure, data, u); }] },
    };
  }

  function draw(box) {
    var source = document.getElementById(box.dataset.chart);
    if (!source || !window.uPlot) return;
    var data = JSON.parse(source.textContent);
    var figure = box.closest("figure");
    var plot = new uPlot(options(figure, data, box.clientWidth || 400),
                         [data.x].concat(data.series.map(function (s) { return s.values; })));
    box.textContent = "";
    box.appendChild(plot.root);
    box.dataset.drawn = "true";
    var watcher = window.ResizeObserver ? new ResizeObserver(function () {
      if (box.clientWidth && box.clientWidth !== plot.width) plot.setSize({ width: box.clientWidth, height: HEIGHT });
    }) : null;
    if (watcher) watcher.observe(box);
    plots.push({ plot: plot, box: box, watcher: watcher });
  }

  // Charts whose elements an htmx swap removed: stop their listeners (uPlot's on the window too).
  function letGo() {
    plots = plots.filter(function (p) {
      if (document.body.contains(p.box)) return true;
      if (p.watcher) p.watcher.disconnect();
      p.plot.destroy();
      return false;
    });
  }

  function drawAll() {
    letGo();
    document.querySelectorAll(".ops-plot[data-chart]:not([data-drawn])").forEach(function (box) {
      try { draw(box); } catch (error) {  // one chart that cannot be drawn keeps its text; the others draw
        box.dataset.drawn = "failed";
        if (window.console) console.error("operations chart " + box.dataset.chart, error);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
