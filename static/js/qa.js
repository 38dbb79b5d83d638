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

  async function refresh() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      const response = await fetch(root.dataset.refreshUrl, { headers: { "HX-Request": "true" } });
      if (response.ok) {
        // Keep what a host is typing in an open form: replace only when nothing is focused inside.
        if (!questions.contains(document.activeElement) || document.activeElement === document.body) {
          const before = questions.textContent;
          questions.innerHTML = await response.text(); // our own server-rendered fragment
          if (questions.textContent !== before) announcer.textContent = root.dataset.textUpdated || "";
        } else {
          again = true;
        }
      }
    } finally {
      fetching = false;
      if (again) {
        again = false;
        setTimeout(refresh, 1000);
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
