/* Printing the scorecard from the browser. The grid is laid out for the screen (sixteen columns,
   the first pinned, rows placed absolutely and drawn only near the viewport), so before printing
   a plain table of the rows the grid shows, in its sort and filter, takes its place on paper with
   the columns that answer the board's questions, and mtm.css hides the grid in print.
   The table is built synchronously: anything drawn later would miss the printout. The "PDF to
   print" download has every column. */
(function () {
  "use strict";
  var GRID = "scorecard-grid";
  var PRINTED = ["measure", "area", "latest", "target", "rag", "direction", "variation",
                 "assurance", "sn", "england", "quartile"];

  function gridApi() {
    if (!document.getElementById(GRID) || !window.dash_ag_grid) { return null; }
    try { return window.dash_ag_grid.getApi(GRID); } catch (e) { return null; }
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

  function printTable(grid) {
    var table = document.createElement("table");
    table.className = "govuk-table mtm-print-table";
    table.id = GRID + "-print";
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

  window.addEventListener("beforeprint", function () {
    var grid = gridApi();
    var old = document.getElementById(GRID + "-print");
    if (old) { old.remove(); }
    if (!grid) { return; }
    var place = document.getElementById(GRID);
    place.parentNode.insertBefore(printTable(grid), place.nextSibling);
  });

  window.addEventListener("afterprint", function () {
    var table = document.getElementById(GRID + "-print");
    if (table) { table.remove(); }
  });
}());
