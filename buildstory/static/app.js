// Buildstory's own script: a few progressive enhancements. No framework, no eval.
(function () {
  "use strict";

  // <time datetime> in the viewer's own time zone (the server renders UTC).
  function localTimes(root) {
    root.querySelectorAll("time[datetime][data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.textContent = d.toLocaleString(undefined, {
        dateStyle: "medium", timeStyle: el.dataset.local === "date" ? undefined : "short"
      });
      el.title = el.getAttribute("datetime");
    });
  }

  // After an htmx swap, put focus on the element that asks for it (data-focus).
  function focusAfterSwap(root) {
    var el = root.querySelector ? root.querySelector("[data-focus]") : null;
    if (el) el.focus();
  }

  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:afterSwap", function (e) {
    localTimes(e.detail.elt.parentNode || document);
    focusAfterSwap(e.detail.elt.parentNode || document);
  });
})();
