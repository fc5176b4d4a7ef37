// Live updates without reloading: while the page's live region says a job is queued or
// running, fetch the same region rendered by the server every 2 s and swap it in.
// No library; the server escapes everything it renders, and CSP keeps any script inert.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var RETRY_MS = 6000;
  var timer = null;

  function liveRoot() {
    return document.querySelector("[data-poll-url]");
  }

  function isActive(root) {
    return root !== null && root.getAttribute("data-active") === "true";
  }

  // Replace every [data-live] element of the page with its fresh copy (matched by id).
  function swapIn(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[data-live][id]").forEach(function (fresh) {
      var current = document.getElementById(fresh.id);
      if (current) {
        current.replaceWith(fresh);
      }
    });
  }

  function poll() {
    var root = liveRoot();
    if (!isActive(root)) {
      return;
    }
    fetch(root.getAttribute("data-poll-url"), {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (response.redirected) {
          // Sent elsewhere (e.g. the session ended and login is required): show that page.
          window.location.assign(response.url);
          return new Promise(function () {});
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        swapIn(html);
        schedule(POLL_MS);
      })
      .catch(function () {
        schedule(RETRY_MS);
      });
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    if (isActive(liveRoot())) {
      timer = window.setTimeout(poll, document.hidden ? delay * 3 : delay);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    schedule(POLL_MS);
  });
})();
