// The console's few lines of script: keep the newest turn in view, and never lose focus on polling.
(function () {
  "use strict";
  function toEnd() {
    document.querySelectorAll(".transcript").forEach(function (list) {
      var last = list.lastElementChild;
      if (last && list.scrollHeight > list.clientHeight) { list.scrollTop = list.scrollHeight; }
    });
  }
  document.addEventListener("DOMContentLoaded", toEnd);
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.querySelector(".transcript")) { toEnd(); }
  });
  // Enter sends a reply; Shift+Enter starts a new line.
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (e.key === "Enter" && !e.shiftKey && el && el.tagName === "TEXTAREA" && el.form && el.value.trim()) {
      e.preventDefault();
      el.form.requestSubmit();
    }
  });
  // A form is sent once: a second click on a slow line must not send the caller's answer twice.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.sent === "1") { e.preventDefault(); return; }
    if (form.method && form.method.toLowerCase() === "post") { form.dataset.sent = "1"; }
  });
})();
