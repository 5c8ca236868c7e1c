// ccrd's status page, live: the server sends the estate section again (rendered the same way
// as the page itself) whenever the estate changes, over server-sent events. Without this
// script the page is a static snapshot. No framework, no build step.
(function () {
  "use strict";
  var estate = document.getElementById("estate");
  var live = document.getElementById("live");
  if (!estate || !live || !window.EventSource) {
    return;
  }
  var say = function (state, text) {
    live.dataset.state = state;
    live.textContent = text;
  };
  var source = new EventSource("status/stream");
  source.addEventListener("open", function () {
    say("live", "Live: updates as the estate changes.");
  });
  source.addEventListener("estate", function (event) {
    var update = JSON.parse(event.data);
    estate.innerHTML = update.html;
    estate.dataset.version = String(update.version);
    estate.dataset.updates = String(Number(estate.dataset.updates || "0") + 1);
    say("live", "Live: updated at " + update.labTime + " UTC (lab time).");
  });
  // The session ended (signed out, expired, or its token revoked): back to the sign-in page.
  source.addEventListener("expired", function () {
    source.close();
    window.location.reload();
  });
  source.addEventListener("error", function () {
    say("lost", "Connection to ccrd lost; retrying. What is shown may be out of date.");
  });
})();
