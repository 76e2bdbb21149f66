/* Ojo de Agua: the workshop's count boxes. A count that cannot grow (one more digit would pass
 * the people of that sex registered) moves on to the next box by itself, so a room's count is
 * typed digit after digit without a tap between boxes. */
(function () {
  "use strict";

  function boxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[data-tally-most]"));
  }

  function complete(input) {
    var value = input.value.replace(/\D/g, "");
    if (value === "") return false;
    if (value.charAt(0) === "0") return true; // nobody: no digit can follow
    var most = parseInt(input.getAttribute("data-tally-most"), 10) || 0;
    return parseInt(value, 10) * 10 > most || value.length >= 3;
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input || !input.hasAttribute || !input.hasAttribute("data-tally-most")) return;
    if (!complete(input)) return;
    var form = input.form;
    var all = boxes(form);
    var next = all[all.indexOf(input) + 1];
    if (next) {
      next.focus();
      next.select();
    } else {
      // The last box: leaving it sends the count (its change event) and lands on what comes next.
      var after = document.querySelector("[data-after-tally]");
      if (after) after.focus();
      else input.blur();
    }
  });
})();
