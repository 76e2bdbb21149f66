/* Ojo de Agua: the few behaviours every page shares, kept out of the HTML so the pages run
 * under a Content-Security-Policy without inline scripts: a "Imprimir" button, a choice that
 * shows its page as soon as it changes (the button beside it stays for pages without JavaScript),
 * and a link that fills an amount in place ("Paga todo": data-fill-amount, data-fill-target;
 * without JavaScript the link asks the server for the page with the amount filled in). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
    var filler = event.target.closest && event.target.closest("[data-fill-amount]");
    var field = filler && document.getElementById(filler.getAttribute("data-fill-target"));
    if (field) {
      event.preventDefault();
      field.value = filler.getAttribute("data-fill-amount");
      // As if typed: a draft kept on the phone keeps it too.
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.focus();
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-submit-on-change") && field.form) {
      field.form.submit();
    }
  });
})();
/* The role's menu: on a phone, folded behind "Menú" until the button is pressed. */
(function () {
  "use strict";
  function fold(nav) {
    var button = nav.querySelector(".menu-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-menu]"), fold);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
