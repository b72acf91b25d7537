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
  var focusTarget = null;
  function focusAfterSwap(root) {
    var el = root.querySelector ? root.querySelector("[data-focus]") : null;
    if (el) { el.focus(); focusTarget = el; }
  }

  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:afterSwap", function (e) {
    localTimes(e.detail.elt.parentNode || document);
    focusAfterSwap(e.detail.elt.parentNode || document);
  });
  // htmx settles a swap a moment later; focus that was lost on the way (to the body, as
  // the element that had it was swapped out) goes back to that swap's data-focus element.
  document.addEventListener("htmx:afterSettle", function () {
    var el = focusTarget;
    focusTarget = null;
    if (el && el.isConnected && (!document.activeElement || document.activeElement === document.body)) {
      el.focus();
    }
  });
})();

// Countdowns (events): an element with data-countdown-to="<ISO time>" shows
// data-countdown-label + the time left ("3d 4h 5m 6s"), every second. When the time is
// reached it moves on to data-countdown-then (with data-countdown-then-label) if given,
// else shows data-countdown-done. The server renders the same text first.
(function () {
  "use strict";

  function left(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    var parts = [[Math.floor(s / 86400), "d"], [Math.floor(s % 86400 / 3600), "h"],
                 [Math.floor(s % 3600 / 60), "m"], [s % 60, "s"]];
    while (parts.length > 1 && parts[0][0] === 0) parts.shift();
    return parts.map(function (p) { return p[0] + p[1]; }).join(" ");
  }

  function tick() {
    document.querySelectorAll("[data-countdown-to]").forEach(function (el) {
      var rest = Date.parse(el.getAttribute("data-countdown-to")) - Date.now();
      if (isNaN(rest)) return;
      if (rest <= 0 && el.hasAttribute("data-countdown-then")) {
        el.setAttribute("data-countdown-to", el.getAttribute("data-countdown-then"));
        el.setAttribute("data-countdown-label", el.getAttribute("data-countdown-then-label") || "");
        el.removeAttribute("data-countdown-then");
        el.className = el.className.replace("countdown--before", "countdown--live");
        rest = Date.parse(el.getAttribute("data-countdown-to")) - Date.now();
      }
      if (rest <= 0) {
        el.textContent = el.getAttribute("data-countdown-done") || "";
        el.removeAttribute("data-countdown-to");
        el.className = el.className.replace(/countdown--(before|live)/, "countdown--ended");
        return;
      }
      el.textContent = (el.getAttribute("data-countdown-label") || "") + " " + left(rest);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);  // also picks up countdowns that htmx swaps in later
  });
})();

// === teams: copy an invite link ===
// Buttons with data-copy="#input-id" stay hidden without JavaScript (the link can still
// be selected and copied by hand); with it they copy the input's value to the clipboard.
(function () {
  "use strict";

  function showCopyButtons(root) {
    if (!navigator.clipboard || !root.querySelectorAll) return;
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (b) { b.hidden = false; });
  }

  document.addEventListener("DOMContentLoaded", function () { showCopyButtons(document); });
  document.addEventListener("htmx:afterSettle", function () { showCopyButtons(document); });
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button[data-copy]") : null;
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) return;
    input.select();
    navigator.clipboard.writeText(input.value).then(function () {
      button.textContent = "Copied ✓";
    }, function () {
      button.textContent = "Press Ctrl+C to copy";
    });
  });
})();

// === header: the Menu button tells assistive technology whether the nav is open ===
// The popover itself needs no script (popovertarget; Escape and outside clicks close it).
(function () {
  "use strict";
  function sync(pop, open) {
    document.querySelectorAll('[popovertarget="' + pop.id + '"]').forEach(function (b) {
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[popover][id]").forEach(function (p) { sync(p, false); });
  });
  document.addEventListener("toggle", function (e) {
    var t = e.target;
    if (t.hasAttribute && t.hasAttribute("popover") && t.id) sync(t, e.newState === "open");
  }, true);
})();
