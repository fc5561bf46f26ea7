// Q&A live lists (the participants' page and the big screen): poll the fragment endpoint every
// 2.5 s with If-None-Match, swap the list when it changed (a 304 costs the server one query), and
// tell screen readers politely what changed, only when it did. Paused while the tab is hidden.
// The fragment is the same for everyone (the server renders it once for all): this script marks
// the viewer's own votes in it (from the page's .qa-own data-voted: votes are cast by posting
// the page, so the page always knows them), gives its vote forms the viewer's CSRF token, and
// drops a question from "your questions not in the list" once it is in the list. Without
// JavaScript the pages work by reloading.
(function () {
  "use strict";
  var box = document.getElementById("qa-live");
  var announcer = document.getElementById("qa-announce");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-live-url");
  var etag = box.getAttribute("data-etag");
  var csrf = box.getAttribute("data-csrf") || "";
  // With the server keeping a rendered list for up to 0.5 s, a change shows within 3 s.
  var INTERVAL = 2500;
  var timer = null;
  var busy = false;

  function facts() {
    var root = box.querySelector(".qa-list, .screen-list");
    if (!root) return { pinned: "", count: 0, answered: 0 };
    return {
      pinned: root.getAttribute("data-pinned") || "",
      count: parseInt(root.getAttribute("data-count") || "0", 10),
      answered: parseInt(root.getAttribute("data-answered") || "0", 10)
    };
  }

  function announce(before, after) {
    var news = [];
    if (after.pinned !== before.pinned && after.pinned) news.push(box.getAttribute("data-stage-label"));
    if (after.count > before.count) news.push(box.getAttribute("data-new-label"));
    if (after.answered > before.answered) news.push(box.getAttribute("data-answered-label"));
    if (!news.length || !announcer) return;
    // Emptied first, so the same news twice in a row is read out again.
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = news.join(" "); }, 100);
  }

  var own = document.querySelector(".qa-own");
  var voted = own ? (own.getAttribute("data-voted") || "").split(" ") : [];

  function personalise() {
    if (own) {
      var mine = own.querySelectorAll("li[data-question]");
      for (var j = 0; j < mine.length; j++) {
        if (document.getElementById("q-" + mine[j].getAttribute("data-question"))) {
          mine[j].parentNode.removeChild(mine[j]);
        }
      }
      if (!own.querySelector("li")) {
        while (own.firstChild) own.removeChild(own.firstChild);
      }
    }
    var forms = box.querySelectorAll("form.vote-form");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      var token = form.querySelector("input[name=csrf_token]");
      if (token && !token.value) token.value = csrf;
      if (voted.indexOf(form.getAttribute("data-question")) < 0) continue;
      var action = form.querySelector("input[name=action]");
      var button = form.querySelector("button[data-unvote-label]");
      if (action && button) {
        action.value = "unvote";
        button.textContent = button.getAttribute("data-unvote-label");
        button.classList.add("voted");
      }
    }
  }

  function swap(html) {
    // Keep the keyboard focus on the same vote button when the list is replaced.
    var active = document.activeElement;
    var focusId = active && box.contains(active) ? active.id : null;
    var before = facts();
    box.innerHTML = html;
    personalise();
    announce(before, facts());
    if (focusId) {
      var again = document.getElementById(focusId);
      if (again) again.focus();
    }
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    var headers = { Accept: "text/html" };
    if (etag) headers["If-None-Match"] = etag;
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status !== 200) return null;
        etag = response.headers.get("ETag") || etag;
        return response.text();
      })
      .then(function (html) { if (html !== null) swap(html); })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .finally(function () { busy = false; });
  }

  function start() {
    if (timer === null) timer = window.setInterval(poll, INTERVAL);
  }
  function stop() {
    if (timer !== null) { window.clearInterval(timer); timer = null; }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { stop(); } else { poll(); start(); }
  });
  start();
})();
