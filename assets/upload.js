/* dcc.Upload renders its file input with no accessible name and has no prop to give it one,
   so keyboard and screen-reader users met an unnamed control (axe "label", critical). An
   upload box whose children include elements with the ids `<upload id>-label` and
   `<upload id>-hint` gets its input named and described by them, as a <label> would.

   dcc.Upload also drops a file over its max_size without a word. When the hint carries
   data-max-bytes and data-max-mb, a file chosen or dropped over that size is named in the
   element `<upload id>-refused` (worded as indicators/domain.py's upload_too_big). */
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

  // The size in MB with the fewest decimals that still show it is over the limit.
  function sizeOver(size, limitMb) {
    for (var places = 1; places <= 3; places += 1) {
      var shown = (size / 1048576).toFixed(places);
      if (Number(shown) > limitMb) { return shown + " MB"; }
    }
    return size.toLocaleString("en-GB") + " bytes";
  }

  function sayIfTooBig(box, files) {
    var hint = box && document.getElementById(box.id + "-hint");
    var out = box && document.getElementById(box.id + "-refused");
    if (!hint || !out || !files || !files.length) { return; }
    var limit = Number(hint.getAttribute("data-max-bytes"));
    var file = files[0];
    if (!limit || file.size <= limit) {
      out.textContent = "";
      return;
    }
    out.textContent = file.name + " is " + sizeOver(file.size, Number(hint.getAttribute("data-max-mb"))) +
      ": the largest workbook accepted is " + hint.getAttribute("data-max-mb") +
      " MB. Delete unused sheets and rows and save it again, or ask an administrator " +
      "to raise max_upload_mb.";
  }

  // Capturing, so this runs whatever the upload component does with the event.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(".mtm-upload input[type=file]")) {
      sayIfTooBig(input.closest("[id]"), input.files);
    }
  }, true);
  document.addEventListener("drop", function (event) {
    var box = event.target.closest && event.target.closest(".mtm-upload");
    if (box && event.dataTransfer) {
      sayIfTooBig(box.id ? box : box.closest("[id]"), event.dataTransfer.files);
    }
  }, true);

  // Dash renders pages after load and again on navigation: name inputs whenever nodes arrive.
  new MutationObserver(nameUploadInputs).observe(document.documentElement, {
    childList: true,
    subtree: true
  });
})();
