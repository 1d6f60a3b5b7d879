// The organiser's page: sign in with a key, then the organiser's events or the member's
// partner suggestions, by the key's role. Routes live in the address's hash:
//   #/                      events (organiser, admin) or suggestions (member)
//   #/event/<id>/<tab>      one event: participants, rooms, breakouts, meetings
//   #/scoring               the learned scorers; an administrator learns one

import { getJson, storedKey, storeKey } from "./api.js";
import { clear, fill, h, showError, showMessage } from "./dom.js";
import { renderEvent, renderEvents } from "./organiser.js";
import { renderMember } from "./member.js";
import { renderScoring } from "./scoring.js";

const signIn = document.getElementById("sign-in");
const keyForm = document.getElementById("key-form");
const keyInput = document.getElementById("key-input");
const keyError = document.getElementById("key-error");
const view = document.getElementById("view");
const who = document.getElementById("who");
const signOut = document.getElementById("sign-out");
const scoringLink = document.getElementById("scoring-link");

const ROLE_NAMES = { admin: "administrator", organiser: "organiser", member: "member" };

let me = null;

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts[0] === "event" && parts[1]) return { name: "event", id: parts[1], tab: parts[2] ?? "participants" };
  if (parts[0] === "scoring") return { name: "scoring" };
  return { name: "home" };
}

function showSignIn(error) {
  me = null;
  who.hidden = true;
  signOut.hidden = true;
  scoringLink.hidden = true;
  clear(view);
  signIn.hidden = false;
  if (error) showError(keyError, error);
  keyInput.focus();
}

async function start() {
  const key = storedKey();
  if (!key) {
    showSignIn();
    return;
  }
  try {
    ({ data: me } = await getJson("/api/me"));
  } catch (error) {
    if (error.status === 401) storeKey("");
    showSignIn(error);
    return;
  }
  signIn.hidden = true;
  who.hidden = false;
  signOut.hidden = false;
  scoringLink.hidden = !(me.role === "admin" || me.role === "organiser");
  const role = ROLE_NAMES[me.role] ?? me.role;
  who.textContent = `${me.name || me.subject} · ${role}`;
  await route();
}

async function route() {
  if (!me) return;
  const r = parseRoute();
  try {
    if (me.role === "member") {
      await renderMember(view, me);
    } else if (me.role === "organiser" || me.role === "admin") {
      if (r.name === "event") await renderEvent(view, me, r.id, r.tab);
      else if (r.name === "scoring") await renderScoring(view, me);
      else await renderEvents(view);
    } else {
      fill(view,
        h("p", { class: "message error" }, `This page has nothing for the role "${me.role}".`),
      );
    }
  } catch (error) {
    const slot = h("div", { class: "message-slot", role: "alert" });
    fill(view, slot);
    showError(slot, error);
  }
}

keyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    showMessage(keyError, "Enter your key first.", "error");
    keyInput.focus();
    return;
  }
  clear(keyError);
  storeKey(key);
  keyInput.value = "";
  await start();
});

signOut.addEventListener("click", () => {
  storeKey("");
  if (location.hash && location.hash !== "#/") history.replaceState(null, "", "#/");
  showSignIn();
  showMessage(keyError, "Signed out. The key is forgotten in this tab.", "note");
});

window.addEventListener("hashchange", () => {
  route();
});

start();
