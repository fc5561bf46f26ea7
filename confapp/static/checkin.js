// Check-in desk: keep the scan field focused, send scans and undos without reloading, poll the
// counter, and scan with the camera where the browser has BarcodeDetector. The page works
// without this: the same forms then post and the server renders the result.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var input = document.getElementById("payload");
  var result = document.getElementById("result");
  var resultText = document.getElementById("result-text");
  var resultActions = result.querySelector(".result-actions");
  var undoTemplate = document.getElementById("undo-template");
  var checkedIn = document.getElementById("count-checked-in");
  var confirmed = document.getElementById("count-confirmed");
  var script = document.currentScript || document.querySelector("script[data-counts-url]");
  var countsUrl = script.getAttribute("data-counts-url");
  var symbols = { checked_in: "✓", already: "!", undone: "↩" };

  function focusInput() {
    var active = document.activeElement;
    // Keep the scanner's field focused unless the user is working in another control.
    if (!active || active === document.body || active === input) input.focus();
  }
  input.focus();
  document.addEventListener("click", function () { setTimeout(focusInput, 0); });

  function text(tag, className, value) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  // The same result the server renders without JavaScript: headline, person, and the undo
  // form (cloned from a <template> that carries the CSRF token) after a check-in.
  function show(data) {
    result.className = "checkin-result outcome-" + data.outcome;
    resultText.textContent = "";
    resultActions.textContent = "";
    var headline = text("p", "headline", "");
    var symbol = text("span", "symbol", symbols[data.outcome] || "✗");
    symbol.setAttribute("aria-hidden", "true");
    headline.appendChild(symbol);
    headline.appendChild(document.createTextNode(" " + data.headline + (data.detail ? " " + data.detail : "")));
    resultText.appendChild(headline);
    if (data.name) resultText.appendChild(text("p", "who", data.name + (data.organisation ? " · " + data.organisation : "")));
    if (data.workshops) resultText.appendChild(text("p", "", result.getAttribute("data-workshops-label") + ": " + data.workshops));
    if (data.undo_url) {
      var undo = undoTemplate.content.firstElementChild.cloneNode(true);
      undo.setAttribute("action", data.undo_url);
      resultActions.appendChild(undo);
    }
    if (typeof data.checked_in === "number") {
      checkedIn.textContent = data.checked_in;
      confirmed.textContent = data.confirmed;
    }
  }

  // Post a form and show the JSON answer; if that fails, post it the ordinary way.
  function send(target) {
    var body = new FormData(target);
    return fetch(target.action, { method: "POST", body: body, headers: { Accept: "application/json" },
                                  credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(show)
      .catch(function () { target.submit(); })
      .finally(function () { input.focus(); });
  }

  form.addEventListener("submit", function (event) {
    if (!window.fetch) return;
    event.preventDefault();
    send(form);  // reads the field before it is cleared for the next scan
    input.value = "";
  });

  // Also the undo form rendered by the server after a scan without JavaScript.
  result.addEventListener("submit", function (event) {
    if (!window.fetch || !event.target.classList.contains("undo-form")) return;
    event.preventDefault();
    send(event.target);
  });

  setInterval(function () {
    fetch(countsUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { checkedIn.textContent = data.checked_in; confirmed.textContent = data.confirmed; })
      .catch(function () {});
  }, 5000);

  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("camera-button");
  var video = document.getElementById("camera");
  button.hidden = false;
  var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  var stream = null;
  var last = "";
  button.addEventListener("click", function () {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; video.hidden = true; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s; video.srcObject = s; video.hidden = false; video.play();
      (function scanFrame() {
        if (!stream) return;
        detector.detect(video).then(function (codes) {
          if (codes.length && codes[0].rawValue !== last) {
            last = codes[0].rawValue;
            input.value = last;
            form.requestSubmit();
            setTimeout(function () { last = ""; }, 3000);
          }
        }).catch(function () {}).finally(function () { setTimeout(scanFrame, 250); });
      })();
    });
  });
})();
