// Bulk actions on a list page (SPEC §10): "tick every record on this page", the number ticked, and the value
// control the chosen action needs (the others hidden and disabled, so they are not sent).
// Without this file the row boxes and the toolbar still work: every value control shows, the unused ones empty.
"use strict";

(() => {
  function setUp(form) {
    const boxes = Array.from(document.querySelectorAll(`input[type=checkbox][name=ids][form="${form.id}"]`));
    const all = document.querySelector("input[data-bulk-all]");
    const action = form.querySelector("[data-bulk-action]");
    const count = form.querySelector("[data-bulk-count]");
    const submit = form.querySelector("[data-bulk-submit]");

    function refresh() {
      const ticked = boxes.filter((box) => box.checked).length;
      if (all) {
        all.checked = ticked > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
      if (count) {
        count.textContent = String(ticked);
        count.parentElement.hidden = false;
      }
      if (submit) submit.disabled = ticked === 0;
    }

    function showValue() {
      form.querySelectorAll("[data-bulk-for]").forEach((field) => {
        const used = field.dataset.bulkFor.split(" ").includes(action.value);
        field.hidden = !used;
        field.querySelectorAll("input, select").forEach((control) => { control.disabled = !used; });
      });
    }

    if (all) {
      all.hidden = false;
      all.addEventListener("change", () => {
        boxes.forEach((box) => { box.checked = all.checked; });
        refresh();
      });
    }
    boxes.forEach((box) => box.addEventListener("change", refresh));
    if (action) {
      action.addEventListener("change", showValue);
      showValue();
    }
    refresh();
  }

  document.querySelectorAll("form[data-bulk]").forEach(setUp);
})();
