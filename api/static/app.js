// The web page: paste text, pick a ladder, see evidenced behaviors, click one to highlight its quotes.
// Offsets from the API count Unicode code points (Python string indices); JavaScript strings count
// UTF-16 units, so the text is handled as an array of code points to keep highlights exact.
"use strict";

const $ = (id) => document.getElementById(id);
let last = null; // { text, result }

function headers() {
  const h = { "Content-Type": "application/json" };
  const token = $("token").value.trim();
  if (token) h.Authorization = `Bearer ${token}`;
  return h;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers() });
  if (response.status === 401) {
    $("token-row").hidden = false;
    throw new Error("This server needs an API token: enter it above and try again.");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    throw new Error(detail || `HTTP ${response.status}`);
  }
  return body;
}

function setStatus(message, isError = false) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

async function loadRubrics() {
  try {
    const rubrics = await api("/v1/rubrics");
    $("rubric").innerHTML = "";
    for (const r of rubrics) {
      const option = document.createElement("option");
      option.value = r.id;
      option.textContent = `${r.title} (${r.behaviors} behaviors)`;
      $("rubric").append(option);
    }
  } catch (error) {
    setStatus(error.message, true);
  }
}

function renderDoc(text, spans) {
  const chars = Array.from(text);
  const doc = $("doc");
  doc.textContent = "";
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let at = 0;
  let first = null;
  for (const span of sorted) {
    if (span.start < at) continue;
    doc.append(chars.slice(at, span.start).join(""));
    const mark = document.createElement("mark");
    mark.textContent = chars.slice(span.start, span.end).join("");
    doc.append(mark);
    first = first || mark;
    at = span.end;
  }
  doc.append(chars.slice(at).join(""));
  if (first) first.scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function select(button, match) {
  document.querySelectorAll(".behavior.active").forEach((b) => b.classList.remove("active"));
  button.classList.add("active");
  renderDoc(last.text, match.citations);
}

function renderResult(text, result) {
  last = { text, result };
  const n = result.matches.length;
  $("headline").textContent = `${n} of ${result.rubric.behaviors} behaviors evidenced: ${result.rubric.title}`;
  let judge = `${result.judge.mode} judge · ${result.model}`;
  if (result.judge.status !== "ok") judge += ` · LLM judge ${result.judge.status}: ${result.judge.reason}`;
  $("judge").textContent = judge;

  const list = $("behaviors");
  list.textContent = "";
  const order = result.rubric.areas;
  const byArea = new Map(order.map((a) => [a, []]));
  for (const m of result.matches) (byArea.get(m.area) || byArea.set(m.area, []).get(m.area)).push(m);
  for (const [area, matches] of byArea) {
    if (!matches.length) continue;
    const section = document.createElement("div");
    section.className = "area";
    const h = document.createElement("h3");
    h.textContent = area;
    section.append(h);
    for (const m of matches) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "behavior";
      b.dataset.behavior = m.behavior_id;
      b.innerHTML = `<span class="id"></span><span class="badge ${m.strength}"></span><span class="text"></span><span class="why"></span>`;
      b.querySelector(".id").textContent = m.behavior_id;
      b.querySelector(".badge").textContent = m.strength;
      b.querySelector(".text").textContent = m.text;
      b.querySelector(".why").textContent = m.rationale;
      b.addEventListener("click", () => select(b, m));
      section.append(b);
    }
    list.append(section);
  }
  if (!n) list.textContent = "No behavior is evidenced by this text.";

  $("gaps-title").textContent = `Gaps: ${result.gaps.length} behaviors with no evidence`;
  $("gaps").textContent = "";
  for (const g of result.gaps) {
    const li = document.createElement("li");
    li.textContent = `${g.behavior_id} (${g.area}): ${g.text}`;
    $("gaps").append(li);
  }
  renderDoc(text, []);
  $("results").hidden = false;
}

function markdown(result) {
  const lines = [`# Evidence for ${result.rubric.title}`, "", `${result.matches.length} of ${result.rubric.behaviors} behaviors evidenced.`];
  for (const area of result.rubric.areas) {
    const matches = result.matches.filter((m) => m.area === area);
    if (!matches.length) continue;
    lines.push("", `## ${area}`, "");
    for (const m of matches) {
      lines.push(`- **${m.behavior_id}** (${m.strength}): ${m.text}`);
      for (const c of m.citations) lines.push(`  > “${c.quote}”`);
    }
  }
  if (result.gaps.length) {
    lines.push("", "## Gaps", "");
    for (const g of result.gaps) lines.push(`- **${g.behavior_id}**: ${g.text}`);
  }
  return lines.join("\n") + "\n";
}

async function run() {
  const text = $("text").value;
  if (!text.trim()) {
    setStatus("Paste some text first.", true);
    return;
  }
  $("go").disabled = true;
  setStatus("Matching…");
  try {
    const result = await api("/v1/match", { method: "POST", body: JSON.stringify({ text, rubric: $("rubric").value }) });
    renderResult(text, result);
    setStatus("");
  } catch (error) {
    setStatus(error.message, true);
  } finally {
    $("go").disabled = false;
  }
}

$("go").addEventListener("click", run);
$("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
$("file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  if (file.size > 1_000_000) return setStatus("That file is over 1 MB.", true);
  try {
    if (/\.(docx|pdf)$/i.test(file.name)) {
      // Binary formats are read by the server (python-docx, pypdf); the file is not stored.
      const h = headers();
      h["Content-Type"] = "application/octet-stream";
      const response = await fetch(`/v1/extract?filename=${encodeURIComponent(file.name)}`, { method: "POST", headers: h, body: file });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.detail || `HTTP ${response.status}`);
      $("text").value = body.text;
    } else {
      $("text").value = await file.text();
    }
    setStatus(`Loaded ${file.name}.`);
  } catch (error) {
    setStatus(error.message, true);
  }
});
$("copy-md").addEventListener("click", async () => {
  if (!last) return;
  try {
    await navigator.clipboard.writeText(markdown(last.result));
    setStatus("Copied as Markdown.");
  } catch {
    setStatus("The browser refused clipboard access; use Download JSON instead.", true);
  }
});
$("download-json").addEventListener("click", () => {
  if (!last) return;
  const blob = new Blob([JSON.stringify(last.result, null, 2)], { type: "application/json" });
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: "evidence.json" });
  a.click();
  URL.revokeObjectURL(a.href);
});
loadRubrics();
