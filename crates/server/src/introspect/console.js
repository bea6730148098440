// laminar's console: one page over /_laminar/api (and the Lambda API for
// invokes). Hash routes: #/functions, #/functions/NAME[/TAB], #/invocations,
// #/environments, #/sources.
"use strict";

const API = "/_laminar/api";
const $ = (sel, root = document) => root.querySelector(sel);
const main = $("#main");
let live = null;          // the EventSource of the page
const listeners = new Set();  // invocation callbacks of the current view

// ---- helpers ----
function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
async function api(path, options) {
  const r = await fetch(API + path, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || body.Message || r.statusText);
  return body;
}
const enc = encodeURIComponent;
function time(ms) { const d = new Date(ms); return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0"); }
function dateTime(ms) { return new Date(ms).toLocaleString([], { hour12: false }); }
function age(ms) { const s = Math.floor(ms / 1000); return s < 60 ? s + "s" : s < 3600 ? Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s" : Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m"; }
function ms(v) { return v == null ? "–" : v.toFixed(2) + " ms"; }
function pretty(text) { try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; } }
function statusBadge(inv) {
  return inv.status === "Error"
    ? `<span class="badge b-err">${esc(inv.errorType || "Error")}</span>`
    : `<span class="badge b-ok">Success</span>`;
}
function startBadge(inv) {
  return inv.cold ? `<span class="badge b-cold" title="Init Duration">cold ${inv.initDurationMs.toFixed(0)} ms</span>` : `<span class="badge b-warm">warm</span>`;
}
function kv(pairs) {
  return `<dl class="kv">${pairs.filter(p => p[1] !== undefined && p[1] !== null && p[1] !== "").map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}
function table(head, rows, empty = "Nothing yet.") {
  if (!rows.length) return `<p class="muted">${empty}</p>`;
  return `<table><thead><tr>${head.map(h => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}
function fail(e) { main.innerHTML = `<div class="panel error">${esc(e.message || e)}</div>`; }

// ---- live feed ----
function connectLive() {
  live = new EventSource(API + "/stream");
  live.addEventListener("open", () => $("#live").classList.add("on"));
  live.addEventListener("error", () => $("#live").classList.remove("on"));
  live.addEventListener("invocation", ev => {
    const inv = JSON.parse(ev.data);
    for (const fn of listeners) fn(inv);
  });
}

// A page left keeps no stream open: the browser allows few connections per
// host, and a lingering stream would stall the next page's requests.
window.addEventListener("pagehide", () => { if (live) { live.close(); live = null; } });
window.addEventListener("pageshow", ev => { if (ev.persisted && !live) connectLive(); });

// ---- invocation rows and the drawer ----
function invocationRow(inv, withFunction = true) {
  return `<tr class="clickable" data-rid="${esc(inv.requestId)}">
    <td class="mono">${time(inv.timeMs)}</td>
    ${withFunction ? `<td><a href="#/functions/${enc(inv.function)}">${esc(inv.function)}</a></td>` : ""}
    <td class="mono">${esc(inv.requestId)}</td>
    <td>${esc(inv.version)}${inv.qualifier && inv.qualifier !== inv.version ? ` <span class="muted">(${esc(inv.qualifier)})</span>` : ""}</td>
    <td>${startBadge(inv)}</td><td>${ms(inv.durationMs)}</td><td>${inv.billedDurationMs} ms</td>
    <td>${inv.maxMemoryUsedMb}/${inv.memoryMb} MB</td><td>${statusBadge(inv)}</td></tr>`;
}
const INV_HEAD = fn => ["Time", ...(fn ? ["Function"] : []), "Request id", "Version", "Start", "Duration", "Billed", "Memory", "Status"];
function wireRows(root) {
  root.addEventListener("click", e => {
    const tr = e.target.closest("tr[data-rid]");
    if (tr && !e.target.closest("a")) showInvocation(tr.dataset.rid);
  });
}
async function showInvocation(rid) {
  const drawer = $("#drawer");
  drawer.classList.remove("hidden");
  $("#drawer-title").textContent = rid;
  $("#drawer-body").innerHTML = `<p class="muted">Loading…</p>`;
  try {
    const { runs } = await api("/invocations/" + enc(rid));
    $("#drawer-body").innerHTML = runs.map(inv => `
      <div class="panel">
        ${kv([["Function", `<a href="#/functions/${enc(inv.function)}">${esc(inv.function)}</a>`], ["Time", dateTime(inv.timeMs)],
              ["Version", esc(inv.version)], ["Qualifier", esc(inv.qualifier)], ["Start", startBadge(inv)], ["Duration", ms(inv.durationMs)],
              ["Billed", inv.billedDurationMs + " ms"], ["Memory", `${inv.maxMemoryUsedMb} of ${inv.memoryMb} MB`], ["Status", statusBadge(inv)],
              ["Log stream", `<span class="mono">${esc(inv.logGroup)} ${esc(inv.logStream)}</span>`]])}
        <h2 style="margin-top:12px">Event <span class="muted">(${inv.eventSize} bytes${inv.eventSize > inv.event.length ? ", truncated" : ""})</span></h2>
        <pre>${esc(pretty(inv.event))}</pre>
        <h2 style="margin-top:12px">Response <span class="muted">(${inv.responseSize} bytes${inv.responseSize > inv.response.length ? ", truncated" : ""})</span></h2>
        <pre>${esc(pretty(inv.response))}</pre>
        <h2 style="margin-top:12px">Logs</h2><pre>${esc(inv.logs)}</pre>
      </div>`).join("");
  } catch (e) { $("#drawer-body").innerHTML = `<p class="error">${esc(e.message)}</p>`; }
}
$("#drawer-close").onclick = () => $("#drawer").classList.add("hidden");

// ---- views ----
const views = {};

views.functions = async (params) => {
  const marker = params.get("marker") || "";
  const { Functions, NextMarker } = await api("/functions" + (marker ? "?marker=" + enc(marker) : ""));
  const history = JSON.parse(sessionStorage.getItem("fnMarkers") || "[]");
  main.innerHTML = `<h1>Functions</h1><div class="panel">
    <div class="row"><input id="filter" placeholder="Filter this page by name" size="32"></div>
    <div id="fnlist">${table(["Name", "Runtime", "Memory", "Timeout", "State", "Warm", "Last modified"], Functions.map(f => `
      <tr data-name="${esc(f.FunctionName)}"><td><a href="#/functions/${enc(f.FunctionName)}">${esc(f.FunctionName)}</a></td>
      <td>${esc(f.Runtime || f.PackageType)}</td><td>${f.MemorySize} MB</td><td>${f.Timeout} s</td>
      <td>${esc(f.State)}</td><td>${f.WarmEnvironments}</td><td class="muted">${esc(f.LastModified)}</td></tr>`), "No functions yet: create one with the AWS CLI or an SDK.")}</div>
    <div class="pager"><button class="ghost" id="prev" ${marker ? "" : "disabled"}>‹ Previous</button>
      <button class="ghost" id="next" ${NextMarker ? "" : "disabled"}>Next ›</button></div></div>`;
  $("#filter").oninput = e => {
    const q = e.target.value.toLowerCase();
    for (const tr of main.querySelectorAll("#fnlist tbody tr")) tr.style.display = tr.dataset.name.toLowerCase().includes(q) ? "" : "none";
  };
  $("#next").onclick = () => { history.push(marker); sessionStorage.setItem("fnMarkers", JSON.stringify(history)); location.hash = "#/functions?marker=" + enc(NextMarker); };
  $("#prev").onclick = () => { const back = history.pop() || ""; sessionStorage.setItem("fnMarkers", JSON.stringify(history)); location.hash = "#/functions" + (back ? "?marker=" + enc(back) : ""); };
};

views.invocations = async (params, fn, root = main) => {
  const before = params.get("before");
  const q = new URLSearchParams({ limit: 50 });
  if (fn) q.set("function", fn);
  if (before) q.set("before", before);
  const page = await api("/invocations?" + q);
  const base = fn ? `#/functions/${enc(fn)}/invocations` : "#/invocations";
  root.innerHTML = `${fn ? "" : "<h1>Invocations</h1>"}<div class="panel">
    <div class="row muted"><span id="inv-total">${page.total}</span> recorded${before ? "" : " · new ones appear as they finish"} · click a row for its event, response and logs</div>
    <div id="invs">${table(INV_HEAD(!fn), page.invocations.map(i => invocationRow(i, !fn)), "No invocations yet.")}</div>
    <div class="pager">${before ? `<a href="${base}">‹ Newest</a>` : ""}
      ${page.nextBefore ? `<a href="${base}?before=${page.nextBefore}">Older ›</a>` : ""}</div></div>`;
  wireRows(root);
  if (!before) listeners.add(inv => {
    if (fn && inv.function !== fn) return;
    let tbody = root.querySelector("#invs tbody");
    if (!tbody) { root.querySelector("#invs").innerHTML = `<table><thead><tr>${INV_HEAD(!fn).map(h => `<th>${h}</th>`).join("")}</tr></thead><tbody></tbody></table>`; tbody = root.querySelector("#invs tbody"); }
    tbody.insertAdjacentHTML("afterbegin", invocationRow(inv, !fn));
    const total = root.querySelector("#inv-total");
    if (total) total.textContent = Number(total.textContent) + 1;
    tbody.firstElementChild.classList.add("fresh");
    while (tbody.children.length > 50) tbody.lastElementChild.remove();
  });
};

function environmentRows(envs, withFunction = true) {
  return envs.map(e => `<tr><td class="mono">${esc(e.id)}</td>
    ${withFunction ? `<td><a href="#/functions/${enc(e.function)}">${esc(e.function)}</a></td>` : ""}
    <td>${esc(e.version)}</td><td>${esc(e.executor)}</td><td>${age(e.ageMs)}</td><td>${e.invocations}</td>
    <td>${e.maxMemoryUsedMb}/${e.memoryMb} MB</td><td>${e.provisioned ? '<span class="badge b-warn">provisioned</span>' : "on demand"}</td>
    <td>${e.state === "busy" ? `<span class="badge b-warn" title="serving this request">busy ${esc(e.requestId || "")}</span>` : `<button class="danger evict" data-id="${esc(e.id)}">Evict</button>`}</td></tr>`);
}
function wireEvict(root, reload) {
  root.addEventListener("click", async e => {
    const b = e.target.closest("button.evict");
    if (!b) return;
    b.disabled = true;
    try { await api(`/environments/${enc(b.dataset.id)}/evict`, { method: "POST" }); } catch (err) { alert(err.message); }
    reload();
  });
}
const ENV_HEAD = fn => ["Id", ...(fn ? ["Function"] : []), "Version", "Executor", "Age", "Invocations", "Memory", "Kind", ""];

views.environments = async () => {
  const { environments } = await api("/environments");
  main.innerHTML = `<h1>Warm environments</h1><div class="panel"><div class="row muted">Idle environments wait for their next invocation; busy ones serve the request named. Evicting an idle one makes the next invocation start cold.</div>
    ${table(ENV_HEAD(true), environmentRows(environments), "No warm environments: every function's next invocation starts cold.")}</div>`;
  wireEvict(main, () => route());
  listeners.add(() => scheduleReload());
};

views.sources = async () => {
  const s = await api("/sources");
  // SQS mappings carry the queue's counts; stream mappings records behind and iterator age.
  const backlog = b => !b ? "–"
    : b.RecordsBehind !== undefined ? `${b.RecordsBehind} records behind · iterator age ${b.IteratorAgeMs} ms`
    : `${b.ApproximateNumberOfMessages} visible · ${b.ApproximateNumberOfMessagesNotVisible} in flight · ${b.ApproximateNumberOfMessagesDelayed} delayed`;
  main.innerHTML = `<h1>Queues &amp; streams</h1>
    <div class="panel"><h2>Event source mappings</h2>${table(["Function", "Source", "State", "Batch", "Backlog", "Last result"], s.EventSourceMappings.map(m => `
      <tr><td><a href="#/functions/${enc(m.FunctionArn.split(":").pop())}">${esc(m.FunctionArn.split(":").slice(6).join(":"))}</a></td>
      <td class="mono">${esc(m.EventSourceArn || "")}</td><td>${esc(m.State)}</td><td>${m.BatchSize ?? "–"}</td><td>${backlog(m.Backlog)}</td><td class="muted">${esc(m.LastProcessingResult || "")}</td></tr>`), "No event source mappings.")}</div>
    <div class="panel"><h2>SQS queues</h2>${table(["Queue", "Visible", "In flight", "Delayed"], s.Queues.map(q => `
      <tr><td>${esc(q.QueueName)}</td><td>${q.Backlog.ApproximateNumberOfMessages}</td><td>${q.Backlog.ApproximateNumberOfMessagesNotVisible}</td><td>${q.Backlog.ApproximateNumberOfMessagesDelayed}</td></tr>`), "No queues.")}</div>
    <div class="panel"><h2>Asynchronous events queued</h2><div class="row muted">Accepted with InvocationType=Event and not finished.</div>
      ${table(["Function", "Pending", "Waiting for a retry", "Oldest"], s.AsyncEvents.map(a => `
      <tr><td><a href="#/functions/${enc(a.FunctionName)}">${esc(a.FunctionName)}</a></td><td>${a.Pending}</td><td>${a.Retrying}</td><td>${age(Date.now() - a.OldestReceivedMs)} ago</td></tr>`), "No asynchronous events waiting.")}</div>
    <div class="panel"><h2>Asynchronous events failed</h2><div class="row muted">Retries or maximum age exhausted, most recent first.</div>
      ${table(["Time", "Function", "Request id", "Attempts", "Why", "Error", "Went to"], (s.FailedAsyncEvents || []).map(f => `
      <tr><td class="mono">${dateTime(f.FailedMs)}</td><td><a href="#/functions/${enc(f.FunctionName)}">${esc(f.FunctionName)}</a></td>
      <td class="mono">${esc(f.RequestId)}</td><td>${f.Attempts}</td><td>${esc(f.Condition)}</td>
      <td>${f.Error ? esc(`${f.Error.errorType || ""}: ${f.Error.errorMessage || JSON.stringify(f.Error)}`) : "–"}</td>
      <td class="mono">${f.Destinations.length ? f.Destinations.map(d => esc(`${d.Kind} ${d.Arn}${d.Delivered ? "" : " (refused)"}`)).join("<br>") : "dropped"}</td></tr>`), "No asynchronous events failed.")}</div>`;
};

// ---- one function ----
const FN_TABS = ["test", "monitor", "invocations", "logs", "configuration", "environments"];
views.function = async (params, name, tab = "test") => {
  const d = await api("/functions/" + enc(name));
  const c = d.Function.Configuration;
  main.innerHTML = `<h1><a href="#/functions" class="muted" style="text-decoration:none">Functions ›</a> ${esc(name)}
      <span class="badge ${c.State === "Active" ? "b-ok" : "b-warn"}">${esc(c.State)}</span></h1>
    <div class="tabs">${FN_TABS.map(t => `<a href="#/functions/${enc(name)}/${t}" class="${t === tab ? "active" : ""}">${t[0].toUpperCase() + t.slice(1)}</a>`).join("")}</div>
    <div id="tab"></div>`;
  const root = $("#tab");
  await fnTabs[tab](root, name, d, params);
};

const fnTabs = {};
fnTabs.configuration = (root, name, d) => {
  const c = d.Function.Configuration;
  const vars = c.Environment?.Variables || {};
  root.innerHTML = `<div class="grid">
    <div class="panel"><h2>Configuration</h2>${kv([["ARN", `<span class="mono">${esc(c.FunctionArn)}</span>`], ["Runtime", esc(c.Runtime || c.PackageType)],
      ["Handler", esc(c.Handler)], ["Memory", c.MemorySize + " MB"], ["Timeout", c.Timeout + " s"], ["Architectures", esc((c.Architectures || []).join(", "))],
      ["Role", `<span class="mono">${esc(c.Role)}</span>`], ["Code size", c.CodeSize + " bytes"], ["Code SHA-256", `<span class="mono">${esc(c.CodeSha256)}</span>`],
      ["Last modified", esc(c.LastModified)], ["Revision", `<span class="mono">${esc(c.RevisionId)}</span>`],
      ["Log group", esc(c.LoggingConfig?.LogGroup)], ["Reserved concurrency", d.Function.Concurrency?.ReservedConcurrentExecutions]])}</div>
    <div class="panel"><h2>Environment variables</h2>${table(["Name", "Value"], Object.entries(vars).map(([k, v]) => `<tr><td class="mono">${esc(k)}</td><td class="mono">${esc(v)}</td></tr>`), "None.")}
      <h2 style="margin-top:14px">Layers</h2>${table(["Layer version ARN", "Size"], (c.Layers || []).map(l => `<tr><td class="mono">${esc(l.Arn)}</td><td>${l.CodeSize} bytes</td></tr>`), "None.")}</div>
    <div class="panel"><h2>Versions</h2>${table(["Version", "Description", "Last modified"], d.Versions.map(v => `<tr><td>${esc(v.Version)}</td><td>${esc(v.Description)}</td><td class="muted">${esc(v.LastModified)}</td></tr>`))}
      <h2 style="margin-top:14px">Aliases</h2>${table(["Alias", "Version", "Routing"], d.Aliases.map(a => `<tr><td>${esc(a.Name)}</td><td>${esc(a.FunctionVersion)}</td><td class="mono">${esc(JSON.stringify(a.RoutingConfig?.AdditionalVersionWeights || {}))}</td></tr>`), "None.")}</div>
    <div class="panel"><h2>Function URLs</h2>${table(["URL", "Auth", "Invoke mode"], d.FunctionUrlConfigs.map(u => `<tr><td><a href="${esc(u.FunctionUrl)}">${esc(u.FunctionUrl)}</a></td><td>${esc(u.AuthType)}</td><td>${esc(u.InvokeMode)}</td></tr>`), "None.")}
      <h2 style="margin-top:14px">Event source mappings</h2>${table(["Source", "State", "Batch"], d.EventSourceMappings.map(m => `<tr><td class="mono">${esc(m.EventSourceArn)}</td><td>${esc(m.State)}</td><td>${m.BatchSize ?? "–"}</td></tr>`), "None.")}</div>
  </div>`;
};

fnTabs.environments = (root, name, d) => {
  root.innerHTML = `<div class="panel"><div class="row"><button class="danger" id="evict-all" ${d.Environments.length ? "" : "disabled"}>Evict all</button>
    <span class="muted">The next invocation after an eviction starts cold.</span></div>
    ${table(ENV_HEAD(false), environmentRows(d.Environments, false), "No warm environments.")}</div>`;
  wireEvict(root, () => route());
  $("#evict-all").onclick = async () => { await api(`/functions/${enc(name)}/evict`, { method: "POST" }); route(); };
  listeners.add(inv => { if (inv.function === name) scheduleReload(); });
};

fnTabs.invocations = (root, name, d, params) => views.invocations(params, name, root);

fnTabs.logs = async (root, name) => {
  root.innerHTML = `<div class="panel"><div class="row"><span class="muted">Live tail of ${esc(name)}'s logs (server-sent events).</span>
    <button class="ghost" id="clear">Clear</button></div><pre id="tail" class="tail"></pre></div>`;
  const tail = $("#tail");
  const { invocations } = await api(`/invocations?function=${enc(name)}&limit=10&bodies=true`);
  const add = text => { tail.textContent += text; tail.scrollTop = tail.scrollHeight; };
  invocations.reverse().forEach(i => add(i.logs));
  $("#clear").onclick = () => { tail.textContent = ""; };
  listeners.add(inv => { if (inv.function === name) add(inv.logs); });
};

// Saved test events live in the browser (localStorage), per function.
const savedKey = name => "laminar.events." + name;
const savedEvents = name => JSON.parse(localStorage.getItem(savedKey(name)) || "{}");
fnTabs.test = (root, name) => {
  const saved = savedEvents(name);
  root.innerHTML = `<div class="grid"><div class="panel"><h2>Test event</h2>
      <div class="row"><select id="saved"><option value="">Saved events…</option>${Object.keys(saved).map(k => `<option>${esc(k)}</option>`).join("")}</select>
        <input id="event-name" placeholder="Event name"><button class="ghost" id="save">Save</button><button class="ghost" id="delete">Delete</button></div>
      <textarea id="payload" spellcheck="false">{\n  "key": "value"\n}</textarea>
      <div class="row"><button id="invoke">Invoke</button><span id="json-state" class="muted">valid JSON</span></div></div>
    <div class="panel" id="result"><h2>Result</h2><p class="muted">Invoke to see the response and the logs.</p></div></div>`;
  const payload = $("#payload");
  const check = () => {
    try { JSON.parse(payload.value); payload.classList.remove("invalid"); $("#json-state").textContent = "valid JSON"; $("#json-state").className = "muted"; $("#invoke").disabled = false; return true; }
    catch (e) { payload.classList.add("invalid"); $("#json-state").textContent = e.message; $("#json-state").className = "error"; $("#invoke").disabled = true; return false; }
  };
  payload.oninput = check;
  $("#saved").onchange = e => { if (e.target.value) { payload.value = saved[e.target.value]; $("#event-name").value = e.target.value; check(); } };
  const options = () => { $("#saved").innerHTML = `<option value="">Saved events…</option>` + Object.keys(saved).map(k => `<option>${esc(k)}</option>`).join(""); };
  const store = () => localStorage.setItem(savedKey(name), JSON.stringify(saved));
  $("#save").onclick = () => {
    const key = $("#event-name").value.trim();
    if (!key || !check()) return;
    saved[key] = payload.value; store(); options(); $("#saved").value = key;
  };
  $("#delete").onclick = () => { delete saved[$("#event-name").value.trim()]; store(); options(); };
  $("#invoke").onclick = async () => {
    if (!check()) return;
    $("#invoke").disabled = true;
    const result = $("#result");
    result.innerHTML = `<h2>Result</h2><p class="muted">Running…</p>`;
    try {
      const r = await fetch(`/2015-03-31/functions/${enc(name)}/invocations`, { method: "POST", headers: { "X-Amz-Log-Type": "Tail", "Content-Type": "application/json" }, body: payload.value });
      const text = await r.text();
      const logs = r.headers.get("x-amz-log-result");
      const failed = r.headers.get("x-amz-function-error");
      const rid = r.headers.get("x-amzn-requestid");
      result.innerHTML = `<h2>Result <span class="badge ${!r.ok || failed ? "b-err" : "b-ok"}" id="result-status">${!r.ok ? r.status : failed ? "Error (" + esc(failed) + ")" : "Succeeded"}</span></h2>
        ${kv([["Request id", `<a href="#" id="rid" class="mono">${esc(rid)}</a>`], ["Executed version", esc(r.headers.get("x-amz-executed-version"))]])}
        <h2 style="margin-top:12px">Response</h2><pre id="response">${esc(pretty(text))}</pre>
        <h2 style="margin-top:12px">Logs</h2><pre id="logs">${esc(logs ? new TextDecoder().decode(Uint8Array.from(atob(logs), c => c.charCodeAt(0))) : "")}</pre>`;
      $("#rid").onclick = e => { e.preventDefault(); showInvocation(rid); };
    } catch (e) { result.innerHTML = `<h2>Result</h2><p class="error">${esc(e.message)}</p>`; }
    $("#invoke").disabled = false;
  };
};

// Charts: SVG drawn here, one per metric, x = time, y from 0.
function chart(title, period, start, end, lines, unit) {
  const W = 600, H = 170, L = 44, R = 10, T = 10, B = 22;
  const max = Math.max(1, ...lines.flatMap(l => l.points.map(p => p[1]))) * 1.1;
  const x = t => L + (t - start) / (end - start) * (W - L - R);
  const y = v => H - B - v / max * (H - T - B);
  const ticks = [0, max / 2, max].map(v => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e2e6ec"/><text x="${L - 4}" y="${y(v) + 3}" text-anchor="end">${v >= 10 ? v.toFixed(0) : v.toFixed(1)}</text>`).join("");
  const times = [[start, "start"], [(start + end) / 2, "middle"], [end, "end"]].map(([t, anchor]) => `<text x="${x(t)}" y="${H - 6}" text-anchor="${anchor}">${new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false })}</text>`).join("");
  const paths = lines.map(l => {
    if (!l.points.length) return "";
    const d = l.points.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("");
    const dots = l.points.filter(p => p[1] > 0 || l.points.length < 3).map(p => `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2.5" fill="${l.color}"><title>${p[1].toFixed(2)} ${unit}</title></circle>`).join("");
    return `<path d="${d}" fill="none" stroke="${l.color}" stroke-width="2"/>${dots}`;
  }).join("");
  return `<div class="panel"><h2>${title}</h2><div class="legend">${lines.map(l => `<span><i style="background:${l.color}"></i>${l.name}</span>`).join("")}</div>
    <svg class="chart" viewBox="0 0 ${W} ${H}">${ticks}${times}${paths}</svg></div>`;
}
fnTabs.monitor = async (root, name) => {
  const m = await api(`/functions/${enc(name)}/metrics?minutes=60`);
  const s = m.series;
  const pts = (series, stat) => (series || []).filter(p => p[stat] != null).map(p => [p.t, p[stat]]);
  // Counts: a minute without a data point counted zero.
  const counts = (series, stat) => {
    const at = new Map(pts(series, stat));
    const out = [];
    for (let t = m.start; t < m.end; t += m.period) out.push([t, at.get(t) || 0]);
    return out;
  };
  root.innerHTML = `<div class="row muted">The last hour of AWS/Lambda metrics, per minute (CloudWatch).</div><div class="grid">
    ${chart("Invocations", m.period, m.start, m.end, [{ name: "Invocations", color: "#2463eb", points: counts(s.Invocations, "Sum") }], "")}
    ${chart("Errors", m.period, m.start, m.end, [{ name: "Errors", color: "#c23030", points: counts(s.Errors, "Sum") }], "")}
    ${chart("Duration (ms)", m.period, m.start, m.end, [{ name: "p50", color: "#18864b", points: pts(s.Duration, "p50") },
      { name: "p90", color: "#b7791f", points: pts(s.Duration, "p90") }, { name: "p99", color: "#c23030", points: pts(s.Duration, "p99") }], "ms")}
    ${chart("Concurrent executions", m.period, m.start, m.end, [{ name: "Maximum", color: "#7c3aed", points: pts(s.ConcurrentExecutions, "Maximum") }], "")}
  </div>`;
  listeners.add(inv => { if (inv.function === name) scheduleReload(); });
};

// ---- routing ----
let reloadTimer = null;
function scheduleReload() { clearTimeout(reloadTimer); reloadTimer = setTimeout(route, 500); }

async function route() {
  listeners.clear();
  $("#drawer").classList.add("hidden");
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const params = new URLSearchParams(query || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const top = parts[0] || "functions";
  for (const a of document.querySelectorAll("header nav a")) a.classList.toggle("active", a.dataset.tab === top);
  try {
    if (top === "functions" && parts[1]) await views.function(params, parts[1], FN_TABS.includes(parts[2]) ? parts[2] : "test");
    else if (views[top]) await views[top](params);
    else await views.functions(params);
  } catch (e) { fail(e); }
}
window.addEventListener("hashchange", route);
api("/../health").then(h => { $("#health").textContent = "executor: " + h.executor; }).catch(() => {});
connectLive();
route();
