// Draw every chart on the page with the bundled plotly.js. The figure spec is JSON next to the chart;
// maps fetch the upper-tier boundaries once. Clicking an area or bar opens that LA's page.
(function () {
  "use strict";
  var geojson = null;
  function loadGeo() {
    if (!geojson) {
      geojson = fetch("/api/geo/la.geojson").then(function (r) { return r.ok ? r.json() : null; });
    }
    return geojson;
  }
  function draw(el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute("data-figure")).textContent);
    var ready = spec.geojson ? loadGeo() : Promise.resolve(null);
    return ready.then(function (geo) {
      if (spec.geojson) {
        if (!geo) { el.textContent = "The map is not available; see the table."; return; }
        spec.data.forEach(function (t) { t.geojson = geo; });
      }
      return Plotly.newPlot(el, spec.data, spec.layout, {
        displayModeBar: false, responsive: true, topojsonURL: "/vendor/topojson/"
      }).then(function () {
        el.setAttribute("data-drawn", "true");
        if (spec.link) {
          el.on("plotly_click", function (ev) {
            var p = ev.points && ev.points[0];
            if (p && p.customdata) { window.location.href = spec.link + encodeURIComponent(p.customdata); }
          });
        }
      });
    });
  }
  var charts = Array.prototype.slice.call(document.querySelectorAll("[data-figure]"));
  Promise.all(charts.map(draw)).then(function () { document.documentElement.setAttribute("data-charts", "drawn"); });
})();
