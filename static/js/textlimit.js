// Text areas with a length limit (<textarea data-maxlength="N">, from the `field` template tag) show
// the limit under the box, in the paragraph "<id>_limit". The browser's own maxlength is not used: it
// cuts pasted text at the limit without a word. Here the count appears as the text nears the limit,
// and a text over it says by how much; the server refuses such a text with the same figures.
(function () {
  function fmt(n) { return n.toLocaleString("en-US"); }

  function update(area) {
    var limit = parseInt(area.dataset.maxlength, 10);
    var note = document.getElementById(area.id + "_limit");
    if (!limit || !note) return;
    var length = area.value.length;
    var over = length > limit;
    var text;
    if (over) {
      text = fmt(length) + " characters: " + fmt(length - limit) + " more than the " + fmt(limit) +
        " allowed. Shorten the text before saving.";
    } else if (length >= limit * 0.9) {
      text = fmt(length) + " of at most " + fmt(limit) + " characters.";
    } else {
      text = "At most " + fmt(limit) + " characters.";
    }
    if (note.textContent !== text) note.textContent = text;
    note.classList.toggle("ds-c-inline-error", over);
    note.classList.toggle("ds-c-hint", !over);
    if (over) {
      area.setAttribute("aria-invalid", "true");
      area.dataset.limitInvalid = "1";
    } else if (area.dataset.limitInvalid) {
      area.removeAttribute("aria-invalid");
      delete area.dataset.limitInvalid;
    }
  }

  function all(root) {
    root.querySelectorAll("textarea[data-maxlength]").forEach(update);
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-maxlength]")) update(e.target);
  });
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:afterSwap", function (e) { all(e.target); });
})();
