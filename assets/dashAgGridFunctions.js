/* Keyboard use of the measure grids: Enter on a cell opens the link inside it (AG Grid focuses
   cells, not the links in them), so a keyboard user can open a measure from the scorecard. */
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
dagfuncs.mtmOpenLinkOnEnter = function (params) {
  var e = params.event;
  if (!e || e.key !== "Enter") { return; }
  var link = e.target.querySelector ? e.target.querySelector("a[href]") : null;
  if (link) { e.preventDefault(); link.click(); }
};
