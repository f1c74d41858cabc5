// Block Kit to DOM: the layout blocks Slack draws in messages, modals and the Home tab, with
// their interactive elements wired to `opts.onAction(path, element, value)`.
//
// `path` is [block index] for a section accessory or an input's element, and
// [block index, element index] for an element of an actions or context block; the server finds
// the element again by that path, so two buttons sharing an action_id stay apart.
// Inputs carry data-block-id / data-action-id / data-type so `collectState` can read them back
// into Slack's {block_id: {action_id: value}} shape.

import { emojify, renderPlain, renderText } from "./mrkdwn.js";

const INPUT_TYPES = new Set([
  "plain_text_input", "number_input", "email_text_input", "url_text_input", "static_select",
  "external_select", "users_select", "conversations_select", "channels_select",
  "multi_static_select", "multi_users_select", "multi_conversations_select",
  "multi_channels_select", "datepicker", "timepicker", "datetimepicker", "checkboxes",
  "radio_buttons", "rich_text_input",
]);

// opts: {ctx, users, channels, onAction, errors: {block_id: text}, surface}
export function renderBlocks(blocks, opts) {
  const root = document.createElement("div");
  root.className = "blocks";
  (blocks || []).forEach((block, index) => root.append(renderBlock(block, index, opts)));
  return root;
}

function renderBlock(block, index, opts) {
  const el = div(`block block-${block.type}`);
  if (block.block_id) el.dataset.blockId = block.block_id;
  switch (block.type) {
    case "section": return section(el, block, index, opts);
    case "header": el.append(renderPlain(block.text)); return el;
    case "divider": el.append(document.createElement("hr")); return el;
    case "context": return context(el, block, index, opts);
    case "image": return imageBlock(el, block);
    case "actions":
      (block.elements || []).forEach((element, i) =>
        el.append(renderElement(element, [index, i], block, opts)));
      return el;
    case "input": return inputBlock(el, block, index, opts);
    case "rich_text": return richText(el, block, opts);
    default:
      el.classList.add("unsupported");
      el.textContent = `[${block.type} block]`;
      return el;
  }
}

function section(el, block, index, opts) {
  const body = div("section-body");
  if (block.text) body.append(div("section-text", renderText(block.text, opts.ctx)));
  if (block.fields?.length) {
    const fields = div("section-fields");
    for (const field of block.fields) fields.append(div("field", renderText(field, opts.ctx)));
    body.append(fields);
  }
  el.append(body);
  if (block.accessory) {
    el.append(div("accessory", renderElement(block.accessory, [index], block, opts)));
  }
  return el;
}

function context(el, block, index, opts) {
  (block.elements || []).forEach((element) => {
    if (element.type === "image") el.append(image(element, "context-image"));
    else el.append(div("context-text", renderText(element, opts.ctx)));
  });
  return el;
}

function imageBlock(el, block) {
  if (block.title) el.append(div("image-title", renderPlain(block.title)));
  el.append(image(block, "block-image-img"));
  return el;
}

// Images load only from this page's own server: local files, or data: URLs. Anything else
// would reach the network, so it shows as its alt text instead.
export function imageSource(item) {
  const file = item.slack_file;
  if (file?.id) return `/ui/files/${encodeURIComponent(file.id)}`;
  const url = file?.url || item.image_url || "";
  const local = /\/files\/([A-Z0-9]+)\//.exec(url);
  if (local) return `/ui/files/${local[1]}`;
  if (url.startsWith("data:image/")) return url;
  return null;
}

function image(item, className) {
  const source = imageSource(item);
  if (!source) {
    const placeholder = div(`${className} image-placeholder`);
    placeholder.textContent = `🖼 ${item.alt_text || "image"} (not loaded: external)`;
    return placeholder;
  }
  const img = document.createElement("img");
  img.className = className;
  img.src = source;
  img.alt = item.alt_text || "";
  img.title = item.alt_text || "";
  return img;
}

function inputBlock(el, block, index, opts) {
  const label = document.createElement("label");
  label.className = "input-label";
  label.append(renderPlain(block.label));
  if (block.optional) label.append(span("optional", " (optional)"));
  el.append(label);
  const element = block.element || {};
  const control = renderElement(element, [index], block, opts);
  el.append(control);
  if (block.hint) el.append(div("input-hint", renderPlain(block.hint)));
  const error = opts.errors?.[block.block_id];
  if (error) el.append(div("input-error", document.createTextNode(error)));
  return el;
}

function richText(el, block, opts) {
  for (const part of block.elements || []) {
    const holder = div(`rich-${part.type}`);
    for (const item of part.elements || []) {
      if (item.type === "text") holder.append(span(styleClass(item.style), item.text));
      else if (item.type === "link") {
        const a = document.createElement("a");
        a.href = /^https?:/.test(item.url) ? item.url : "#";
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.textContent = item.text || item.url;
        holder.append(a);
      } else if (item.type === "user") holder.append(span("mention", "@" + (opts.ctx.userName(item.user_id) || item.user_id)));
      else if (item.type === "emoji") holder.append(document.createTextNode(emojify(`:${item.name}:`)));
      else if (item.type === "rich_text_section") holder.append(span("", (item.elements || []).map((e) => e.text || "").join("")));
    }
    el.append(holder);
  }
  return el;
}

function styleClass(style) {
  if (!style) return "";
  return Object.keys(style).filter((k) => style[k]).map((k) => `rt-${k}`).join(" ");
}

// --- elements --------------------------------------------------------------------------------

function renderElement(element, path, block, opts) {
  const dispatch = (value) => opts.onAction?.(path, element, value);
  const isInput = block.type === "input";
  // In an input block a change is only sent when the block asks for it (dispatch_action).
  const onChange = isInput && !block.dispatch_action ? null : dispatch;
  let el;
  switch (element.type) {
    case "button": return button(element, dispatch);
    case "image": return image(element, "accessory-image");
    case "overflow": el = select(element, element.options || [], onChange, "⋯"); break;
    case "static_select":
    case "external_select":
      el = select(element, optionsOf(element), onChange, plainOf(element.placeholder, "Select an item"));
      break;
    case "users_select":
      el = select(element, userOptions(opts.users), onChange, plainOf(element.placeholder, "Select a person"), element.initial_user);
      break;
    case "conversations_select":
    case "channels_select":
      el = select(element, channelOptions(opts.channels), onChange, plainOf(element.placeholder, "Select a channel"),
        element.initial_conversation || element.initial_channel);
      break;
    case "multi_static_select":
    case "multi_users_select":
    case "multi_conversations_select":
    case "multi_channels_select":
      el = multiSelect(element, opts, onChange); break;
    case "datepicker": el = field("date", element.initial_date, onChange); break;
    case "timepicker": el = field("time", element.initial_time, onChange); break;
    case "datetimepicker":
      el = field("datetime-local", element.initial_date_time ? toLocalInput(element.initial_date_time) : "", onChange);
      break;
    case "checkboxes":
    case "radio_buttons": el = choices(element, onChange); break;
    case "plain_text_input":
    case "rich_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input": el = textInput(element); break;
    default:
      el = span("unsupported", `[${element.type}]`);
      return el;
  }
  if (INPUT_TYPES.has(element.type) || element.type === "overflow") {
    el.dataset.blockId = block.block_id || "";
    el.dataset.actionId = element.action_id || "";
    el.dataset.type = element.type;
  }
  return el;
}

function button(element, dispatch) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = "btn" + (element.style ? ` ${element.style}` : "");
  el.append(renderPlain(element.text));
  el.dataset.actionId = element.action_id || "";
  el.addEventListener("click", () => {
    const confirm = element.confirm;
    if (confirm && !window.confirm(plainOf(confirm.title, "") + "\n\n" + (confirm.text?.text || ""))) return;
    if (element.url && /^https?:/.test(element.url)) window.open(element.url, "_blank", "noopener");
    dispatch(element.value ?? null);
  });
  return el;
}

function optionsOf(element) {
  if (element.option_groups) return element.option_groups.flatMap((g) => g.options || []);
  return element.options || [];
}

function userOptions(users) {
  return (users || []).filter((u) => !u.deleted).map((u) => ({
    value: u.id, text: { type: "plain_text", text: u.real_name || u.name },
  }));
}

function channelOptions(channels) {
  return (channels || []).filter((c) => c.kind !== "app").map((c) => ({
    value: c.id, text: { type: "plain_text", text: "#" + c.name },
  }));
}

function select(element, options, onChange, placeholder, initialValue) {
  const el = document.createElement("select");
  el.className = "select";
  const empty = new Option(placeholder, "");
  el.append(empty);
  const initial = initialValue ?? element.initial_option?.value;
  for (const option of options) {
    const text = emojify(option.text?.text ?? option.value);
    el.append(new Option(text, option.value, false, option.value === initial));
  }
  if (onChange) el.addEventListener("change", () => el.value && onChange(el.value));
  return el;
}

function multiSelect(element, opts, onChange) {
  const options = element.type === "multi_users_select" ? userOptions(opts.users)
    : element.type === "multi_static_select" ? optionsOf(element) : channelOptions(opts.channels);
  const initial = new Set([
    ...(element.initial_options || []).map((o) => o.value),
    ...(element.initial_users || []), ...(element.initial_conversations || []),
    ...(element.initial_channels || []),
  ]);
  const el = document.createElement("select");
  el.multiple = true;
  el.className = "select multi";
  for (const option of options) {
    el.append(new Option(emojify(option.text?.text ?? option.value), option.value, false, initial.has(option.value)));
  }
  if (onChange) el.addEventListener("change", () => onChange([...el.selectedOptions].map((o) => o.value)));
  return el;
}

function field(type, initial, onChange) {
  const el = document.createElement("input");
  el.type = type;
  el.className = "field-input";
  if (initial) el.value = initial;
  if (onChange) el.addEventListener("change", () => el.value && onChange(el.value));
  return el;
}

function toLocalInput(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function choices(element, onChange) {
  const el = div("choices");
  const initial = new Set([
    ...(element.initial_options || []).map((o) => o.value),
    ...(element.initial_option ? [element.initial_option.value] : []),
  ]);
  const kind = element.type === "checkboxes" ? "checkbox" : "radio";
  const group = `${element.action_id}-${Math.random().toString(36).slice(2)}`;
  for (const option of element.options || []) {
    const label = document.createElement("label");
    label.className = "choice";
    const input = document.createElement("input");
    input.type = kind;
    input.name = group;
    input.value = option.value;
    input.checked = initial.has(option.value);
    if (onChange) input.addEventListener("change", () => onChange(readChoices(el, element.type)));
    label.append(input, renderText(option.text, {}));
    if (option.description) label.append(div("choice-description", renderText(option.description, {})));
    el.append(label);
  }
  return el;
}

function readChoices(el, type) {
  const checked = [...el.querySelectorAll("input:checked")].map((i) => i.value);
  return type === "checkboxes" ? checked : (checked[0] ?? null);
}

function textInput(element) {
  const multiline = element.multiline === true;
  const el = document.createElement(multiline ? "textarea" : "input");
  el.className = "field-input";
  if (!multiline) {
    el.type = { number_input: "number", email_text_input: "email", url_text_input: "url" }[element.type] || "text";
    if (element.type === "number_input") el.step = element.is_decimal_allowed ? "any" : "1";
  } else {
    el.rows = 3;
  }
  if (element.initial_value != null) el.value = String(element.initial_value);
  if (element.placeholder) el.placeholder = element.placeholder.text || "";
  if (element.max_length) el.maxLength = element.max_length;
  return el;
}

// --- reading inputs back -----------------------------------------------------------------------

// {block_id: {action_id: raw}} for every input under `root`, as the server's driver expects it:
// text (null when empty), an option value, a user or channel ID, "YYYY-MM-DD", or a list.
export function collectState(root) {
  const state = {};
  for (const el of root.querySelectorAll("[data-action-id][data-type]")) {
    const { blockId, actionId, type } = el.dataset;
    let value;
    if (type === "checkboxes" || type === "radio_buttons") value = readChoices(el, type);
    else if (el.multiple) value = [...el.selectedOptions].map((o) => o.value);
    else value = el.value === "" ? null : el.value;
    (state[blockId] ??= {})[actionId] = value;
  }
  return state;
}

// Put values read by collectState back into freshly rendered inputs (a modal that was updated
// keeps what the person typed where the block and action ids are the same, as Slack does).
export function restoreState(root, state) {
  for (const el of root.querySelectorAll("[data-action-id][data-type]")) {
    const value = state?.[el.dataset.blockId]?.[el.dataset.actionId];
    if (value === undefined || value === null) continue;
    const type = el.dataset.type;
    if (type === "checkboxes" || type === "radio_buttons") {
      const wanted = new Set(Array.isArray(value) ? value : [value]);
      for (const input of el.querySelectorAll("input")) input.checked = wanted.has(input.value);
    } else if (el.multiple) {
      const wanted = new Set(value);
      for (const option of el.options) option.selected = wanted.has(option.value);
    } else {
      el.value = value;
    }
  }
}

// --- tiny DOM helpers --------------------------------------------------------------------------

function plainOf(textObject, fallback) {
  return textObject?.text ? emojify(textObject.text) : fallback;
}

export function div(className, ...children) {
  const el = document.createElement("div");
  el.className = className;
  el.append(...children);
  return el;
}

export function span(className, text) {
  const el = document.createElement("span");
  el.className = className;
  el.textContent = text;
  return el;
}
