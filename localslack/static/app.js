// The local workspace page: who you act as, the conversation you look at, and the panes that
// show them. State comes from a long poll of /ui/state; everything you do is a POST that the
// server turns into a signed Slack request to the app.

import { post, StatePoller } from "./api.js";
import { collectState, renderBlocks, div } from "./blocks.js";
import { ClockPanel } from "./clock.js";
import { renderTimeline } from "./messages.js";
import { ModalLayer } from "./modal.js";

const $ = (id) => document.getElementById(id);
const view = { user: localStorage.getItem("localslack.user"), channel: null, tab: "home", thread: null };
let state = null;
const rendered = {}; // what each pane last drew, to leave it alone when nothing changed
let homeOpenedFor = null;

const poller = new StatePoller(
  () => ({ user: view.user || "", channel: view.channel || "", thread: view.thread || "" }),
  (data) => show(data),
  (error) => toast(`Lost the local workspace: ${error.message}`),
);

const modals = new ModalLayer({
  layer: $("modal-layer"),
  post,
  user: () => view.user,
  blockOpts: () => blockOpts(),
  toast,
});

const clock = new ClockPanel({ post, user: () => view.user, tz, toast, refresh: () => poller.restart() });

function tz() {
  const me = state?.users.find((u) => u.id === view.user);
  return me?.tz || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const ctx = {
  userName: (id) => {
    const user = state?.users.find((u) => u.id === id);
    return user ? user.real_name || user.name : undefined;
  },
  channelName: (id) => state?.conversations.find((c) => c.id === id)?.name,
};

function blockOpts() {
  return { ctx, users: state?.users.filter((u) => !u.is_bot) || [], channels: state?.conversations || [] };
}

// --- navigation --------------------------------------------------------------------------------

function readHash() {
  // #/CHANNEL, #/app/home, #/app/messages, and /thread/TS after any of them
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  const at = parts.indexOf("thread");
  view.channel = parts[0] || null;
  view.tab = view.channel === "app" && parts[1] !== "messages" && at !== 1 ? "home" : "messages";
  view.thread = at > 0 && parts[at + 1] ? parts[at + 1] : null;
}

function go(channel, { tab = null, thread = null } = {}) {
  const parts = [channel];
  if (channel === "app") parts.push(thread ? "messages" : tab || "home");
  if (thread) parts.push("thread", thread);
  location.hash = "#/" + parts.join("/");
}

// On a narrow screen the sidebar is a drawer over the conversation (see style.css): the top
// bar's button opens it, and picking a conversation, the backdrop or Escape closes it.
function setDrawer(open) {
  document.body.classList.toggle("drawer-open", open);
  $("sidebar-toggle").setAttribute("aria-expanded", String(open));
  $("drawer-backdrop").hidden = !open;
}
$("sidebar-toggle").addEventListener("click", () => setDrawer(!document.body.classList.contains("drawer-open")));
$("drawer-backdrop").addEventListener("click", () => setDrawer(false));
$("sidebar").addEventListener("click", (event) => {
  if (event.target.closest("a.conversation")) setDrawer(false);
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && document.body.classList.contains("drawer-open")) setDrawer(false);
});

window.addEventListener("hashchange", () => {
  setDrawer(false);
  readHash();
  homeOpenedFor = null;
  poller.restart();
});

// --- drawing -----------------------------------------------------------------------------------

function show(data) {
  state = data;
  if (view.user !== data.me) {
    view.user = data.me;
    localStorage.setItem("localslack.user", data.me);
  }
  if (!view.channel) {
    go("app", { tab: "home" });
    return;
  }
  document.title = `${data.team.name} — local Slack`;
  $("topbar-team").textContent = data.team.name;
  $("team-name").textContent = data.team.name;
  drawUsers();
  drawSidebar();
  drawHeader();
  drawPanes();
  modals.render(data.modals || []);
  clock.label(data);
}

function drawUsers() {
  const select = $("user-select");
  const people = state.users.filter((u) => !u.is_bot && !u.deleted);
  const key = JSON.stringify([people, view.user]);
  if (rendered.users === key) return;
  rendered.users = key;
  select.replaceChildren(...people.map((u) => new Option(`${u.real_name} (@${u.name})`, u.id, false, u.id === view.user)));
}

$("user-select").addEventListener("change", (event) => {
  view.user = event.target.value;
  localStorage.setItem("localslack.user", view.user);
  homeOpenedFor = null;
  Object.keys(rendered).forEach((k) => delete rendered[k]);
  poller.restart();
});

function seen() {
  return JSON.parse(localStorage.getItem(`localslack.seen.${view.user}`) || "{}");
}

function drawSidebar() {
  const marks = seen();
  const current = state.conversations.find((c) => c.id === view.channel);
  if (current?.latest && marks[current.id] !== current.latest) {
    marks[current.id] = current.latest;
    localStorage.setItem(`localslack.seen.${view.user}`, JSON.stringify(marks));
  }
  const item = (c) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = c.kind === "app" ? "#/app/" + (view.channel === "app" ? view.tab : "home") : `#/${c.id}`;
    a.dataset.conversation = c.id;
    a.className = "conversation" + (c.id === view.channel ? " active" : "");
    const unread = c.latest && c.id !== view.channel && Number(c.latest) > Number(marks[c.id] || 0);
    if (unread) a.classList.add("unread");
    const prefix = c.kind === "app" ? "🤖 " : c.kind === "private" ? "🔒 " : "# ";
    a.textContent = prefix + c.name;
    li.append(a);
    return li;
  };
  const key = JSON.stringify([state.conversations, view.channel, view.tab, marks]);
  if (rendered.sidebar === key) return;
  rendered.sidebar = key;
  $("channel-list").replaceChildren(...state.conversations.filter((c) => c.kind !== "app").map(item));
  $("app-list").replaceChildren(...state.conversations.filter((c) => c.kind === "app").map(item));
}

function drawHeader() {
  const c = state.conversations.find((x) => x.id === view.channel);
  const isApp = view.channel === "app";
  $("conversation-title").textContent = isApp ? c?.name || "app" : c ? `# ${c.name}` : view.channel;
  $("conversation-topic").textContent = c?.topic || (isApp ? "Your app: Home tab and messages" : "");
  $("app-tabs").hidden = !isApp;
  for (const tab of document.querySelectorAll("#app-tabs .tab")) {
    tab.classList.toggle("active", isApp && tab.dataset.tab === view.tab);
  }
}

document.querySelectorAll("#app-tabs .tab").forEach((tab) =>
  tab.addEventListener("click", () => go("app", { tab: tab.dataset.tab })));

function drawPanes() {
  const onHome = view.channel === "app" && view.tab === "home";
  $("home-pane").hidden = !onHome;
  $("message-pane").hidden = onHome;
  if (onHome) drawHome();
  else drawMessages();
  drawThread();
}

function drawHome() {
  const key = `${view.user}:${view.tab}`;
  if (homeOpenedFor !== key) {
    homeOpenedFor = key; // Slack sends app_home_opened each time the tab is opened
    post("/ui/home", { user: view.user }).then((r) => r.ok || toast(r.error));
  }
  const home = state.home;
  const drawn = JSON.stringify([home, state.users]);
  if (rendered.home === drawn) return;
  rendered.home = drawn;
  const pane = $("home-pane");
  if (!home) {
    pane.replaceChildren(div("empty-timeline", document.createTextNode("Waiting for the app to publish its Home tab…")));
    return;
  }
  const onAction = (path, element, value) => act({
    action_id: element.action_id, path, value,
    where: { type: "view", view_id: home.id }, state: collectState(pane),
  });
  pane.replaceChildren(renderBlocks(home.blocks, { ...blockOpts(), onAction, surface: "home" }));
}

function timelineEnv() {
  return {
    state, ctx, tz: tz(), blockOpts: blockOpts(),
    onAction: (message, path, element, value) => act({
      action_id: element.action_id, path, value,
      where: { type: "message", channel: message.channel, ts: message.ts, ephemeral: message.ephemeral },
    }),
    onOpenThread: (message) => go(view.channel, { tab: view.tab, thread: message.ts }),
  };
}

function drawMessages() {
  const key = JSON.stringify([state.messages, state.users, view.channel, tz()]);
  if (rendered.messages === key) return;
  rendered.messages = key;
  const container = $("messages");
  if (container.dataset.channel !== view.channel) {
    container.dataset.channel = view.channel;
    container.dataset.scrolled = "0";
  }
  renderTimeline(container, state.messages, timelineEnv());
  const name = view.channel === "app" ? "kpibot" : `#${ctx.channelName(view.channel) || view.channel}`;
  $("composer").querySelector("textarea").placeholder = `Message ${name} — try /kpi help`;
}

function drawThread() {
  const thread = state.thread;
  $("thread-pane").hidden = !thread;
  const key = JSON.stringify([thread, state.users]);
  if (!thread || rendered.thread === key) return;
  rendered.thread = key;
  $("thread-channel").textContent = `#${ctx.channelName(thread.channel) || ""}`;
  const container = $("thread-messages");
  container.dataset.scrolled = "0";
  renderTimeline(container, [thread.parent, ...thread.replies], timelineEnv(), { inThread: true });
}

$("thread-close").addEventListener("click", () => go(view.channel, { tab: view.tab }));

async function act(body) {
  const result = await post("/ui/action", { user: view.user, ...body });
  if (!result.ok) toast(result.error || "The app did not answer.");
}

// --- typing ------------------------------------------------------------------------------------

function composer(form, extra) {
  const textarea = form.querySelector("textarea");
  const hint = form.querySelector(".composer-hint");
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  textarea.addEventListener("input", () => {
    if (!hint) return;
    hint.hidden = !textarea.value.startsWith("/");
    hint.textContent = "/kpi — goals and KPIs. Try /kpi help, /kpi mine, /kpi log KPI VALUE";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const result = await post("/ui/command", { user: view.user, channel: view.channel, text, ...extra() });
    button.disabled = false;
    if (!result.ok) {
      toast(result.error || "Could not send that.");
      return;
    }
    textarea.value = "";
    if (hint) hint.hidden = true;
  });
}

composer($("composer"), () => ({}));
composer($("thread-composer"), () => ({ thread_ts: view.thread }));

let toastTimer = null;
function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 6000);
}

readHash();
poller.start();
