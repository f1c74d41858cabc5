// Modals: the top of the person's modal stack, drawn over the page. Submitting sends the inputs
// to /ui/submit (the app gets a view_submission); its answer (errors, update, push, close) comes
// back through the workspace state like everything else.

import { collectState, renderBlocks, restoreState, div } from "./blocks.js";
import { renderPlain } from "./mrkdwn.js";

export class ModalLayer {
  // env: {layer, post(path, body), user(), blockOpts(), toast(text)}
  constructor(env) {
    this.env = env;
    this.shown = null; // {id, hash, errors}
  }

  // Draw `modals` (bottom first); keeps what was typed when the same view is only updated.
  render(modals) {
    const layer = this.env.layer;
    const top = modals[modals.length - 1];
    if (!top) {
      layer.hidden = true;
      layer.replaceChildren();
      this.shown = null;
      return;
    }
    const errors = JSON.stringify(top.errors || {});
    const same = this.shown && this.shown.id === top.id;
    if (same && this.shown.hash === top.hash && this.shown.errors === errors) return;
    const typed = same ? collectState(layer) : null;
    layer.replaceChildren(this.dialog(top, modals.length));
    if (typed) restoreState(layer, typed);
    layer.hidden = false;
    this.shown = { id: top.id, hash: top.hash, errors };
    const first = layer.querySelector("input, textarea, select");
    if (first && !same) first.focus();
  }

  dialog(view, depth) {
    const dialog = div("modal");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "true");
    dialog.dataset.viewId = view.id;
    dialog.dataset.callbackId = view.callback_id || "";

    const header = div("modal-header");
    if (depth > 1) header.append(this.iconButton("‹", "Back", () => this.close(view, false)));
    const title = document.createElement("h2");
    title.append(renderPlain(view.title || "App"));
    header.append(title, this.iconButton("×", "Close", () => this.close(view, true)));

    const body = div("modal-body");
    const blockOpts = {
      ...this.env.blockOpts(),
      errors: view.errors || {},
      surface: "modal",
      onAction: (path, element, value) => this.action(view, path, element, value),
    };
    body.append(renderBlocks(view.blocks, blockOpts));
    const form = document.createElement("form");
    form.className = "modal-form";
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (view.submit) this.submit(view, form);
    });
    form.append(body);

    const footer = div("modal-footer");
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn";
    close.append(renderPlain(view.close || "Cancel"));
    close.addEventListener("click", () => this.close(view, false));
    footer.append(close);
    if (view.submit) {
      const submit = document.createElement("button");
      submit.type = "submit";
      submit.className = "btn primary";
      submit.append(renderPlain(view.submit));
      footer.append(submit);
    }
    form.append(footer);
    dialog.append(header, form);
    return dialog;
  }

  iconButton(text, title, onClick) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button";
    button.title = title;
    button.setAttribute("aria-label", title);
    button.textContent = text;
    button.addEventListener("click", onClick);
    return button;
  }

  async submit(view, form) {
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    const result = await this.env.post("/ui/submit", {
      user: this.env.user(), view_id: view.id, values: collectState(form),
    });
    buttons.forEach((b) => (b.disabled = false));
    if (!result.ok) this.env.toast(result.error || "The app did not accept the form.");
  }

  async close(view, all) {
    const result = await this.env.post("/ui/close", { user: this.env.user(), view_id: view.id, all });
    if (!result.ok) this.env.toast(result.error || "Could not close the modal.");
  }

  async action(view, path, element, value) {
    const result = await this.env.post("/ui/action", {
      user: this.env.user(),
      action_id: element.action_id,
      path,
      value,
      where: { type: "view", view_id: view.id },
      state: collectState(this.env.layer),
    });
    if (!result.ok) this.env.toast(result.error || "The app did not answer.");
  }
}
