// Progressive enhancement only: every page works without JavaScript.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the main region when the skip link is used, for screen readers.
  const skip = document.querySelector(".skip-link");
  const main = document.getElementById("main");
  if (skip && main) {
    skip.addEventListener("click", () => main.focus());
  }
  connectBell();
  document.querySelectorAll("[data-mention-for]").forEach(setUpMentionHelper);
  sendFormsOnce();
  focusErrorSummary();
});

// A failed form: its error summary (at the top of the page) takes focus, so the member sees and
// hears what went wrong; each link in it moves focus to its field with the field's label in view.
function focusErrorSummary() {
  const summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link) return;
    const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`) || field.closest("fieldset, label");
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
  });
}

// A form is sent once: while the page is busy sending, its buttons are off, so a double
// click (or an impatient second tap on a slow phone) does not send it again. The server
// stores a repeat once anyway (each creating form carries a one-time key). Forms that
// scripts send themselves (the chat composer, htmx) are left to those scripts.
function sendFormsOnce() {
  const release = (form) => {
    delete form.dataset.sending;
    form.removeAttribute("aria-busy");
    form.querySelectorAll("button[data-sending-off]").forEach((button) => {
      button.disabled = false;
      delete button.dataset.sendingOff;
    });
  };
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if (form.method.toLowerCase() !== "post") return;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "true";
    form.setAttribute("aria-busy", "true");
    // After this event: a button disabled now would leave its name and value out.
    setTimeout(() => {
      form.querySelectorAll("button:not([disabled])").forEach((button) => {
        button.disabled = true;
        button.dataset.sendingOff = "true";
      });
    }, 0);
    // No answer for a long while (a lost connection): the member may send again, safely.
    setTimeout(() => release(form), 15000);
  });
  // Coming back with the Back button shows the page as it was left: usable again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-sending]").forEach(release);
  });
}

// The bell's unread count, kept live over the member's own WebSocket. Without it, the
// count is still right on every page load.
function connectBell() {
  const bell = document.querySelector("[data-notifications-socket]");
  if (!bell || !("WebSocket" in window)) return;
  const counter = bell.querySelector("[data-bell-count]");
  const announcer = document.querySelector("[data-bell-announcer]");
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${window.location.host}${bell.dataset.notificationsSocket}`;
  let delay = 1000;

  function show(count) {
    const previous = Number(counter.firstChild.nodeValue);
    counter.firstChild.nodeValue = String(count);
    counter.classList.toggle("is-zero", count === 0);
    bell.dataset.unread = String(count);
    if (announcer && count > previous) {
      announcer.textContent = (bell.dataset.announce || "{count}").replace("{count}", count);
    }
  }

  function open() {
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => { delay = 1000; });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "unread") show(data.count);
    });
    socket.addEventListener("close", (event) => {
      // 4401: logged out (or the session ended); 4403: not this member's channel; 4451:
      // documents to accept first (the next page says so). Trying again cannot help.
      if ([4401, 4403, 4451].includes(event.code)) return;
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  open();
}

// "@name" helper: suggestions come only from the group's members.
function setUpMentionHelper(helper) {
  const textarea = document.getElementById(helper.dataset.mentionFor);
  const input = helper.querySelector("input");
  const list = helper.querySelector("datalist");
  const insert = helper.querySelector("[data-mention-insert]");
  if (!textarea || !input || !list || !insert) return;
  helper.hidden = false;

  input.addEventListener("input", async () => {
    const query = input.value.trim();
    if (!query) return;
    const response = await fetch(`${helper.dataset.suggestUrl}?q=${encodeURIComponent(query)}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const data = await response.json();
    list.replaceChildren(...data.names.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      return option;
    }));
  });

  insert.addEventListener("click", () => {
    const name = input.value.trim();
    if (!name) return;
    const mention = `@${name} `;
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    textarea.value = textarea.value.slice(0, start) + mention + textarea.value.slice(end);
    textarea.focus();
    textarea.selectionStart = textarea.selectionEnd = start + mention.length;
    input.value = "";
  });
}
