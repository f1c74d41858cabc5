// Messages as Slack lays them out: author, time, Block Kit (or mrkdwn text), files,
// attachments, thread summary; ephemeral ones marked "Only visible to you".

import { renderBlocks, imageSource, div, span } from "./blocks.js";
import { renderMrkdwn } from "./mrkdwn.js";

const COLORS = ["#e8912d", "#2bac76", "#1d9bd1", "#e01e5a", "#9b59b6", "#4a154b", "#36c5f0"];

// env: {state, ctx, tz, onAction(message, path, element, value), onOpenThread(message)}
export function renderTimeline(container, messages, env, { inThread = false } = {}) {
  const nearBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 80;
  container.replaceChildren();
  if (!messages.length && !inThread) {
    container.append(div("empty-timeline", document.createTextNode("No messages yet.")));
  }
  let lastDay = null;
  let lastAuthor = null;
  for (const message of messages) {
    const day = dayLabel(message.ts, env.tz);
    if (day !== lastDay && !inThread) {
      container.append(div("day-divider", span("", day)));
      lastDay = day;
      lastAuthor = null;
    }
    const compact = lastAuthor === message.user && !message.ephemeral && !inThread;
    container.append(renderMessage(message, env, { compact, inThread }));
    lastAuthor = message.ephemeral ? null : message.user;
  }
  if (nearBottom || container.dataset.scrolled !== "1") {
    const toBottom = () => (container.scrollTop = container.scrollHeight);
    toBottom();
    container.dataset.scrolled = "1";
    // images arrive after layout: keep the newest message in view once they have
    for (const img of container.querySelectorAll("img")) img.addEventListener("load", toBottom, { once: true });
  }
}

export function renderMessage(message, env, { compact = false, inThread = false } = {}) {
  const user = env.state.users.find((u) => u.id === message.user);
  const name = user ? (user.is_bot ? user.name : user.real_name || user.name) : message.user;
  const el = div("message" + (message.ephemeral ? " ephemeral" : "") + (compact ? " compact" : ""));
  el.dataset.ts = message.ts;
  el.dataset.user = message.user;
  el.append(avatar(name, message.user));
  const body = div("message-body");
  const meta = div("message-meta");
  meta.append(span("author", name));
  if (message.is_bot) meta.append(span("app-badge", "APP"));
  meta.append(span("time", timeLabel(message.ts, env.tz)));
  if (message.edited) meta.append(span("edited", "(edited)"));
  body.append(meta);
  if (message.ephemeral) body.append(div("ephemeral-note", span("", "👁 Only visible to you")));

  const onAction = (path, element, value) => env.onAction(message, path, element, value);
  const content = div("message-content");
  if (message.blocks?.length) {
    content.append(renderBlocks(message.blocks, { ...env.blockOpts, onAction, surface: "message" }));
  } else if (message.text) {
    content.append(renderMrkdwn(message.text, env.ctx));
  }
  for (const attachment of message.attachments || []) content.append(renderAttachment(attachment, env, onAction));
  for (const file of message.files || []) content.append(renderFile(file));
  body.append(content);

  if (!inThread && message.reply_count > 0) {
    const summary = document.createElement("button");
    summary.type = "button";
    summary.className = "thread-summary";
    summary.textContent = `${message.reply_count} ${message.reply_count === 1 ? "reply" : "replies"}`;
    if (message.latest_reply) summary.append(span("thread-latest", ` · last reply ${timeLabel(message.latest_reply, env.tz)}`));
    summary.addEventListener("click", () => env.onOpenThread(message));
    body.append(summary);
  }
  el.append(body);
  if (!inThread && !message.ephemeral) {
    const reply = document.createElement("button");
    reply.type = "button";
    reply.className = "message-hover-action";
    reply.title = "Reply in thread";
    reply.textContent = "💬 Reply";
    reply.addEventListener("click", () => env.onOpenThread(message));
    el.append(reply);
  }
  return el;
}

function renderAttachment(attachment, env, onAction) {
  const el = div("attachment");
  if (attachment.color) el.style.borderLeftColor = /^#?[0-9a-f]{3,8}$/i.test(attachment.color)
    ? (attachment.color.startsWith("#") ? attachment.color : `#${attachment.color}`)
    : "#ddd";
  if (attachment.pretext) el.append(div("attachment-pretext", renderMrkdwn(attachment.pretext, env.ctx)));
  if (attachment.title) el.append(div("attachment-title", document.createTextNode(attachment.title)));
  if (attachment.text) el.append(div("attachment-text", renderMrkdwn(attachment.text, env.ctx)));
  if (attachment.fields?.length) {
    const fields = div("section-fields");
    for (const f of attachment.fields) {
      fields.append(div("field", span("field-title", f.title || ""), renderMrkdwn(f.value || "", env.ctx)));
    }
    el.append(fields);
  }
  if (attachment.blocks?.length) el.append(renderBlocks(attachment.blocks, { ...env.blockOpts, onAction }));
  if (attachment.footer) el.append(div("attachment-footer", document.createTextNode(attachment.footer)));
  return el;
}

function renderFile(file) {
  if (file.mimetype?.startsWith("image/")) {
    const figure = document.createElement("figure");
    figure.className = "file-image";
    const img = document.createElement("img");
    img.src = imageSource({ slack_file: { id: file.id } });
    img.alt = file.alt_txt || file.title || file.name;
    figure.append(img, Object.assign(document.createElement("figcaption"), { textContent: file.title || file.name }));
    return figure;
  }
  const link = document.createElement("a");
  link.className = "file-chip";
  link.href = file.url;
  link.target = "_blank";
  link.textContent = `📄 ${file.title || file.name}`;
  return link;
}

function avatar(name, id) {
  const el = div("avatar");
  el.textContent = (name || "?").trim().charAt(0).toUpperCase();
  let hash = 0;
  for (const c of id || "") hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  el.style.background = COLORS[hash % COLORS.length];
  return el;
}

export function timeLabel(ts, tz) {
  return new Date(Number(ts) * 1000).toLocaleTimeString("en-US", {
    timeZone: tz, hour: "numeric", minute: "2-digit",
  });
}

export function dayLabel(ts, tz) {
  return new Date(Number(ts) * 1000).toLocaleDateString("en-US", {
    timeZone: tz, weekday: "long", month: "long", day: "numeric",
  });
}
