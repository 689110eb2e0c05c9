// Keyboard shortcuts for review queues: j/k move, a accept, r reject, c claim, x select, / search.
(function () {
  function cards() { return Array.from(document.querySelectorAll(".candidate:not(.decided)")); }
  function current() { return document.querySelector(".candidate.current") || null; }
  function focus(card) {
    document.querySelectorAll(".candidate.current").forEach(function (c) { c.classList.remove("current"); });
    if (card) { card.classList.add("current"); card.focus({ preventScroll: true }); card.scrollIntoView({ block: "nearest" }); }
  }
  function move(step) {
    var list = cards(); if (!list.length) return;
    var i = list.indexOf(current());
    focus(list[Math.max(0, Math.min(list.length - 1, i < 0 ? 0 : i + step))]);
  }
  // A bulk bar counts the ticked items and asks the server what acting on them would do
  // (the form's `bulk-changed` trigger): the bar says it before the steward clicks.
  function updateCount() {
    var form = document.querySelector("form.bulkbar");
    var el = document.getElementById("selected-count");
    if (!form || !el) return;
    var ticked = document.querySelectorAll('input[form="' + form.id + '"][type=checkbox]:checked, ' +
                                           'form.bulkbar input.pick:checked').length;
    el.textContent = ticked;
    if (window.htmx) htmx.trigger(form, "bulk-changed");
  }
  document.addEventListener("change", function (e) {
    if (e.target.form && e.target.form.classList.contains("bulkbar") && e.target.type === "checkbox") updateCount();
    if (e.target.matches && e.target.matches("input[data-tick-all]")) {
      document.querySelectorAll('input[form="' + e.target.dataset.tickAll + '"][type=checkbox]').forEach(function (box) {
        box.checked = e.target.checked;
      });
      updateCount();
    }
  });
  document.addEventListener("click", function (e) {
    var fill = e.target.closest && e.target.closest("[data-fill]");
    if (fill) { var input = document.querySelector(fill.dataset.fill); if (input) { input.value = fill.dataset.value; input.focus(); } return; }
    var card = e.target.closest && e.target.closest(".candidate");
    if (card && !card.classList.contains("decided")) focus(card);
  });
  // After a decision replaces a card, keep the reviewer's place: the next open card takes focus.
  var place = 0;
  document.addEventListener("htmx:beforeRequest", function () { place = Math.max(0, cards().indexOf(current())); });
  document.addEventListener("htmx:afterSettle", function () {
    var list = cards();
    if (!current() && list.length) focus(list[Math.min(place, list.length - 1)]);
    updateCount();
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") return;
    if (e.key === "/") { var s = document.getElementById("global-search"); if (s) { e.preventDefault(); s.focus(); } return; }
    if (!document.getElementById("candidates")) return;
    if (e.key === "j") { move(1); e.preventDefault(); return; }
    if (e.key === "k") { move(-1); e.preventDefault(); return; }
    var card = current(); if (!card) return;
    if (e.key === "x") { var box = card.querySelector('input[name="candidate"]'); if (box) { box.checked = !box.checked; updateCount(); } return; }
    if (e.key === "a" || e.key === "r") { var reason = card.querySelector("input.reason"); if (reason && document.activeElement === reason) return; }
    var button = card.querySelector('button[data-key="' + e.key + '"]');
    if (button) { e.preventDefault(); button.click(); }
  });
  document.addEventListener("DOMContentLoaded", function () { var list = cards(); if (list.length) focus(list[0]); });
})();
