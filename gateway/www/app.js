// The wire monitor: live revisions over Server-Sent Events (/v1/stream),
// a story's revisions, word diff and blame over REST (/v1/articles/...).
// Plain JavaScript, no build step, nothing fetched from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
const MAX_ITEMS = 500;
const state = { source: null, items: new Map(), feeds: new Set(), story: null };

function settings() {
  const list = (id) => $(id).value.split(",").map((s) => s.trim()).filter(Boolean);
  return { feeds: list("feeds"), instruments: list("instruments"), topics: list("topics"),
           token: $("token").value.trim() };
}

function withToken(url) {
  const token = settings().token;
  if (!token) return url;
  return url + (url.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(token);
}

// "16:20:00 JST" in the story's own zone (and the date when not today there).
function storyTime(iso, zone) {
  if (!iso) return "";
  const date = new Date(iso);
  const options = { timeZone: zone || "UTC", hour: "2-digit", minute: "2-digit", second: "2-digit",
                    hour12: false, timeZoneName: "short" };
  try {
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: zone || "UTC" });
    const sameDay = day.format(date) === day.format(new Date());
    if (!sameDay) Object.assign(options, { year: "numeric", month: "2-digit", day: "2-digit" });
    return new Intl.DateTimeFormat("en-GB", options).format(date);
  } catch (e) {
    return date.toISOString();
  }
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function badges(article) {
  const out = [];
  const urgency = article.urgency || 5;
  if (article.pubstatus === "PUB_STATUS_CANCELED") out.push(el("span", { class: "badge kill" }, "KILL"));
  if (article.pubstatus === "PUB_STATUS_WITHHELD") out.push(el("span", { class: "badge withheld" }, "withheld"));
  if (urgency === 1) out.push(el("span", { class: "badge flash" }, "FLASH"));
  else out.push(el("span", { class: "badge" }, "urgency " + urgency));
  for (const s of article.signals || []) {
    if (s === "SIGNAL_UPDATE") out.push(el("span", { class: "badge update" }, "update"));
    if (s === "SIGNAL_CORRECTION") out.push(el("span", { class: "badge correction" }, "correction"));
  }
  return out;
}

function instruments(article) {
  return (article.instruments || []).map((i) => i.exchange + ":" + i.symbol);
}

// --- The live wire -------------------------------------------------------

function connect() {
  if (state.source) state.source.close();
  const s = settings();
  const params = new URLSearchParams();
  for (const f of s.feeds) params.append("feed", f);
  for (const i of s.instruments) params.append("instrument", i);
  for (const t of s.topics) params.append("topic", t);
  const query = params.toString();
  const source = new EventSource(withToken("/v1/stream" + (query ? "?" + query : "")));
  state.source = source;
  source.onopen = () => setStatus("live", "live");
  source.onerror = () => setStatus("down", "reconnecting…");
  source.addEventListener("revision", (e) => onRevision(JSON.parse(e.data)));
  source.addEventListener("unverified", (e) => {
    const d = JSON.parse(e.data);
    setStatus("down", "wire #" + d.wire_seq + " did not verify: " + d.problem);
  });
  source.addEventListener("gap", (e) => {
    const d = JSON.parse(e.data);
    setStatus("down", "gap on " + d.channel + " " + d.first_missing + "–" + d.last_missing + ": " + d.reason);
  });
  source.addEventListener("cutoff", () => setStatus("down", "cut off as too slow; reconnecting…"));
  source.addEventListener("error", (e) => {
    if (e.data) setStatus("down", JSON.parse(e.data).message);
  });
}

function setStatus(kind, text) {
  const status = $("status");
  status.className = "status " + kind;
  status.textContent = text;
}

function onRevision(d) {
  const a = d.article;
  $("seq").textContent = "wire #" + d.wire_seq;
  $("empty").hidden = true;
  if (!state.feeds.has(a.feed)) {
    state.feeds.add(a.feed);
    $("seen-feeds").textContent = [...state.feeds].sort().join(", ");
  }
  const old = state.items.get(a.id);
  if (old) old.remove();
  const kill = a.pubstatus === "PUB_STATUS_CANCELED";
  const item = el("li", {
    class: "item" + ((a.urgency || 5) === 1 ? " flash" : "") + (kill ? " kill" : ""),
    "data-article": a.id, "data-version": String(a.version), tabindex: "0" },
    kill ? el("div", { class: "kill-banner" }, "KILL — withdrawn: do not use") : null,
    el("div", { class: "meta" },
      el("span", { class: "time" }, storyTime(a.versioncreated || d.wire_time, a.time_zone)),
      ...badges(a),
      el("span", {}, a.feed),
      el("span", {}, instruments(a).join(" ")),
      el("span", {}, "v" + a.version)),
    el("div", { class: "headline" }, a.headline),
    ...figureLines(d.figures));
  item.addEventListener("click", () => openStory(a.id));
  item.addEventListener("keydown", (e) => { if (e.key === "Enter") openStory(a.id); });
  $("items").prepend(item);
  state.items.set(a.id, item);
  while (state.items.size > MAX_ITEMS) {
    const [id, node] = state.items.entries().next().value;
    node.remove();
    state.items.delete(id);
  }
  if (state.story === a.id) openStory(a.id, a.version);
}

// Figure changes of a revision, one line each: "3.2% → 3.4% (paragraph 3: …)".
function figureLines(figures) {
  return (figures || []).map((f) => {
    const what = f.change === "added" ? "+ " + f.after.text
      : f.change === "removed" ? "− " + f.before.text
      : f.before.text + " → " + f.after.text;
    return el("div", { class: "figure " + f.change },
      el("strong", {}, what), " (" + f.where + ": “" + f.context + "”)");
  });
}

// --- A story: timeline, diff, blame --------------------------------------

async function getJson(path) {
  const response = await fetch(withToken(path));
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.code + ": " + body.error.message : response.status);
  return body;
}

async function openStory(id, latestVersion) {
  state.story = id;
  document.querySelector("main").classList.add("with-story");
  $("story").hidden = false;
  for (const node of document.querySelectorAll(".item.selected")) node.classList.remove("selected");
  const selected = state.items.get(id);
  if (selected) selected.classList.add("selected");
  try {
    const [latest, history] = await Promise.all([
      getJson("/v1/articles/" + encodeURIComponent(id)),
      getJson("/v1/articles/" + encodeURIComponent(id) + "/history")]);
    const a = latest.article;
    $("story-head").replaceChildren(el("div", {},
      a.pubstatus === "PUB_STATUS_CANCELED" ? el("div", { class: "kill-banner" }, "KILL — withdrawn: do not use") : null,
      el("div", { class: "changes" }, ...badges(a), " ", a.feed, " · ", instruments(a).join(" "),
         " · ", (a.topics || []).join(", ")),
      el("h2", {}, a.headline),
      el("div", { class: "changes" }, (a.byline || "") + " · " + storyTime(a.versioncreated, a.time_zone))));
    const timeline = $("timeline");
    timeline.replaceChildren(...history.versions.map((v) => el("li", {},
      el("span", { class: "v" }, "v" + v.version),
      el("span", { class: "time" }, storyTime(v.wire_time, a.time_zone)), " · ",
      v.ednote || v.headline, el("span", { class: "changes" },
        " — " + v.diff_bytes + " B sent of " + v.full_bytes + " B"))));
    const versions = history.versions.map((v) => v.version);
    fillSelect($("diff-from"), versions, versions.length > 1 ? versions[versions.length - 2] : versions[0]);
    fillSelect($("diff-to"), versions, versions[versions.length - 1]);
    await showDiff();
  } catch (error) {
    $("diff").replaceChildren(el("p", { class: "error" }, String(error.message || error)));
  }
}

function fillSelect(select, versions, chosen) {
  select.replaceChildren(...versions.map((v) => el("option", { value: String(v) }, "v" + v)));
  select.value = String(chosen);
}

// Text diffs count bytes of UTF-8 and never split a character, so the base
// is cut as bytes and each piece decoded whole: Japanese and emoji intact.
function renderTextDiff(base, diff) {
  const bytes = new TextEncoder().encode(base || "");
  const decode = (from, to) => new TextDecoder().decode(bytes.subarray(from, to));
  const out = [];
  let pos = 0;
  for (const op of diff.ops || []) {
    if (op.retain !== undefined) {
      out.push(document.createTextNode(decode(pos, pos + op.retain)));
      pos += op.retain;
    } else if (op.remove !== undefined) {
      out.push(el("del", {}, decode(pos, pos + op.remove)));
      pos += op.remove;
    } else if (op.insert !== undefined) {
      out.push(el("ins", {}, op.insert));
    }
  }
  return out;
}

function renderList(tag, base, diff, blame) {
  const container = el(tag === "li" ? "ul" : "div", {});
  const item = (cls, kids, index) => {
    const node = el(tag === "li" ? "li" : "p", { class: "para " + cls }, ...kids);
    if (blame && index !== null && blame[index]) {
      const b = blame[index];
      node.prepend(el("span", { class: "blame" }, "since v" + b.since_version + " · " + b.since_wire_time));
    }
    return node;
  };
  let pos = 0, out = 0;
  const ops = diff ? diff.ops || [] : [{ retain: base.length }];
  for (const op of ops) {
    if (op.retain !== undefined) {
      for (let k = 0; k < op.retain; ++k) container.append(item("", [base[pos++]], out++));
    } else if (op.remove !== undefined) {
      for (let k = 0; k < op.remove; ++k) container.append(item("removed", [base[pos++]], null));
    } else if (op.insert !== undefined) {
      container.append(item("added", [op.insert], out++));
    } else if (op.modify !== undefined) {
      container.append(item("modified", renderTextDiff(base[pos++], op.modify), out++));
    }
  }
  return container;
}

async function showDiff() {
  const id = state.story;
  const from = Number($("diff-from").value), to = Number($("diff-to").value);
  const path = "/v1/articles/" + encodeURIComponent(id);
  try {
    const [base, diff, blame] = await Promise.all([
      getJson(path + "?version=" + from),
      getJson(path + "/diff?from=" + from + "&to=" + to),
      $("show-blame").checked ? getJson(path + "/blame") : Promise.resolve(null)]);
    const a = base.article, d = diff.diff;
    const blameOf = (kind) => blame && to === Math.max(...[...$("diff-to").options].map((o) => Number(o.value)))
      ? blame.lines.filter((l) => l.kind === kind) : null;
    const parts = [el("p", { class: "changes" }, "v" + diff.from + " → v" + diff.to + ": " +
                      diff.diff_bytes + " B of diff for a " + diff.full_bytes + " B article")];
    parts.push(el("h2", {}, ...(d.headline ? renderTextDiff(a.headline, d.headline) : [a.headline])));
    parts.push(renderList("li", a.key_points || [], d.key_points, blameOf("key point")));
    parts.push(renderList("p", a.body || [], d.body, blameOf("paragraph")));
    if (d.ednote || a.ednote) {
      parts.push(el("p", { class: "changes" }, "Update note: ",
        ...(d.ednote ? renderTextDiff(a.ednote, d.ednote) : [a.ednote])));
    }
    const moved = [];
    for (const i of d.instruments_added || []) moved.push(el("ins", {}, " +" + i.exchange + ":" + i.symbol));
    for (const i of d.instruments_removed || []) moved.push(el("del", {}, " −" + i.exchange + ":" + i.symbol));
    for (const t of d.topics_added || []) moved.push(el("ins", {}, " +" + t));
    for (const t of d.topics_removed || []) moved.push(el("del", {}, " −" + t));
    if (moved.length) parts.push(el("p", { class: "changes" }, "Instruments and topics:", ...moved));
    if (blame && !blameOf("paragraph")) {
      parts.push(el("p", { class: "changes" }, "Blame is shown against the latest version: pick it as To."));
    }
    $("diff").replaceChildren(...parts);
  } catch (error) {
    $("diff").replaceChildren(el("p", { class: "error" }, String(error.message || error)));
  }
}

// --- Wiring ---------------------------------------------------------------

$("settings-toggle").addEventListener("click", () => {
  const form = $("settings");
  form.hidden = !form.hidden;
  $("settings-toggle").setAttribute("aria-expanded", String(!form.hidden));
});
$("settings").addEventListener("submit", (e) => {
  e.preventDefault();
  for (const key of ["feeds", "instruments", "topics", "token"]) localStorage.setItem("newswire." + key, $(key).value);
  state.items.forEach((node) => node.remove());
  state.items.clear();
  connect();
});
$("close-story").addEventListener("click", () => {
  state.story = null;
  $("story").hidden = true;
  document.querySelector("main").classList.remove("with-story");
});
$("diff-from").addEventListener("change", showDiff);
$("diff-to").addEventListener("change", showDiff);
$("show-blame").addEventListener("change", showDiff);
for (const key of ["feeds", "instruments", "topics", "token"]) {
  $(key).value = localStorage.getItem("newswire." + key) || "";
}
connect();
