// Enhancements only: the pages work without this script.
// While the server re-checks badges in the background, poll the page's status feed and update the pills in place.
(function () {
  "use strict";
  var intro = document.querySelector("[data-token]");
  if (intro && intro.getAttribute("data-checking") === "true") {
    var token = intro.getAttribute("data-token");
    var tries = 0;
    var poll = function () {
      tries += 1;
      fetch("/s/" + encodeURIComponent(token) + "/status.json", { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (badges) {
          var pending = false;
          badges.forEach(function (badge) {
            var pill = document.querySelector('[data-badge="' + CSS.escape(badge.id) + '"] [data-pill]');
            if (!pill) { return; }
            if (badge.status === "unchecked") { pending = true; }
            pill.className = "pill pill-" + badge.status;
            pill.textContent = "";
            var icon = document.createElement("span");
            icon.setAttribute("aria-hidden", "true");
            icon.textContent = badge.symbol + " ";
            var word = document.createElement("strong");
            word.textContent = badge.word;
            var when = document.createElement("span");
            when.className = "checked";
            when.textContent = " · " + badge.checked;
            pill.append(icon, word, when);
          });
          if ((pending || tries < 3) && tries < 10) { setTimeout(poll, 2000); }
        })
        .catch(function () {});
    };
    setTimeout(poll, 1500);
  }
  // Select the embed snippet in one tap.
  var embed = document.getElementById("embed-code");
  if (embed) { embed.addEventListener("focus", function () { embed.select(); }); }
})();
