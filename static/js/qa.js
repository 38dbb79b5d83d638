// A live Q&A session: the socket only says "changed"; the page then fetches the question
// list over HTTP (where the policy decides what this viewer sees). After a reconnect the
// same fetch brings everything missed. Without this script the page works with reloads.
(() => {
  "use strict";
  const root = document.querySelector("[data-qa]");
  if (!root || !window.WebSocket) return;
  const questions = root.querySelector("[data-qa-questions]");
  const offline = root.querySelector("[data-qa-offline]");
  const announcer = root.querySelector("[data-qa-announcer]");
  let socket = null;
  let delay = 1000;
  let heartbeat = null;
  let fetching = false;
  let again = false;

  // A host writing an answer (or with host tools open) is never interrupted: the list is
  // brought up to date as soon as they leave it.
  const busy = () =>
    questions.contains(document.activeElement) ||
    [...questions.querySelectorAll("textarea, input[type=text], input[type=number]")].some(
      (field) => field.value
    ) ||
    questions.querySelector("details[open]") !== null;
  let waiting = false;
  questions.addEventListener("focusout", () => {
    if (waiting) setTimeout(refresh, 0);
  });

  function announce(words) {
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = words; }, 50); // set anew: read again
  }

  async function refresh() {
    if (busy()) {
      waiting = true;
      return;
    }
    waiting = false;
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const response = await fetch(root.dataset.refreshUrl, {
        headers: { "HX-Request": "true" },
        redirect: "manual",
        cache: "no-store",
      });
      // Only our own fragment goes in; anything else (logged out, documents to accept,
      // two-factor set-up) is shown by loading the page itself.
      if (response.status !== 200 || response.headers.get("X-QA-Fragment") !== "1") {
        window.location.reload();
        return;
      }
      const html = await response.text();
      if (busy()) {
        waiting = true;
        return;
      }
      const before = questions.textContent;
      questions.innerHTML = html;
      if (questions.textContent !== before) announce(root.dataset.textUpdated || "");
    } finally {
      fetching = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  function connect() {
    if (socket) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${root.dataset.socket}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      offline.textContent = "";
      refresh(); // whatever changed while away
      heartbeat = setInterval(() => socket && socket.send(JSON.stringify({ type: "heartbeat" })), 25000);
    });
    socket.addEventListener("message", (event) => {
      if (JSON.parse(event.data).type === "changed") refresh();
    });
    socket.addEventListener("close", (event) => {
      clearInterval(heartbeat);
      socket = null;
      if ([4401, 4403, 4451].includes(event.code)) {
        window.location.reload();
        return;
      }
      offline.textContent = root.dataset.textOffline;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  window.addEventListener("online", () => {
    delay = 1000;
    connect();
  });
  connect();
})();
