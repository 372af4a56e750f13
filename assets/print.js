/* Printing a measures grid (the scorecard's, a service area's) from the browser. The grid is laid
   out for the screen (sixteen columns, the first pinned, rows placed absolutely and drawn only
   near the viewport), so before printing a plain table of the rows it shows, in its sort and
   filter, takes its place on paper with the columns that answer the board's questions; mtm.css
   hides the grid in print. The table is built synchronously: anything drawn later would miss the
   printout. The scorecard's "PDF to print" download has every column. */
(function () {
  "use strict";
  var PRINTED = ["measure", "area", "latest", "target", "rag", "direction", "variation",
                 "assurance", "sn", "england", "quartile"];

  function gridApi(id) {
    if (!document.getElementById(id) || !window.dash_ag_grid) { return null; }
    try { return window.dash_ag_grid.getApi(id); } catch (e) { return null; }
  }

  function text(data, field) {
    if (field === "measure") { return data.measure_text; }
    if (field === "latest" && data.latest_month) {
      return data.latest + " (" + data.latest_month + ")";
    }
    var value = data[field];
    return value === null || value === undefined ? "" : String(value);
  }

  function cell(tag, content, className) {
    var element = document.createElement(tag);
    element.textContent = content;
    if (className) { element.className = className; }
    return element;
  }

  function printTable(grid, id) {
    var table = document.createElement("table");
    table.className = "govuk-table mtm-print-table";
    table.id = id + "-print";
    var head = document.createElement("tr");
    PRINTED.forEach(function (field) {
      var column = grid.getColumnDef(field);
      var th = cell("th", column ? column.headerName : field, "govuk-table__header");
      th.scope = "col";
      head.appendChild(th);
    });
    table.appendChild(document.createElement("thead")).appendChild(head);
    var body = table.appendChild(document.createElement("tbody"));
    grid.forEachNodeAfterFilterAndSort(function (node) {
      if (!node.data) { return; }
      var row = body.appendChild(document.createElement("tr"));
      PRINTED.forEach(function (field) {
        var tag = field === "measure" ? "th" : "td";
        var className = field === "rag" ? "mtm-tag--" + node.data.rag_code : "";
        var element = row.appendChild(cell(tag, text(node.data, field), className));
        if (tag === "th") { element.scope = "row"; }
      });
    });
    return table;
  }

  function hosts() {
    return Array.prototype.slice.call(document.querySelectorAll(".mtm-print-host[data-grid]"));
  }

  function removeTables() {
    hosts().forEach(function (host) {
      var table = document.getElementById(host.getAttribute("data-grid") + "-print");
      if (table) { table.remove(); }
    });
  }

  window.addEventListener("beforeprint", function () {
    removeTables();
    hosts().forEach(function (host) {
      var id = host.getAttribute("data-grid");
      var grid = gridApi(id);
      if (grid) { host.appendChild(printTable(grid, id)); }
    });
  });

  window.addEventListener("afterprint", removeTables);
}());
