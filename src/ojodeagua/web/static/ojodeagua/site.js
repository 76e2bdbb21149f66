/* Ojo de Agua: the few behaviours every page shares, kept out of the HTML so the pages run
 * under a Content-Security-Policy without inline scripts: a "Imprimir" button, and a choice that
 * shows its page as soon as it changes (the button beside it stays for pages without JavaScript). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
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
    nav.classList.add("js");
    button.hidden = false;
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
