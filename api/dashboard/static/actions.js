// The forms that write: create a task, scale a deployment. (Cordon, fail and
// delete are in the panels.) A viewer sees every write control disabled; the
// server refuses a viewer's writes with 403 all the same.

import { post, put, q } from "./api.js";

export class Actions {
  constructor({ createForm, scaleForm, deploymentSelect, replicasInput, toast, store }) {
    this.createForm = createForm;
    this.scaleForm = scaleForm;
    this.deploymentSelect = deploymentSelect;
    this.replicasInput = replicasInput;
    this.toast = toast;
    this.store = store;
    createForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this._create();
    });
    scaleForm.addEventListener("submit", (e) => {
      e.preventDefault();
      this._scale();
    });
    deploymentSelect.addEventListener("change", () => {
      const found = this.store.deployments.find((d) => d.id === deploymentSelect.value);
      if (found) replicasInput.value = found.replicas;
    });
  }

  /** Enable the write controls for an admin, disable them for anyone else. */
  setAdmin(admin) {
    for (const control of document.querySelectorAll(".write")) {
      control.disabled = !admin;
      if (admin) control.removeAttribute("title");
      else control.title = "viewers may only read";
    }
    for (const note of document.querySelectorAll(".read-only-note")) note.hidden = admin;
  }

  /** The deployments list changed: the scale form's choices. */
  deployments(list) {
    const select = this.deploymentSelect;
    const current = select.value;
    const options = list.map((d) => new Option(`${d.id} (${d.ready ?? 0}/${d.replicas} ready)`, d.id));
    if (!options.length) options.push(new Option("no deployments", ""));
    select.replaceChildren(...options);
    if (list.some((d) => d.id === current)) select.value = current;
    const chosen = list.find((d) => d.id === select.value);
    if (chosen && document.activeElement !== this.replicasInput && !this.replicasInput.dataset.edited) {
      this.replicasInput.value = chosen.replicas;
    }
  }

  async _create() {
    const form = this.createForm;
    const value = (name) => form.elements[name].value.trim();
    const body = { resources: {} };
    if (value("id")) body.id = value("id");
    if (value("cpu")) body.resources.cpu = value("cpu");
    if (value("memory")) body.resources.memory = value("memory");
    if (value("gpu")) body.resources.gpu = Number.isNaN(Number(value("gpu"))) ? value("gpu") : Number(value("gpu"));
    if (value("duration")) body.duration = Number(value("duration"));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const task = await post("/tasks", body);
      this.toast(`task ${task.id} created (${task.status})`);
      form.elements.id.value = "";
    } catch (error) {
      this.toast(error.message, true);
    } finally {
      button.disabled = false;
    }
  }

  async _scale() {
    const id = this.deploymentSelect.value;
    const replicas = Number(this.replicasInput.value);
    if (!id) {
      this.toast("no deployment to scale", true);
      return;
    }
    const button = this.scaleForm.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const deployment = await put(`/deployments/${q(id)}`, { replicas });
      this.toast(`deployment ${deployment.id} scaled to ${deployment.replicas}`);
    } catch (error) {
      this.toast(error.message, true);
    } finally {
      button.disabled = false;
    }
  }
}
