// Slack's mrkdwn to DOM nodes. Nothing here ever assigns innerHTML: text goes in as text nodes,
// so whatever an app (or a person) wrote cannot inject markup into the page.
//
// Supported: *bold*, _italic_, ~strike~, `code`, ```preformatted```, > quotes, <@U123> mentions
// (shown by name), <#C123|name> channels, <!here> and friends, <url|label> links, :emoji:, and
// the three entities Slack escapes (&amp; &lt; &gt;), which show as the characters they stand for.
// Text an app escaped therefore reads back literally: "&lt;!channel&gt;" shows "<!channel>" and
// pings nobody.

const EMOJI = {
  large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴", white_circle: "⚪",
  large_blue_circle: "🔵", large_orange_circle: "🟠", black_circle: "⚫",
  white_check_mark: "✅", heavy_check_mark: "✔️", ballot_box_with_check: "☑️", x: "❌",
  warning: "⚠️", bulb: "💡", chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉",
  bar_chart: "📊", calendar: "📆", date: "📅", spiral_calendar_pad: "🗓️", alarm_clock: "⏰",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", bell: "🔔", no_bell: "🔕", memo: "📝",
  pencil: "📝", pencil2: "✏️", clipboard: "📋", pushpin: "📌", dart: "🎯", rocket: "🚀",
  tada: "🎉", wave: "👋", thumbsup: "👍", "+1": "👍", thumbsdown: "👎", "-1": "👎",
  eyes: "👀", fire: "🔥", star: "⭐", sparkles: "✨", zzz: "💤", palm_tree: "🌴",
  arrow_up: "⬆️", arrow_down: "⬇️", arrow_right: "➡️", arrow_upper_right: "↗️",
  arrow_lower_right: "↘️", information_source: "ℹ️", question: "❓", exclamation: "❗",
  speech_balloon: "💬", thread: "🧵", lock: "🔒", key: "🔑", link: "🔗", mag: "🔍",
  busts_in_silhouette: "👥", bust_in_silhouette: "👤", office: "🏢", moneybag: "💰",
  heavy_plus_sign: "➕", heavy_minus_sign: "➖", repeat: "🔁", hammer_and_wrench: "🛠️",
  gear: "⚙️", checkered_flag: "🏁", triangular_flag_on_post: "🚩", smile: "😄",
  slightly_smiling_face: "🙂", thinking_face: "🤔", raised_hands: "🙌", pray: "🙏",
  muscle: "💪", trophy: "🏆", medal: "🏅", seedling: "🌱", snail: "🐌", turtle: "🐢",
  stopwatch: "⏱️", timer_clock: "⏲️", inbox_tray: "📥", outbox_tray: "📤", email: "📧",
  fast_forward: "⏩", file_cabinet: "🗄️",
};

const SAFE_URL = /^(https?:|mailto:)/i;
const WORD = "[\\p{L}\\p{N}_]";
const TOKEN = new RegExp(
  [
    "(`[^`\\n]+`)", // 1 inline code
    "(<[^<>\\s][^<>\\n]*>)", // 2 <...> link, mention or command
    `((?<!${WORD}|\\*)\\*(?!\\s)[^*\\n]+?(?<!\\s)\\*(?!${WORD}|\\*))`, // 3 bold
    `((?<!${WORD})_(?!\\s)[^_\\n]+?(?<!\\s)_(?!${WORD}))`, // 4 italic
    `((?<!${WORD}|~)~(?!\\s)[^~\\n]+?(?<!\\s)~(?!${WORD}|~))`, // 5 strike
    "(:[a-z0-9_+\\-']+:)", // 6 emoji
  ].join("|"),
  "gu",
);

export function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

export function emojify(text) {
  return text.replace(/:([a-z0-9_+\-']+):/g, (whole, name) => EMOJI[name] ?? whole);
}

// Plain text as Slack shows it: no formatting, emoji when `emoji` is not false.
export function renderPlain(textObject) {
  const text = typeof textObject === "string" ? textObject : (textObject?.text ?? "");
  const emoji = typeof textObject === "object" && textObject?.emoji === false ? false : true;
  const span = document.createElement("span");
  span.className = "plain";
  span.textContent = emoji ? emojify(text) : text;
  return span;
}

// A Block Kit text object (mrkdwn or plain_text) to a node.
export function renderText(textObject, ctx) {
  if (!textObject) return document.createTextNode("");
  if (textObject.type === "plain_text") return renderPlain(textObject);
  return renderMrkdwn(textObject.text ?? "", ctx, textObject.verbatim === true);
}

// mrkdwn source to a <span class="mrkdwn"> holding its rendering.
export function renderMrkdwn(source, ctx, verbatim = false) {
  const root = document.createElement("span");
  root.className = "mrkdwn";
  const parts = String(source ?? "").split(/```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1 && index < parts.length - 1) {
      const pre = document.createElement("pre");
      pre.textContent = decodeEntities(part.replace(/^\n/, ""));
      root.append(pre);
    } else {
      const text = index % 2 === 1 ? "```" + part : part;
      appendWithQuotes(root, text, ctx, verbatim);
    }
  });
  return root;
}

function appendWithQuotes(parent, text, ctx, verbatim) {
  const lines = text.split("\n");
  let quote = null;
  let plain = [];
  const flushPlain = () => {
    if (plain.length) appendInline(parent, plain.join("\n"), ctx, verbatim);
    plain = [];
  };
  for (const line of lines) {
    const match = /^(?:>|&gt;) ?(.*)$/.exec(line);
    if (match) {
      if (plain.length) plain.push(""); // the newline that ended the plain text
      flushPlain();
      if (!quote) {
        quote = document.createElement("blockquote");
        parent.append(quote);
      } else {
        quote.append(document.createTextNode("\n"));
      }
      appendInline(quote, match[1], ctx, verbatim);
    } else {
      quote = null;
      plain.push(line);
    }
  }
  flushPlain();
}

function appendInline(parent, text, ctx, verbatim) {
  let last = 0;
  TOKEN.lastIndex = 0;
  for (const match of text.matchAll(TOKEN)) {
    if (match.index > last) parent.append(textNode(text.slice(last, match.index)));
    parent.append(token(match, ctx, verbatim));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(textNode(text.slice(last)));
}

function textNode(text) {
  return document.createTextNode(decodeEntities(text));
}

function token(match, ctx, verbatim) {
  const [whole, code, angle, bold, italic, strike, emoji] = match;
  if (code) {
    const el = document.createElement("code");
    el.textContent = decodeEntities(code.slice(1, -1));
    return el;
  }
  if (angle) return verbatim ? textNode(angle) : special(angle.slice(1, -1), ctx);
  if (bold || italic || strike) {
    const el = document.createElement(bold ? "b" : italic ? "i" : "s");
    appendInline(el, whole.slice(1, -1), ctx, verbatim);
    return el;
  }
  if (emoji) return document.createTextNode(emojify(emoji));
  return textNode(whole);
}

// The inside of <...>: a mention, a channel, a special mention or a link.
function special(inner, ctx) {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? inner.slice(bar + 1) : "";
  if (target.startsWith("@")) {
    const name = ctx?.userName?.(target.slice(1)) ?? (label || target.slice(1));
    return chip("mention", "@" + name);
  }
  if (target.startsWith("#")) {
    const name = ctx?.channelName?.(target.slice(1)) ?? (label || target.slice(1));
    return chip("channel-link", "#" + name);
  }
  if (target.startsWith("!")) {
    const name = target.slice(1).split("^")[0];
    if (name === "date") return textNode(label || target);
    if (name === "subteam") return chip("mention", decodeEntities(label || "@group"));
    return chip("mention special", "@" + name);
  }
  const url = decodeEntities(target);
  if (!SAFE_URL.test(url)) return textNode("<" + inner + ">");
  const link = document.createElement("a");
  link.href = url;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.textContent = decodeEntities(label || target.replace(/^mailto:/i, ""));
  return link;
}

function chip(className, text) {
  const el = document.createElement("span");
  el.className = className;
  el.textContent = text;
  return el;
}
