// Range inputs with data-output: show the value beside the label as the slider moves.
(function () {
  "use strict";
  document.querySelectorAll("input[type=range][data-output]").forEach(function (input) {
    var output = document.getElementById(input.getAttribute("data-output"));
    if (!output) { return; }
    input.addEventListener("input", function () { output.textContent = input.value; });
  });
})();
