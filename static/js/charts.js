// Draws every Plotly figure on the page: <div class="portal-chart" data-figure="ID"> reads the JSON
// in <script id="ID" type="application/json"> (Django's json_script). The figure's data table sits
// next to the chart for screen readers and for people who prefer numbers.
(function () {
  function draw(root) {
    if (typeof Plotly === "undefined") return;
    root.querySelectorAll(".portal-chart[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.dataset.figure);
      if (!source || el.dataset.drawn) return;
      var fig = JSON.parse(source.textContent);
      el.dataset.drawn = "1";
      Plotly.newPlot(el, fig.data, fig.layout, { displaylogo: false, responsive: true }).then(function () {
        link(el);
      });
    });
  }
  // A chart with data-links="ID" (JSON {bar label: url}) opens the url of the bar selected: the
  // drill-down from a figure to the beneficiaries behind it (its table carries the same links).
  function link(el) {
    var source = el.dataset.links && document.getElementById(el.dataset.links);
    if (!source || typeof el.on !== "function") return;
    var links = JSON.parse(source.textContent);
    el.classList.add("portal-chart--links");
    el.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (!point) return;
      var url = links[String(point.x)] || links[String(point.y)];
      if (url) window.location.assign(url);
    });
  }
  // Plotly sizes legends and margins by measuring its text: draw once the page's web fonts are in, or a
  // legend measured in a fallback font cuts off the end of its longest label.
  function whenFontsReady(then) {
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(then, then);
    else then();
  }
  document.addEventListener("DOMContentLoaded", function () { whenFontsReady(function () { draw(document); }); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
