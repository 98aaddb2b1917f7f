/* Ratecard pages: draws the admin charts with Chart.js from the figures the page already
   shows in its tables (JSON in <script type="application/json">, written by the server
   from the page's SQL document). No rule lives here: without JavaScript the tables carry
   the same figures. */
(function () {
  "use strict";

  var COLORS = {
    line: "#3342d6",
    fill: "rgba(51, 66, 214, 0.12)",
    grid: "#e3e7ee",
    text: "#566173",
    new: "#1b7f3a",
    expansion: "#4caf6e",
    reactivation: "#7fb8e0",
    contraction: "#e0a23a",
    churn: "#c2261f"
  };

  function money(currency, whole) {
    var fmt;
    try {
      fmt = new Intl.NumberFormat("en-US", {
        style: "currency",
        currency: (currency || "usd").toUpperCase(),
        maximumFractionDigits: whole ? 0 : 2,
        minimumFractionDigits: whole ? 0 : 2
      });
    } catch (e) {
      fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
    }
    return function (cents) { return fmt.format(cents / 100); };
  }

  function monthLabel(iso) {
    var d = new Date(iso + "T00:00:00Z");
    return d.toLocaleString("en-US", { month: "short", year: "2-digit", timeZone: "UTC" });
  }

  function dayLabel(iso) {
    var d = new Date(iso + "T00:00:00Z");
    return d.toLocaleString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
  }

  function data(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : [];
  }

  function base(currency) {
    var fmt = money(currency, true);
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: { labels: { color: COLORS.text, boxWidth: 12, boxHeight: 12 } },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              return (ctx.dataset.label ? ctx.dataset.label + ": " : "") +
                money(currency)(ctx.raw * 100);
            }
          }
        }
      },
      scales: {
        x: { grid: { display: false }, ticks: { color: COLORS.text, maxRotation: 0, autoSkipPadding: 8 } },
        y: {
          grid: { color: COLORS.grid },
          border: { display: false },
          ticks: { color: COLORS.text, callback: function (v) { return fmt(v * 100); } }
        }
      }
    };
  }

  function mrrChart(canvas) {
    var rows = data(canvas);
    var currency = canvas.getAttribute("data-currency");
    var options = base(currency);
    options.plugins.legend.display = false;
    options.scales.y.beginAtZero = true;
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: rows.map(function (r) { return monthLabel(r.month); }),
        datasets: [{
          label: "MRR",
          data: rows.map(function (r) { return r.mrr_cents / 100; }),
          borderColor: COLORS.line,
          backgroundColor: COLORS.fill,
          fill: true,
          tension: 0.25,
          pointRadius: 3,
          pointBackgroundColor: COLORS.line
        }]
      },
      options: options
    });
  }

  function movementsChart(canvas) {
    var rows = data(canvas);
    var currency = canvas.getAttribute("data-currency");
    var options = base(currency);
    options.scales.x.stacked = true;
    options.scales.y.stacked = true;
    options.plugins.legend.position = "bottom";
    function series(label, key, color) {
      return {
        label: label,
        data: rows.map(function (r) { return r[key] / 100; }),
        backgroundColor: color,
        borderRadius: 3,
        stack: "movements"
      };
    }
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return monthLabel(r.month); }),
        datasets: [
          series("New", "new_cents", COLORS.new),
          series("Expansion", "expansion_cents", COLORS.expansion),
          series("Reactivation", "reactivation_cents", COLORS.reactivation),
          series("Contraction", "contraction_cents", COLORS.contraction),
          series("Churn", "churn_cents", COLORS.churn)
        ]
      },
      options: options
    });
  }

  function tenantsChart(canvas) {
    var rows = data(canvas);
    var options = base("usd");
    options.plugins.legend.display = false;
    options.plugins.tooltip.callbacks.label = function (ctx) { return ctx.raw + " tenants"; };
    options.scales.y.ticks.callback = function (v) { return v; };
    options.scales.y.beginAtZero = true;
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: rows.map(function (r) { return dayLabel(r.date); }),
        datasets: [{
          label: "Tenants",
          data: rows.map(function (r) { return r.tenants_total; }),
          borderColor: COLORS.line,
          backgroundColor: COLORS.fill,
          fill: true,
          tension: 0.25,
          pointRadius: 2
        }]
      },
      options: options
    });
  }

  var DRAW = { mrr: mrrChart, movements: movementsChart, tenants: tenantsChart };

  function draw() {
    if (!window.Chart) { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      var make = DRAW[canvas.getAttribute("data-chart")];
      if (make && !window.Chart.getChart(canvas)) { make(canvas); }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
