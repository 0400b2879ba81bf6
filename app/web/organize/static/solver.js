// The solver run page: follow the search's progress, then show its proposal.
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || !box.dataset.working) return;
  var bar = document.getElementById("run-progress");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (run) {
        if (!run.working) { window.location.reload(); return; }
        if (bar) bar.value = Math.min(run.elapsed_s, run.time_limit_s);
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
