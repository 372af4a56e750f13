/* dcc.Upload renders its file input with no accessible name and has no prop to give it one,
   so keyboard and screen-reader users met an unnamed control (axe "label", critical). An
   upload box whose children include elements with the ids `<upload id>-label` and
   `<upload id>-hint` gets its input named and described by them, as a <label> would. */
(function () {
  "use strict";

  function nameUploadInputs() {
    var inputs = document.querySelectorAll(".mtm-upload input[type=file]");
    Array.prototype.forEach.call(inputs, function (input) {
      var box = input.closest("[id]");
      if (!box || input.hasAttribute("aria-labelledby")) { return; }
      if (document.getElementById(box.id + "-label")) {
        input.setAttribute("aria-labelledby", box.id + "-label");
      }
      if (document.getElementById(box.id + "-hint")) {
        input.setAttribute("aria-describedby", box.id + "-hint");
      }
    });
  }

  // Dash renders pages after load and again on navigation: name inputs whenever nodes arrive.
  new MutationObserver(nameUploadInputs).observe(document.documentElement, {
    childList: true,
    subtree: true
  });
})();
