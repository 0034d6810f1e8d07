// The care-gap worklist: "select every gap on this page" ticks or clears the row checkboxes of the
// bulk-assign form. Delegated from the document, so it keeps working after htmx swaps the list.
(function () {
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
    var form = box.form;
    if (!form) return;
    form.querySelectorAll('input[type="checkbox"][name="' + box.dataset.selectAll + '"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });
})();
