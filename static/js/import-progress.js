// The registry import page while a job runs: asks the server for the job's progress every
// two seconds and shows it; once the job has ended the page is loaded again with its report.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";

  var box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  var bar = document.getElementById("import-progress-bar");
  var label = document.getElementById("import-progress-label");
  var text = document.getElementById("import-progress-text");
  var url = box.dataset.statusUrl;
  var EVERY_MS = 2000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        if (status.finished) {
          window.location.reload();
          return;
        }
        bar.value = status.percent;
        bar.textContent = status.percent + "%";
        label.textContent = status.label;
        text.textContent = status.text;
        window.setTimeout(poll, EVERY_MS);
      })
      .catch(function () {
        // A passing failure (network, restart): try again a little later.
        window.setTimeout(poll, EVERY_MS * 3);
      });
  }

  window.setTimeout(poll, EVERY_MS);
})();
