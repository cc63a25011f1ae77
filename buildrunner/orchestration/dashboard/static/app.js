// br dashboard: render snapshots pushed over Server-Sent Events. No framework, no build step.
// All text from files goes through textContent (never innerHTML): stream data is untrusted.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const q = token ? `?token=${encodeURIComponent(token)}` : "";
let lastSnapshot = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function fmtElapsed(seconds) {
  if (seconds === null || seconds === undefined || isNaN(seconds)) return "–";
  seconds = Math.max(0, Math.round(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  return h ? `${h}h ${m}m ${s}s` : m ? `${m}m ${s}s` : `${s}s`;
}

function fmtTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

function elapsedOf(stream) {
  if (!stream.started_at) return null;
  const start = Date.parse(stream.started_at);
  const end = stream.status === "running" || !stream.finished_at ? Date.now() : Date.parse(stream.finished_at);
  return (end - start) / 1000;
}

function renderStreams(streams) {
  const box = document.getElementById("streams");
  box.replaceChildren();
  if (!streams.length) { box.append(el("p", {class: "empty", text: "No streams yet."})); return; }
  for (const s of streams) {
    const status = s.status || "idle";
    const card = el("article", {class: `card status-${status}`, "data-stream": s.stream, "data-status": status},
      el("h3", {}, el("span", {class: "name", text: s.stream}), el("span", {class: "badge status", text: status})),
      el("dl", {},
        el("dt", {text: "Batch"}), el("dd", {class: "batch", text: s.batch_id || "–"}),
        el("dt", {text: s.held ? "Held work" : "Tasks"}), el("dd", {class: "tasks",
          text: s.held ? `${(s.tasks || []).join(", ") || "–"}` : `${s.tasks_done || 0}/${s.tasks_total || 0}`}),
        el("dt", {text: "Branch"}), el("dd", {class: "branch", text: s.branch || "–"}),
        el("dt", {text: "Last commit"}), el("dd", {class: "commit",
          text: s.commit ? `${s.commit.slice(0, 10)} ${s.commit_subject || ""}` : "–"}),
        el("dt", {text: "Elapsed"}), el("dd", {class: "elapsed", text: fmtElapsed(elapsedOf(s))})));
    if (s.held) {
      card.append(el("p", {class: "resolution", text: s.status === "resolved"
        ? `resolved (${s.resolution_id}): ready to merge`
        : `waiting for conflict resolution${s.resolution_id ? ` — its worker has ${s.resolution_id}` : ""}`}));
    }
    if (s.plan_total !== undefined) {
      card.append(el("p", {class: "muted plan-progress", text: `plan: ${s.plan_done}/${s.plan_total} tasks merged`}));
    }
    if (s.error) card.append(el("p", {class: "error stream-error", text: s.error}));
    for (const w of s.warnings || []) card.append(el("p", {class: "warning", text: w}));
    box.append(card);
  }
}

function renderConflicts(conflicts) {
  const body = document.querySelector("#conflicts tbody");
  body.replaceChildren();
  for (const c of conflicts) {
    const commits = Object.entries(c.commits || {}).map(([k, v]) => `${k}: ${(v || []).join(" ") || "–"}`).join("; ");
    body.append(el("tr", {class: `conflict kind-${c.kind}`},
      el("td", {text: c.kind}), el("td", {text: (c.sides || []).join(" vs ")}),
      el("td", {class: "file", text: c.file + (c.other_file ? ` ↔ ${c.other_file}` : "")}),
      el("td", {class: "symbols", text: (c.symbols || []).join(", ")}),
      el("td", {}, el("span", {text: c.detail || ""}),
        c.output ? el("pre", {class: "verify-output", text: c.output}) : null),
      el("td", {class: "mono", text: commits})));
  }
  document.getElementById("conflicts").hidden = !conflicts.length;
  document.getElementById("no-conflicts").hidden = !!conflicts.length;
}

function renderOrder(order) {
  const list = document.getElementById("resolution-order");
  list.replaceChildren(...order.map(text => el("li", {text})));
  document.getElementById("resolution").hidden = !order.length;
}

function renderDecisions(decisions, flags, error) {
  const list = document.getElementById("decisions");
  list.replaceChildren();
  if (error) list.append(el("li", {class: "error", text: error}));
  if (!error && !decisions.length) list.append(el("li", {class: "empty", text: "No shared decisions yet."}));
  for (const d of decisions) {
    list.append(el("li", {class: "decision", "data-id": d.id},
      d.topic ? el("span", {class: "badge topic", text: d.topic}) : null,
      el("span", {text: ` ${d.text} `}),
      el("span", {class: "muted", text: `${d.stream ? "— " + d.stream : ""} ${fmtTime(d.created_at)}`})));
  }
  const box = document.getElementById("decision-flags");
  box.replaceChildren();
  for (const f of flags || []) {
    box.append(el("p", {class: "warning decision-conflict",
      text: `Same topic "${f.topic}" decided by ${f.streams.join(" and ")}: “${f.texts[0]}” vs “${f.texts[1]}”`}));
  }
}

function renderMerges(merges) {
  const body = document.querySelector("#merges tbody");
  body.replaceChildren();
  if (!merges.length) body.append(el("tr", {class: "empty"}, el("td", {colspan: "4", text: "No merges yet."})));
  for (const m of merges) {
    const result = Object.entries(m.streams || {}).map(([k, v]) => `${k}: ${v}`).join(", ") || "nothing to merge";
    body.append(el("tr", {class: "merge"}, el("td", {text: fmtTime(m.at)}), el("td", {text: m.batch_id || ""}),
      el("td", {text: result}),
      el("td", {class: "mono", text: `${(m.before || "").slice(0, 10)} → ${(m.after || "").slice(0, 10)}`})));
  }
}

function render(data) {
  lastSnapshot = data;
  document.getElementById("plan-name").textContent = data.plan ? `— ${data.plan}` : "";
  const err = document.getElementById("error");
  err.hidden = !data.error;
  err.textContent = data.error || "";
  const b = data.batch || {};
  document.getElementById("batch").textContent =
    data.finished ? "plan complete" : b.id ? `${b.id} (into ${data.integration_branch})` : "no batch";
  const total = data.tasks_total || 0, done = data.tasks_done || 0;
  document.getElementById("progress-text").textContent = total ? `${done}/${total} tasks merged` : "";
  const bar = document.getElementById("progress");
  bar.max = total || 1; bar.value = done;
  document.getElementById("waiting").textContent = (b.waiting || []).length
    ? b.waiting.map(w => `${w.task} waits: ${w.reason}`).join(" · ")
    : data.finished ? "" : "No task is waiting.";
  renderStreams(data.streams || []);
  renderConflicts(data.conflicts || []);
  renderOrder(data.resolution_order || []);
  renderDecisions(data.decisions || [], data.decision_conflicts || [], data.decisions_error);
  renderMerges(data.merges || []);
}

function setConnection(state, text) {
  const c = document.getElementById("connection");
  c.className = `conn conn-${state}`;
  c.textContent = text;
}

function connect() {
  const source = new EventSource(`/events${q}`);
  source.addEventListener("open", () => setConnection("live", "live"));
  source.addEventListener("snapshot", (ev) => {
    try { render(JSON.parse(ev.data)); } catch (e) { setConnection("error", `bad update: ${e}`); }
  });
  source.addEventListener("error", () => setConnection("lost", "reconnecting…"));
}

// Elapsed times tick between updates.
setInterval(() => {
  if (!lastSnapshot) return;
  for (const s of lastSnapshot.streams || []) {
    const card = document.querySelector(`article[data-stream="${CSS.escape(s.stream)}"] .elapsed`);
    if (card) card.textContent = fmtElapsed(elapsedOf(s));
  }
}, 1000);

fetch(`/api/state${q}`).then(r => r.ok ? r.json() : Promise.reject(r.status)).then(render).catch(() => {});
connect();
