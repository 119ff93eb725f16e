// Forms marked data-submit-once send once: a double click or a second tap while the page
// loads would otherwise submit the same inquiry twice.
(function () {
  "use strict";

  function buttons(form) {
    return form.querySelectorAll("button[type=submit], input[type=submit]");
  }

  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
      buttons(form).forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
  });

  // Coming back with the browser's Back button shows the page from its cache: let the form
  // be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitting;
      buttons(form).forEach(function (button) {
        button.removeAttribute("aria-disabled");
      });
    });
  });
})();
