/* Meeting mode (/board) keyboard: a presenter's clicker sends Page Up/Down or arrow keys.
   Every move is a real link on the page (#board-prev, #board-next, #board-first, #board-last,
   #board-table); this only clicks it, so the URL, history and the no-JS behaviour stay the
   links' own. "f" toggles full screen. Keys typed into a form field are left alone. After a
   move, focus goes to the new slide's heading so a screen reader announces it. */
(function () {
  "use strict";
  var MOVES = {
    ArrowRight: "board-next", PageDown: "board-next",
    ArrowLeft: "board-prev", PageUp: "board-prev",
    Home: "board-first", End: "board-last", t: "board-table", T: "board-table"
  };

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    return target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName);
  }

  function toggleFullScreen() {
    if (document.fullscreenElement) {
      if (document.exitFullscreen) { document.exitFullscreen(); }
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () { /* refused: stay */ });
    }
  }

  // Dash draws the new slide after the URL changes: wait until the board says it shows the
  // slide the link points at, then move focus to its title.
  function focusTitleOf(link) {
    var match = /[?&]slide=(\d+)/.exec(link.getAttribute("href") || "");
    var wanted = match ? match[1] : "1";
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      var board = document.querySelector(".mtm-board");
      var title = document.getElementById("board-title");
      if ((board && title && board.getAttribute("data-slide") === wanted) || tries > 60) {
        window.clearInterval(timer);
        if (title) { title.focus({ preventScroll: true }); }
      }
    }, 50);
  }

  document.addEventListener("keydown", function (event) {
    if (!document.querySelector(".mtm-board") || event.altKey || event.ctrlKey ||
        event.metaKey || typing(event.target)) { return; }
    if (event.key === "f" || event.key === "F") {
      event.preventDefault();
      toggleFullScreen();
      return;
    }
    var id = MOVES[event.key];
    var link = id ? document.getElementById(id) : null;
    if (!link) { return; }
    event.preventDefault();
    link.click();
    if (id !== "board-table") { focusTitleOf(link); }
  });

  // Plotly keeps the size a chart was drawn at: give every board chart the print size (see
  // board.css) before printing, and let it fill its box again afterwards.
  function relayoutCharts(size) {
    if (!window.Plotly) { return; }
    var charts = document.querySelectorAll(".mtm-board .js-plotly-plot");
    for (var i = 0; i < charts.length; i += 1) { window.Plotly.relayout(charts[i], size); }
  }
  window.addEventListener("beforeprint", function () {
    relayoutCharts({ width: 620, height: 420 });
  });
  window.addEventListener("afterprint", function () {
    relayoutCharts({ width: null, height: null, autosize: true });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("#board-fullscreen")) { toggleFullScreen(); }
  });
}());
