// Where the member lands after a write (progressive enhancement: without this script the
// page opens at the same place, the crisis panel takes focus through `autofocus`, and the
// confirmations stay at the top of the page).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const support = document.querySelector("[data-crisis-landing]");
  if (support) {
    // The crisis-support panel is what the writer sees and hears first.
    support.scrollIntoView({ block: "start" });
    support.focus({ preventScroll: true });
    return;
  }
  showMessagesWhereTheMemberLands();
});

// A page opened at a place further down (a new reply: #post-6) shows its confirmations
// ("Your reply was posted.") at the top of that place, in view, not at the unseen top of the
// page. Inside the target, not before it: the browser's own scroll to the fragment (which may
// come after this script) then still shows them.
function showMessagesWhereTheMemberLands() {
  const messages = document.querySelector("[data-messages]");
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (!messages || !id) return;
  const target = document.getElementById(id);
  if (!target || target.id === "main" || target.contains(messages) || messages.contains(target)) return;
  if (target.matches("input, textarea, select, button, img")) target.before(messages);
  else target.prepend(messages);
  target.scrollIntoView({ block: "start" });
}
