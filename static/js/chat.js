// The live chat room: a WebSocket that reconnects with backoff, asks for every change after
// the last one it saw, and keeps what the member writes while offline until the server has
// acknowledged it (each message carries an id, so a resend never makes a second one).
// Every change in the room is numbered without gaps (`seq`): a number that skips means a
// broadcast was lost (say, Redis restarted), and the page asks for a replay; the heartbeat's
// answer carries the latest number, so a lost last message is fetched too.
// Without this script the room still works as a page with a form.
(() => {
  "use strict";
  const root = document.querySelector("[data-chat]");
  if (!root || !window.WebSocket) return;
  const text = root.dataset;
  const myKey = text.myKey;
  const list = root.querySelector("[data-chat-messages]");
  const form = root.querySelector("[data-chat-form]");
  const input = form ? form.querySelector("textarea[name=text]") : null;
  const errorBox = root.querySelector("[data-chat-error]");
  const offlineBanner = root.querySelector("[data-chat-offline]");
  const presence = root.querySelector("[data-chat-presence]");
  const typing = root.querySelector("[data-chat-typing]");
  const announcer = root.querySelector("[data-chat-announcer]");
  let lastId = Number(text.lastId || 0);
  // Every change up to seenSeq is on screen; numbers above it that arrived early wait in
  // `early` until the ones before them come (broadcasts from two servers may cross).
  let seenSeq = Number(text.lastSeq || 0);
  const early = new Set();
  let gapTimer = null;
  let replaying = false;
  let socket = null;
  let delay = 1000;
  let heartbeat = null;
  let lastTypingSent = 0;
  let typingTimer = null;
  const personalBox = root.querySelector("[data-chat-personal]");
  // Client id -> {text, personal_data}, until the server acknowledges it; kept in
  // sessionStorage so that a reload (or a page that reloads itself) loses nothing written.
  const outboxKey = `chat-outbox:${text.socket}`;
  const outbox = new Map(
    JSON.parse(window.sessionStorage.getItem(outboxKey) || "[]").map(([clientId, entry]) => [
      clientId,
      typeof entry === "string" ? { text: entry } : entry,
    ]),
  );
  const keepOutbox = () => window.sessionStorage.setItem(outboxKey, JSON.stringify([...outbox]));
  // Messages the server held back for personal details, oldest first: {text, findings,
  // fingerprint}. The first is asked about; each answer goes with its own text, nothing lost.
  const refusedKey = `chat-refused:${text.socket}`;
  const refused = JSON.parse(window.sessionStorage.getItem(refusedKey) || "[]");
  const keepRefused = () => window.sessionStorage.setItem(refusedKey, JSON.stringify(refused));
  let composerHoldsRefused = false; // the first refused message is in the composer to change

  const newClientId = () =>
    window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : `${Date.now()}-${Math.random().toString(16).slice(2)}`;

  const urlFor = (template, id) => template.replace("/0/", `/${id}/`);

  // A message's time as the server writes it on reload: in the member's time zone (not the
  // browser's) and in the language's TIME_FORMAT (config/formats/), so a message reads the
  // same received live and after a reload. Knows Django's H, G, i, s and \-escapes.
  let clockParts = null;
  try {
    clockParts = new Intl.DateTimeFormat("en-GB", {
      timeZone: text.timeZone || undefined,
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
  } catch (error) {
    clockParts = null; // an unknown zone: fall back to the browser's below
  }
  function clockTime(iso) {
    const moment = new Date(iso);
    if (!clockParts) return moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const parts = Object.fromEntries(clockParts.formatToParts(moment).map((p) => [p.type, p.value]));
    const pattern = text.timeFormat || "H:i";
    let out = "";
    for (let i = 0; i < pattern.length; i += 1) {
      const c = pattern[i];
      if (c === "\\") out += pattern[(i += 1)] || "";
      else if (c === "H") out += parts.hour;
      else if (c === "G") out += String(Number(parts.hour));
      else if (c === "i") out += parts.minute;
      else if (c === "s") out += parts.second;
      else out += c;
    }
    return out;
  }

  function link(href, label) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    return a;
  }

  function place(item, id) {
    const later = [...list.querySelectorAll("li[data-id]")].find((li) => Number(li.dataset.id) > id);
    list.insertBefore(item, later || null);
    const empty = root.querySelector("[data-chat-empty]");
    if (empty) empty.remove();
  }

  function oldestShownId() {
    const first = list.querySelector("li[data-id]");
    return first ? Number(first.dataset.id) : Infinity;
  }

  function show(event) {
    let item = document.getElementById(`message-${event.id}`);
    // An older state of a message than the one on screen (broadcasts crossing a replay).
    if (item && Number(item.dataset.seq || 0) > (event.seq || 0)) return;
    // A change to a message from before the earliest one on screen, while earlier ones are
    // still to be loaded, is not shown as if it were new. (With nothing earlier left, a
    // lower id is a message that was committed late, or whose broadcast was lost: shown.)
    const earlierToLoad = root.querySelector("[data-chat-older]");
    if (!item && earlierToLoad && earlierToLoad.isConnected && event.id < oldestShownId()) return;
    const isNew = !item;
    const own = event.author_key === myKey;
    const unseen = event.id > lastId;
    if (isNew) {
      item = document.createElement("li");
      item.id = `message-${event.id}`;
      item.dataset.id = event.id;
    }
    if (event.seq) item.dataset.seq = event.seq;
    item.className = `chat-message${own ? " is-own" : ""}`;
    const meta = document.createElement("p");
    meta.className = "chat-meta";
    const author = document.createElement("span");
    author.className = "post-author";
    author.textContent = event.author || text.textFormer;
    const time = document.createElement("time");
    time.dateTime = event.created_at;
    time.textContent = clockTime(event.created_at);
    meta.append(author, " ");
    if (event.clinician) {
      const badge = document.createElement("span");
      badge.className = "badge badge-clinician";
      badge.textContent = text.textClinician;
      meta.append(badge, " ");
    }
    meta.append(time);
    if (event.edited && event.state === "shown") {
      const edited = document.createElement("span");
      edited.className = "muted";
      edited.textContent = ` ${text.textEdited}`;
      meta.append(edited);
    }
    const parts = [meta];
    if (event.state === "shown") {
      const body = document.createElement("div");
      body.className = "prose chat-text";
      body.innerHTML = event.html; // sanitised on the server (markup: markdown-it + nh3)
      const actions = document.createElement("p");
      actions.className = "post-actions";
      if (own) {
        actions.append(link(urlFor(text.editUrl, event.id), text.textEdit), " ",
          link(urlFor(text.deleteUrl, event.id), text.textDelete));
      } else {
        actions.append(link(urlFor(text.flagUrl, event.id), text.textFlag));
        if (text.reviewUrl) actions.append(" ", link(urlFor(text.reviewUrl, event.id), text.textModerate));
      }
      parts.push(body, actions);
      if (unseen && !own) {
        announcer.textContent = `${author.textContent}: ${body.textContent}`;
      }
    } else {
      const note = document.createElement("p");
      note.className = "post-deleted";
      note.textContent = event.state === "deleted" ? text.textDeleted : text.textWithheld;
      parts.push(note);
    }
    item.replaceChildren(...parts);
    if (isNew) place(item, event.id);
    lastId = Math.max(lastId, event.id);
  }

  function showPending(clientId, body) {
    const item = document.createElement("li");
    item.className = "chat-message is-own is-pending";
    item.dataset.pending = clientId;
    const note = document.createElement("p");
    note.className = "chat-meta muted";
    note.textContent = text.textSending;
    const content = document.createElement("p");
    content.className = "chat-text";
    content.textContent = body;
    item.append(note, content);
    list.append(item);
  }

  function dropPending(clientId) {
    const item = list.querySelector(`li[data-pending="${CSS.escape(String(clientId))}"]`);
    if (item) item.remove();
  }

  function setOffline(isOffline) {
    // The status region stays in the page; only its text comes and goes (announced).
    offlineBanner.textContent = isOffline ? text.textOffline : "";
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function sendOne(clientId, entry) {
    send({ type: "send", client_id: clientId, text: entry.text, personal_data: entry.personal_data });
  }

  // Everything still unacknowledged (after a reconnect, or a "try again in a moment").
  function flush() {
    for (const [clientId, entry] of outbox) sendOne(clientId, entry);
  }

  function refuse(frame) {
    errorBox.hidden = false;
    errorBox.textContent = frame.message;
    const later = frame.code === "slow_down" || frame.code === "unavailable";
    if (later && outbox.has(frame.client_id)) {
      setTimeout(flush, 5000); // kept, and sent again in a moment: nothing is lost
      return;
    }
    if (frame.client_id && outbox.has(frame.client_id)) {
      const words = outbox.get(frame.client_id).text;
      outbox.delete(frame.client_id);
      keepOutbox();
      dropPending(frame.client_id);
      if (frame.code === "personal_data" && personalBox) {
        refused.push({ text: words, findings: frame.findings, fingerprint: frame.fingerprint });
        keepRefused();
        if (refused.length === 1) askAboutPersonalData();
      } else if (input && !input.value.trim()) {
        input.value = words; // nothing lost: the words go back into the box if it is empty
      }
    }
  }

  // Personal details in a message: nothing was sent. The first such message goes back into
  // an empty composer (or is quoted when the author is writing something else), and the
  // author changes it, or says whose details they are and sends it as it is.
  function askAboutPersonalData() {
    if (!personalBox) return;
    const entry = refused[0];
    if (!entry) {
      personalBox.hidden = true;
      composerHoldsRefused = false;
      return;
    }
    const typed = input.value.trim();
    composerHoldsRefused = !typed || typed === entry.text;
    if (composerHoldsRefused) input.value = entry.text;
    const quote = personalBox.querySelector("[data-chat-personal-text]");
    quote.textContent = composerHoldsRefused ? "" : entry.text;
    quote.hidden = composerHoldsRefused;
    personalBox.querySelector("[data-chat-personal-findings]").replaceChildren(
      ...entry.findings.map((finding) => {
        const item = document.createElement("li");
        const detail = document.createElement("strong");
        detail.textContent = finding.text;
        item.append(`${finding.label}: `, detail);
        return item;
      }),
    );
    personalBox.hidden = false;
    personalBox.focus();
  }

  function answerAboutPersonalData(answer) {
    const entry = refused[0];
    const body = composerHoldsRefused ? input.value.trim() : entry && entry.text;
    if (!body) return;
    refused.shift();
    keepRefused();
    if (composerHoldsRefused) input.value = "";
    composerHoldsRefused = false;
    queueMessage(body, { answer, fingerprint: entry.fingerprint });
    input.focus();
    askAboutPersonalData(); // the next one held back, if any
  }

  function queueMessage(body, personalData) {
    errorBox.hidden = true;
    const clientId = newClientId();
    const entry = personalData ? { text: body, personal_data: personalData } : { text: body };
    outbox.set(clientId, entry);
    keepOutbox();
    showPending(clientId, body);
    sendOne(clientId, entry); // the others still waiting go again on reconnect or retry
  }

  function replay() {
    clearTimeout(gapTimer);
    gapTimer = null;
    if (send({ type: "replay", after_seq: seenSeq })) replaying = true;
  }

  // A numbered change arrived live: move seenSeq on, or notice that one is missing and,
  // unless it turns up within a moment, ask for everything after the last one seen.
  function noteChange(seq) {
    if (!seq || seq <= seenSeq) return;
    early.add(seq);
    while (early.has(seenSeq + 1)) early.delete(++seenSeq);
    if (early.size && !gapTimer && !replaying) gapTimer = setTimeout(replay, 500);
  }

  function replayed(frame) {
    frame.messages.forEach(show);
    const last = frame.messages.reduce((most, event) => Math.max(most, event.seq || 0), 0);
    seenSeq = Math.max(seenSeq, last);
    early.forEach((seq) => { if (seq <= seenSeq) early.delete(seq); });
    while (early.has(seenSeq + 1)) early.delete(++seenSeq);
    replaying = false;
    if (!frame.complete || early.size) replay();
  }

  function receive(frame) {
    if (frame.type === "message") {
      show(frame);
      noteChange(frame.seq);
    } else if (frame.type === "replay") replayed(frame);
    else if (frame.type === "ack" || frame.type === "edited") {
      if (frame.crisis) {
        const panel = root.querySelector("[data-chat-crisis]");
        panel.hidden = false;
        panel.focus(); // the support is the next thing read
      }
      if (frame.type === "edited") return;
      outbox.delete(frame.client_id);
      keepOutbox();
      dropPending(frame.client_id);
      show(frame.message);
      noteChange(frame.message.seq);
    } else if (frame.type === "error") refuse(frame);
    else if (frame.type === "muted") window.location.reload(); // the page shows why
    else if (frame.type === "presence") {
      showPresence(frame);
      // The heartbeat's answer: changes after the last one seen were missed.
      if (frame.seq > seenSeq && !replaying) replay();
    } else if (frame.type === "typing" && frame.author_key !== myKey) {
      typing.textContent = text.textTyping.replace("{name}", () => frame.author);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => { typing.textContent = ""; }, 4000);
    }
  }

  // Who is here: the whole list comes on joining and with each heartbeat's answer; between
  // them the room sends only who came ("joined") and who went ("left").
  const present = new Map();
  function showPresence(frame) {
    if (frame.members) present.clear();
    for (const member of (frame.members || []).concat(frame.joined || [])) {
      present.set(member.key, member.name);
    }
    for (const key of frame.left || []) present.delete(key);
    presence.textContent = [...present.values()]
      .sort((a, b) => a.localeCompare(b))
      .join(", ");
  }

  function connect() {
    if (socket) return;
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${text.socket}`);
    socket.addEventListener("open", () => {
      delay = 1000;
      setOffline(false);
      replaying = false;
      replay();
      flush();
      heartbeat = setInterval(() => send({ type: "heartbeat" }), 25000);
    });
    socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      clearInterval(heartbeat);
      socket = null;
      // Logged out, no longer allowed, or documents to accept: the page says what to do.
      if ([4401, 4403, 4451].includes(event.code)) {
        window.location.reload();
        return;
      }
      setOffline(true);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  window.addEventListener("offline", () => {
    setOffline(true);
    if (socket) socket.close();
  });
  window.addEventListener("online", () => {
    delay = 1000;
    connect();
  });

  if (form && input) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = input.value.trim();
      if (!body) {
        refuse({ message: text.textEmpty });
        return;
      }
      if (composerHoldsRefused) {
        // The author changed the held-back message (or sends it again to be asked anew).
        refused.shift();
        keepRefused();
        composerHoldsRefused = false;
      }
      queueMessage(body);
      input.value = "";
      askAboutPersonalData(); // hides the question, or asks about the next held-back message
    });
    if (personalBox) {
      personalBox.addEventListener("click", (event) => {
        const button = event.target.closest("[data-personal-answer]");
        if (button) answerAboutPersonalData(button.dataset.personalAnswer);
      });
    }
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    input.addEventListener("input", () => {
      if (Date.now() - lastTypingSent > 3000 && send({ type: "typing" })) lastTypingSent = Date.now();
    });
  }

  // Earlier messages load over HTTP when the link scrolls into view (or is activated).
  const older = root.querySelector("[data-chat-older]");
  if (older) {
    let loading = false;
    const loadOlder = async () => {
      if (loading) return;
      loading = true;
      try {
        const response = await fetch(older.href, { headers: { "HX-Request": "true" } });
        if (!response.ok) return; // the link still works as a plain page
        const page = document.createElement("template");
        page.innerHTML = await response.text();
        const items = [...page.content.querySelectorAll("li[data-id]")];
        items.reverse().forEach((item) => list.prepend(item));
        if (items.length) {
          older.href = `${text.olderUrl}?before=${items[items.length - 1].dataset.id}`;
        } else {
          const focused = document.activeElement === older;
          older.parentElement.remove();
          const first = list.querySelector("li[data-id]");
          if (focused && first) {
            first.tabIndex = -1;
            first.focus(); // keep keyboard users in the conversation
          }
        }
      } finally {
        loading = false;
      }
    };
    older.addEventListener("click", (event) => {
      event.preventDefault();
      loadOlder();
    });
    if (window.IntersectionObserver) {
      // Only once the member scrolls: the link is often in view when the page opens.
      window.addEventListener("scroll", () => {
        new IntersectionObserver((entries) => {
          if (entries.some((entry) => entry.isIntersecting) && older.isConnected) loadOlder();
        }).observe(older);
      }, { once: true });
    }
  }

  // From before a reload: what was still on its way, and what waits for an answer.
  for (const [clientId, entry] of outbox) showPending(clientId, entry.text);
  if (input) askAboutPersonalData();
  connect();
})();
