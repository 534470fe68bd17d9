// When an htmx request fails (a filter, an inline edit), say so instead of doing nothing.
// Answers the page is built to show (409 conflicts, 422 form errors) are swapped in by htmx
// itself (the htmx-config meta tag in base.html); this covers the rest and lost connections.
(function () {
  "use strict";

  var MESSAGES = {
    0: "The site could not be reached. Check your connection and try again.",
    400: "The site could not understand that request. Reload the page and try again.",
    403: "That was refused: you may have been signed out, or the page is out of date. Reload the page, sign in again if need be, and try again.",
    404: "That is no longer there: someone may have removed or renamed it. Reload the page.",
    413: "That is too large for the site to accept.",
    429: "Too many attempts. Wait a few minutes, then try again.",
    503: "Ceasefire Monitor's database is not answering just now, so nothing was changed. Try again in a moment.",
  };

  function box() {
    return document.getElementById("request-error");
  }

  function show(status) {
    var alert = box();
    if (!alert) return;
    alert.querySelector("[data-request-error-message]").textContent =
      MESSAGES[status] ||
      "Something went wrong on the site (error " + status + "), so nothing was changed. Reload the page and try again.";
    alert.hidden = false;
    alert.focus();
  }

  document.addEventListener("htmx:responseError", function (event) {
    show(event.detail.xhr.status);
  });
  document.addEventListener("htmx:sendError", function () {
    show(0);
  });
  // A request that succeeds afterwards clears the message.
  document.addEventListener("htmx:afterRequest", function (event) {
    var alert = box();
    if (alert && event.detail.successful) alert.hidden = true;
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-request-error-dismiss]")) box().hidden = true;
  });

  // htmx wires up the page once it has loaded and then announces it with htmx:load on <body>;
  // until then a click on an hx- link is a plain navigation. Mark the moment, for browser tests
  // and tools that need the page's in-place editing to be live.
  document.addEventListener("htmx:load", function (event) {
    if (event.target === document.body) document.documentElement.setAttribute("data-htmx-ready", "");
  });
})();

// The workspace: a "select all" box per queue (hidden without JavaScript, which it needs) ticks or
// clears that queue's rows on the page.
(function () {
  "use strict";

  function wire(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (all) {
      all.hidden = false;
    });
  }

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    var queue = all.getAttribute("data-select-all");
    document.querySelectorAll('input[data-queue="' + queue + '"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
  });
  document.addEventListener("htmx:load", function (event) {
    wire(event.target);
  });
})();
