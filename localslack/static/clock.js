// The clock control: "run scheduled work as of ...". It lists the app's jobs (there may be
// none), moves the workspace clock to the chosen time in the acting person's time zone and runs
// the jobs there; "Back to real time" undoes the move.

import { getJson } from "./api.js";

export class ClockPanel {
  // env: {post, user(), tz(), toast(text), refresh()}
  constructor(env) {
    this.env = env;
    this.panel = document.getElementById("clock-panel");
    this.at = document.getElementById("clock-at");
    this.jobs = document.getElementById("clock-jobs");
    this.results = document.getElementById("clock-results");
    document.getElementById("clock-button").addEventListener("click", () => this.toggle());
    document.getElementById("clock-close").addEventListener("click", () => (this.panel.hidden = true));
    document.getElementById("clock-run").addEventListener("click", () => this.run());
    document.getElementById("clock-reset").addEventListener("click", () => this.reset());
  }

  // The top bar's label: the workspace's time, and whether it was moved.
  label(state) {
    const text = new Date(state.now * 1000).toLocaleString("en-US", {
      timeZone: this.env.tz(), weekday: "short", day: "numeric", month: "short",
      hour: "numeric", minute: "2-digit",
    });
    const label = document.getElementById("clock-label");
    label.textContent = state.travelled ? `${text} (moved)` : `${text}`;
    document.getElementById("clock-button").classList.toggle("travelled", state.travelled);
  }

  async toggle() {
    if (!this.panel.hidden) {
      this.panel.hidden = true;
      return;
    }
    this.panel.hidden = false;
    document.getElementById("clock-tz").textContent = this.env.tz();
    let info;
    try {
      info = await getJson(`/ui/jobs?tz=${encodeURIComponent(this.env.tz())}`);
    } catch (error) {
      this.env.toast(error.message);
      return;
    }
    // From real time, not the moved clock: reopening after a run suggests the same Monday.
    this.at.value = info.suggested;
    this.quickPicks(info.real_now);
    this.jobs.replaceChildren();
    if (!info.jobs.length) {
      const note = document.createElement("p");
      note.className = "no-jobs";
      note.textContent = "This app has no scheduled jobs yet: running only moves the clock.";
      this.jobs.append(note);
    }
    for (const name of info.jobs) {
      const label = document.createElement("label");
      label.className = "job";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = name;
      box.checked = true;
      label.append(box, document.createTextNode(" " + name));
      this.jobs.append(label);
    }
  }

  quickPicks(now) {
    const holder = this.panel.querySelector(".clock-quick");
    holder.replaceChildren();
    const tz = this.env.tz();
    const picks = [
      ["Next Monday 10:30", nextMonday(now, tz)],
      ["Tomorrow 10:30", { ...wallParts(now + 86400, tz), hour: 10, minute: 30 }],
      ["Friday 16:00", nextWeekday(now, tz, 5, 16)],
    ];
    for (const [text, parts] of picks) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn small";
      button.textContent = text;
      button.addEventListener("click", () => (this.at.value = this.localInput(parts)));
      holder.append(button);
    }
  }

  localInput(parts) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${parts.year}-${pad(parts.month)}-${pad(parts.day)}T${pad(parts.hour)}:${pad(parts.minute)}`;
  }

  async run() {
    if (!this.at.value) {
      this.env.toast("Pick a time first.");
      return;
    }
    const jobs = [...this.jobs.querySelectorAll("input:checked")].map((box) => box.value);
    const button = document.getElementById("clock-run");
    button.disabled = true;
    this.results.replaceChildren();
    const progress = new Progress(jobs.length);
    const asked = jobs.length ? jobs : [null]; // none ticked: only move the clock
    let ran = 0;
    for (const [index, name] of asked.entries()) {
      if (name) progress.step(`Running ${name} (${index + 1} of ${jobs.length})…`);
      else progress.step("Moving the clock…");
      const result = await this.env.post("/ui/jobs/run", {
        at: this.at.value, tz: this.env.tz(), jobs: name ? [name] : [], keep_clock: index > 0,
      });
      if (result.reports === undefined) {
        progress.done(`Stopped: ${result.error || "could not run the jobs."}`);
        this.env.toast(result.error || "Could not run the jobs.");
        button.disabled = false;
        return;
      }
      for (const report of result.reports) {
        this.results.append(reportItem(report));
        ran += 1;
      }
      progress.advance();
      this.env.refresh();
    }
    progress.done(ran ? `Done: ${ran} of ${jobs.length} jobs ran as of ${this.at.value.replace("T", " ")}.` : "Done: clock moved; no jobs ran.");
    button.disabled = false;
  }

  async reset() {
    const result = await this.env.post("/ui/clock/reset", {});
    if (!result.ok) this.env.toast(result.error || "Could not reset the clock.");
    document.getElementById("clock-progress").hidden = true;
    this.results.replaceChildren(item("Back to real time: what happened ahead of it is undone.", true));
    this.env.refresh();
  }
}

// The progress line under the buttons: which job runs now, and for how long.
class Progress {
  constructor(total) {
    this.holder = document.getElementById("clock-progress");
    this.bar = document.getElementById("clock-progress-bar");
    this.status = document.getElementById("clock-status");
    this.bar.max = Math.max(1, total);
    this.bar.value = 0;
    this.holder.hidden = false;
    this.timer = null;
  }

  step(text) {
    clearInterval(this.timer);
    const started = Date.now();
    this.status.textContent = text;
    this.timer = setInterval(() => {
      this.status.textContent = `${text} ${Math.round((Date.now() - started) / 1000)} s`;
    }, 1000);
  }

  advance() {
    this.bar.value += 1;
  }

  done(text) {
    clearInterval(this.timer);
    this.bar.value = this.bar.max;
    this.status.textContent = text;
  }
}

// One job's outcome: what it did, in the words of someone looking at the workspace. The app's
// own summary (written for operators) is kept as the tooltip.
function reportItem(report) {
  const title = report.name.charAt(0).toUpperCase() + report.name.slice(1);
  if (!report.ok) {
    const li = item(`${title} failed: ${report.summary}`, false);
    return li;
  }
  const said = report.said || [];
  const li = item(said.length ? `${title}:` : `${title}: nothing was due, nothing was sent.`, true);
  li.title = `kpibot: ${report.summary}`;
  if (said.length) {
    const list = document.createElement("ul");
    list.className = "job-said";
    for (const line of said) {
      const entry = document.createElement("li");
      entry.textContent = line;
      list.append(entry);
    }
    li.append(list);
  }
  return li;
}

function item(text, ok) {
  const li = document.createElement("li");
  li.className = ok ? "ok" : "failed";
  li.textContent = (ok ? "✅ " : "❌ ") + text;
  return li;
}

// The calendar fields of an instant in a time zone.
function wallParts(seconds, tz) {
  const fields = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, year: "numeric", month: "numeric", day: "numeric", hour: "numeric",
    minute: "numeric", weekday: "short", hourCycle: "h23",
  }).formatToParts(new Date(seconds * 1000));
  const get = (type) => fields.find((f) => f.type === type)?.value;
  const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  return {
    year: Number(get("year")), month: Number(get("month")), day: Number(get("day")),
    hour: Number(get("hour")), minute: Number(get("minute")), weekday: weekdays.indexOf(get("weekday")),
  };
}

function nextWeekday(now, tz, weekday, hour) {
  for (let days = 1; days <= 7; days++) {
    const parts = wallParts(now + days * 86400, tz);
    if (parts.weekday === weekday) return { ...parts, hour, minute: 0 };
  }
  return { ...wallParts(now, tz), hour, minute: 0 };
}

function nextMonday(now, tz) {
  return { ...nextWeekday(now, tz, 1, 10), minute: 30 };
}
