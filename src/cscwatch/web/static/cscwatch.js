// cscwatch: draw the pages' charts with Observable Plot and turn LA pickers into accessible
// autocompletes. Each chart's data is JSON beside it (made on the server from the page's context);
// every chart also has a table and a text alternative, so nothing here is the only way to a figure.
(function () {
  "use strict";
  var geo = null;

  function loadGeo() {
    if (!geo) {
      geo = fetch("/api/geo/la.geojson").then(function (r) { return r.ok ? r.json() : null; })
        .catch(function () { return null; });
    }
    return geo;
  }

  function fmt(decimals) {
    var f = d3.format(",." + (decimals || 0) + "f");
    return function (v) { return v == null ? "" : f(v); };
  }

  // Period labels thinned so they never collide on a narrow screen.
  function thin(periods, width) {
    var room = Math.max(2, Math.floor(width / 56));
    if (periods.length <= room) { return periods; }
    var step = Math.ceil(periods.length / room);
    return periods.filter(function (p, i) { return (periods.length - 1 - i) % step === 0; });
  }

  function lines(spec, width, height) {
    var data = [];
    spec.series.forEach(function (s) {
      s.values.forEach(function (v, i) { data.push({period: spec.periods[i], value: v, name: s.name}); });
    });
    var names = spec.series.map(function (s) { return s.name; });
    var colours = spec.series.map(function (s) { return s.colour; });
    var f = fmt(spec.decimals);
    return Plot.plot({
      width: width, height: height, marginLeft: 56, marginBottom: 36, style: {fontSize: "13px"},
      x: {type: "point", domain: spec.periods, label: spec.x, ticks: thin(spec.periods, width - 70)},
      y: {label: spec.y, grid: true, zero: !!spec.zero, tickFormat: f, nice: true},
      color: {legend: true, domain: names, range: colours},
      marks: [
        Plot.line(data, {x: "period", y: "value", z: "name", stroke: "name", strokeWidth: 2.5}),
        Plot.dot(data, {x: "period", y: "value", fill: "name", r: 3,
                        title: function (d) { return d.name + ", " + d.period + ": " + f(d.value); }})
      ]
    });
  }

  // Stacked bars: shares (percent, 0-100) or counts (spec.percent === false), with an optional limit line.
  function stack(spec, width, height) {
    var data = [];
    var percent = spec.percent !== false;
    spec.series.forEach(function (s) {
      s.values.forEach(function (v, i) { data.push({category: spec.categories[i], value: v || 0, name: s.name}); });
    });
    var names = spec.series.map(function (s) { return s.name; });
    var colours = spec.series.map(function (s) { return s.colour; });
    var marks = [Plot.barY(data, {x: "category", y: "value", fill: "name", order: names,
                                  title: function (d) { return d.name + ", " + d.category + ": " + d.value + (percent ? "%" : ""); }})];
    if (spec.limit) {
      var limit = spec.categories.map(function (c, i) { return {category: c, value: spec.limit.values[i]}; });
      marks.push(Plot.line(limit, {x: "category", y: "value", stroke: "#0b0c0c", strokeWidth: 2, strokeDasharray: "5,3"}));
      names = names.concat([spec.limit.name]);
      colours = colours.concat(["#0b0c0c"]);
    }
    return Plot.plot({
      width: width, height: height, marginLeft: 48, marginBottom: width < 500 ? 64 : 40, style: {fontSize: "13px"},
      x: {type: "band", domain: spec.categories, label: spec.x, tickRotate: width < 500 ? -45 : 0,
          ticks: thin(spec.categories, width - 60), labelOffset: width < 500 ? 58 : 34},
      y: percent ? {label: spec.y, domain: [0, 100], grid: true} : {label: spec.y, grid: true, nice: true},
      color: {legend: true, domain: names, range: colours},
      marks: marks
    });
  }

  function bars(spec, width, height, el) {
    var f = fmt(spec.decimals);
    var names = spec.bars.map(function (b) { return b.code; });
    var chart = Plot.plot({
      width: width, height: height, marginLeft: 56, marginBottom: 28, style: {fontSize: "13px"},
      x: {type: "band", domain: names, axis: null, label: spec.x, padding: 0.1},
      y: {label: spec.y, grid: true, zero: true, tickFormat: f},
      color: {type: "identity"},
      marks: [
        Plot.barY(spec.bars, {x: "code", y: "value", fill: "colour",
                              stroke: function (b) { return b.highlight ? "#0b0c0c" : "none"; }, strokeWidth: 3,
                              title: function (b) { return b.name + ": " + f(b.value); }}),
        Plot.text(spec.bars.filter(function (b) { return b.highlight; }),
                  {x: "code", y: "value", text: "name", dy: -12, fontWeight: "bold", fill: "#0b0c0c"}),
        Plot.axisX({label: spec.x, ticks: [], labelAnchor: "center", labelOffset: 20})
      ]
    });
    link(chart, el, "rect", function (i) { return spec.bars[i] && spec.bars[i].code; });
    return chart;
  }

  function spread(spec, width, height) {
    var rows = spec.periods.map(function (p, i) {
      return {period: p, min: spec.min[i], q1: spec.q1[i], median: spec.median[i], q3: spec.q3[i], max: spec.max[i],
              england: spec.england[i], la: spec.la ? spec.la.values[i] : null};
    });
    var f = fmt(spec.decimals);
    var names = ["Range of local authorities", "Middle half", "Median authority", "England"];
    var colours = ["#dee0e2", "#9ecae1", "#1d70b8", "#0b0c0c"];
    if (spec.la) { names.push(spec.la.name); colours.push("#d53880"); }
    var marks = [
      Plot.areaY(rows, {x: "period", y1: "min", y2: "max", fill: colours[0]}),
      Plot.areaY(rows, {x: "period", y1: "q1", y2: "q3", fill: colours[1]}),
      Plot.line(rows, {x: "period", y: "median", stroke: colours[2], strokeDasharray: "4,3", strokeWidth: 2}),
      Plot.line(rows, {x: "period", y: "england", stroke: colours[3], strokeWidth: 2}),
      Plot.dot(rows, {x: "period", y: "england", fill: colours[3], r: 2.5,
                      title: function (d) { return "England, " + d.period + ": " + f(d.england); }})
    ];
    if (spec.la) {
      marks.push(Plot.line(rows, {x: "period", y: "la", stroke: "#d53880", strokeWidth: 3}));
      marks.push(Plot.dot(rows, {x: "period", y: "la", fill: "#d53880", r: 4,
                                 title: function (d) { return spec.la.name + ", " + d.period + ": " + f(d.la); }}));
    }
    return Plot.plot({
      width: width, height: height, marginLeft: 56, marginBottom: 36, style: {fontSize: "13px"},
      x: {type: "point", domain: spec.periods, label: spec.x, ticks: thin(spec.periods, width - 70)},
      y: {label: spec.y, grid: true, zero: !!spec.zero, tickFormat: f},
      color: {legend: true, domain: names, range: colours},
      marks: marks
    });
  }

  function map(spec, width, height, el, collection) {
    var colour = {};
    spec.legend.forEach(function (l) { colour[l.key] = l.colour; });
    var features = collection.features.filter(function (f) { return spec.areas[f.id]; });
    var fill = function (f) {
      var a = spec.areas[f.id];
      return a.key === "small" ? "#b1b4b6" : (colour[a.key] || "#f3f2f1");
    };
    var marks = [
      Plot.geo(features, {fill: fill, stroke: "#ffffff", strokeWidth: 0.5,
                          title: function (f) { return spec.areas[f.id].name + ": " + spec.areas[f.id].text; }}),
      Plot.geo(features.filter(function (f) { return spec.areas[f.id].key === "small"; }),
               {fill: "none", stroke: "#0b0c0c", strokeWidth: 1.2, strokeDasharray: "2,2"})
    ];
    if (spec.highlight) {
      marks.push(Plot.geo(features.filter(function (f) { return f.id === spec.highlight; }),
                          {fill: "none", stroke: "#0b0c0c", strokeWidth: 3}));
    }
    var chart = Plot.plot({width: width, height: height, margin: 4,
                           projection: {type: "mercator", domain: {type: "FeatureCollection", features: features}},
                           marks: marks});
    link(chart, el, "path", function (i) { return features[i] && features[i].id; });
    return chart;
  }

  // Clicking a bar or an area opens that LA's page, keeping the comparator in the address.
  function link(chart, el, selector, codeOf) {
    var base = el.getAttribute("data-link");
    if (!base) { return; }
    var group = chart.querySelector("g[aria-label=bar], g[aria-label=geo]");
    if (!group) { return; }
    Array.prototype.forEach.call(group.querySelectorAll(selector), function (node, i) {
      var code = codeOf(i);
      if (!code) { return; }
      node.style.cursor = "pointer";
      node.addEventListener("click", function () {
        var url = new URL(base, location.href);
        url.pathname = url.pathname.replace(/\/?$/, "/") + encodeURIComponent(code);
        location.href = url.toString();
      });
    });
  }

  function draw(el) {
    var spec = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
    var width = Math.max(280, Math.floor(el.clientWidth || el.parentNode.clientWidth || 600));
    var height = parseInt(el.getAttribute("data-height"), 10) || 320;
    var ready = spec.kind === "map" ? loadGeo() : Promise.resolve(null);
    return ready.then(function (collection) {
      var chart;
      if (spec.kind === "map") {
        if (!collection) { el.textContent = "The map is not available; see the table."; return; }
        chart = map(spec, width, Math.min(height, Math.round(width * 1.15)), el, collection);
      } else if (spec.kind === "lines") {
        chart = lines(spec, width, height);
      } else if (spec.kind === "stack") {
        chart = stack(spec, width, height);
      } else if (spec.kind === "bars") {
        chart = bars(spec, width, height, el);
      } else if (spec.kind === "spread") {
        chart = spread(spec, width, height);
      }
      // The container is the image (role=img with the text alternative); what Plot draws inside is
      // decoration for assistive technology, so its own ARIA labels go.
      Array.prototype.forEach.call(chart.querySelectorAll("[aria-label]"), function (n) { n.removeAttribute("aria-label"); });
      if (chart.removeAttribute) { chart.removeAttribute("aria-label"); }
      chart.setAttribute("aria-hidden", "true");
      el.replaceChildren(chart);
      el.setAttribute("data-drawn", "true");
      el.setAttribute("data-width", String(width));
    });
  }

  function drawAll() {
    if (!window.Plot) { return Promise.resolve(); }
    var charts = Array.prototype.slice.call(document.querySelectorAll("[data-chart]"));
    return Promise.all(charts.map(function (el) {
      return draw(el).catch(function (e) { el.textContent = "The chart could not be drawn; see the table."; });
    }));
  }

  function enhancePickers() {
    if (!window.accessibleAutocomplete) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("select.app-la-picker"), function (select) {
      accessibleAutocomplete.enhanceSelectElement({
        selectElement: select, defaultValue: "", showAllValues: false, minLength: 1, autoselect: true,
        placeholder: "Type a name", dropdownArrow: function () { return ""; },
        tNoResults: function () { return "No local authority matches"; }
      });
    });
  }

  enhancePickers();
  drawAll().then(function () { document.documentElement.setAttribute("data-charts", "drawn"); });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      Array.prototype.forEach.call(document.querySelectorAll("[data-chart][data-drawn]"), function (el) {
        if (Math.abs(el.clientWidth - parseInt(el.getAttribute("data-width"), 10)) > 20) { draw(el); }
      });
    }, 200);
  });
})();
