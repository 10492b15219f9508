// Live board: when a facility's figures change, fetch the board table again
// and swap it in. The page works without this script (plain reload).
(function () {
  "use strict";
  var table = document.getElementById("board-table");
  if (!table || !window.EventSource) { return; }
  var status = document.getElementById("board-live");
  var pending = null;
  function refresh() {
    pending = null;
    fetch(window.location.href, { headers: { "X-Partial": "board" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) { table.innerHTML = html; table.setAttribute("data-updated", String(Date.now())); })
      .catch(function () { if (status) { status.textContent = status.getAttribute("data-live-off"); } });
  }
  var es = new EventSource("/api/v1/board/events");
  es.addEventListener("ping", function () {
    if (status) { status.textContent = status.getAttribute("data-live-on"); }
  });
  es.addEventListener("change", function () {
    if (!pending) { pending = setTimeout(refresh, 150); } // several changes at once: one fetch
  });
  es.onerror = function () { if (status) { status.textContent = status.getAttribute("data-live-off"); } };
}());
