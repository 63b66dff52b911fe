using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Admin;

/// <summary>
/// The inspector at <c>/</c>: a live view of <c>/_emulator/state</c> for a person debugging their app — profiles, events
/// per metric, lists and members, subscriptions, bulk jobs with their errors, rejected requests with pointer and body,
/// rate-limit windows and the fault switches. One self-contained page (inline CSS and script, no external assets); the
/// first state is embedded, then the script polls <c>/_emulator/state</c> every two seconds and re-renders.
/// </summary>
internal static class HomePage
{
    public static string Render(JsonObject state) =>
        Template.Replace("__STATE__", Embed(state.ToJsonString()), StringComparison.Ordinal);

    /// <summary>Makes JSON safe inside a <c>&lt;script&gt;</c> element (no <c>&lt;/script&gt;</c>, no HTML comment openers).</summary>
    private static string Embed(string json) =>
        json.Replace("<", "\\u003c", StringComparison.Ordinal).Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal);

    private const string Template = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Klaviyo emulator</title>
        <style>
        :root{--fg:#1d1d1f;--mute:#6b6b70;--line:#dedee3;--bg:#fafafb;--ok:#137333;--bad:#b3261e;--warn:#8a5a00;--accent:#2b59c3}
        *{box-sizing:border-box}body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0}
        header{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:10px 20px;display:flex;gap:18px;align-items:center;flex-wrap:wrap;z-index:1}
        header h1{font-size:18px;margin:0}header .stat{color:var(--mute)}header .stat b{color:var(--fg)}
        nav a{margin-right:10px;color:var(--accent);text-decoration:none}
        main{padding:8px 20px 40px;display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px}
        section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px;overflow:auto}
        section.wide{grid-column:1/-1}
        h2{font-size:15px;margin:4px 0 8px}h2 .count{color:var(--mute);font-weight:normal}
        table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
        th{color:var(--mute);font-weight:600}code,pre{font:12px/1.35 ui-monospace,Menlo,Consolas,monospace}pre{white-space:pre-wrap;word-break:break-all;margin:4px 0;background:#f4f4f6;padding:6px;border-radius:4px;max-height:240px;overflow:auto}
        .empty{color:var(--mute);font-style:italic}.pill{display:inline-block;padding:0 6px;border-radius:9px;font-size:12px;border:1px solid var(--line)}
        .SUBSCRIBED,.complete,.s2{color:var(--ok);border-color:var(--ok)}.UNSUBSCRIBED,.s4,.s5,.failed{color:var(--bad);border-color:var(--bad)}
        .NEVER_SUBSCRIBED,.queued,.pending{color:var(--warn);border-color:var(--warn)}.pointer{color:var(--bad)}
        .bar{height:6px;background:#eee;border-radius:3px;min-width:80px}.bar i{display:block;height:6px;border-radius:3px;background:var(--accent)}
        form.inline{display:flex;gap:8px;flex-wrap:wrap;align-items:end;margin-top:8px}form.inline label{display:flex;flex-direction:column;font-size:12px;color:var(--mute)}
        input{font:inherit;padding:2px 4px;width:90px}button{font:inherit;padding:3px 10px;border:1px solid var(--line);border-radius:5px;background:#fff;cursor:pointer}
        button:hover{border-color:var(--accent)}#live.off{color:var(--bad)}
        </style></head>
        <body>
        <header>
          <h1>Klaviyo emulator</h1>
          <span class="stat">revision <b>2026-07-15</b></span>
          <span class="stat">clock <b id="now"></b></span>
          <span class="stat" id="summary"></span>
          <label class="stat"><input type="checkbox" id="auto" checked style="width:auto"> <span id="live">live</span></label>
          <nav><a href="#profiles">profiles</a><a href="#events">events</a><a href="#lists">lists</a><a href="#jobs">jobs</a><a href="#rejected">rejected</a><a href="#rate-limits">rate limits</a><a href="#faults">faults</a><a href="/_emulator/state">JSON</a></nav>
        </header>
        <main>
          <section id="profiles" class="wide"><h2>Profiles <span class="count"></span></h2><div class="body"></div></section>
          <section id="events"><h2>Events per metric <span class="count"></span></h2><div class="body"></div></section>
          <section id="recent-events"><h2>Latest events</h2><div class="body"></div></section>
          <section id="lists"><h2>Lists and members <span class="count"></span></h2><div class="body"></div></section>
          <section id="subscriptions"><h2>Subscriptions</h2><div class="body"></div></section>
          <section id="jobs" class="wide"><h2>Bulk jobs <span class="count"></span></h2><div class="body"></div></section>
          <section id="rejected" class="wide"><h2>Rejected requests <span class="count"></span></h2><div class="body"></div></section>
          <section id="rate-limits"><h2>Rate limits</h2><div class="body"></div></section>
          <section id="faults"><h2>Fault switches</h2><div class="body"></div>
            <form class="inline" id="fault-form">
              <label>fail rate (0..1)<input name="failRate" type="number" step="0.05" min="0" max="1"></label>
              <label>fail status<input name="failStatus" type="number" value="503"></label>
              <label>fail next N<input name="failNext" type="number" min="0"></label>
              <label>latency ms<input name="latencyMs" type="number" min="0"></label>
              <label>reset rate<input name="resetRate" type="number" step="0.05" min="0" max="1"></label>
              <label>down seconds<input name="downSeconds" type="number" min="0"></label>
              <button type="submit">Apply</button><button type="button" id="clear-faults">Clear faults</button>
              <button type="button" id="toggle-limits">Toggle rate limits</button><button type="button" id="confirm-all">Confirm pending opt-ins</button>
            </form>
          </section>
          <section id="counters" class="wide"><h2>Requests by endpoint and status</h2><div class="body"></div></section>
        </main>
        <script id="initial-state" type="application/json">__STATE__</script>
        <script>
        "use strict";
        let state = JSON.parse(document.getElementById("initial-state").textContent);
        const h = (tag, attrs, ...children) => {
          const e = document.createElement(tag);
          for (const [k, v] of Object.entries(attrs || {})) { if (v !== undefined && v !== null) e.setAttribute(k, v); }
          for (const c of children.flat(Infinity)) { if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c)); }
          return e;
        };
        const pill = (text) => h("span", { class: "pill " + String(text).replace(/[^A-Za-z0-9_]/g, "") }, text);
        const json = (v) => h("pre", {}, typeof v === "string" ? v : JSON.stringify(v, null, 2));
        const table = (headers, rows, empty) => rows.length === 0
          ? h("p", { class: "empty" }, empty)
          : h("table", {}, h("tr", {}, headers.map((x) => h("th", {}, x))), rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))));
        const fill = (id, count, node) => {
          const s = document.getElementById(id);
          if (count !== undefined) s.querySelector(".count").textContent = "(" + count + ")";
          s.querySelector(".body").replaceChildren(node);
        };
        const byId = (list) => Object.fromEntries(list.map((p) => [p.id, p]));
        const who = (p) => p ? (p.identifiers.email || p.identifiers.phone_number || p.identifiers.external_id || p.id) : "(deleted)";
        const consent = (s, channel, type) => (s && s[channel] && s[channel][type] && s[channel][type].consent) || "NEVER_SUBSCRIBED";

        function render() {
          const profiles = byId(state.profiles);
          document.getElementById("now").textContent = state.now;
          const rejectedCount = state.rejected_requests.length;
          document.getElementById("summary").textContent =
            `${state.profiles.length} profiles · ${state.events.length} events · ${state.lists.length} lists · ${state.jobs.length} jobs · ${rejectedCount} rejected`;

          fill("profiles", state.profiles.length, table(["id", "email", "phone", "external id", "name", "properties", "lists", "updated"],
            state.profiles.map((p) => [h("code", {}, p.id), p.identifiers.email || "", p.identifiers.phone_number || "", p.identifiers.external_id || "",
              [p.attributes.first_name, p.attributes.last_name].filter(Boolean).join(" "), json(p.attributes.properties),
              p.lists.join(", "), p.attributes.updated]), "No profiles yet."));

          const metrics = new Map();
          for (const e of state.events) { const m = metrics.get(e.metric) || { count: 0, value: 0, last: "" }; m.count++; m.value += e.value || 0; m.last = e.time > m.last ? e.time : m.last; metrics.set(e.metric, m); }
          const max = Math.max(1, ...[...metrics.values()].map((m) => m.count));
          fill("events", metrics.size, table(["metric", "events", "", "value", "latest"],
            [...metrics.entries()].sort((a, b) => b[1].count - a[1].count).map(([name, m]) =>
              [name, h("b", { class: "metric-count" }, m.count), h("div", { class: "bar" }, h("i", { style: `width:${Math.round(100 * m.count / max)}%` })),
               m.value ? m.value.toFixed(2) : "", m.last]), "No events yet."));
          document.getElementById("recent-events").querySelector(".body").replaceChildren(table(["time", "metric", "profile", "unique_id", "properties"],
            state.events.slice(-25).reverse().map((e) => [e.time, e.metric, who(profiles[e.profile_id]), e.unique_id || "", json(e.properties)]), "No events yet."));

          fill("lists", state.lists.length, table(["id", "name", "opt-in", "members", "pending confirmation"],
            state.lists.map((l) => [h("code", {}, l.id), l.name, l.opt_in_process,
              l.profile_ids.length ? l.profile_ids.map((id) => who(profiles[id])).join(", ") : "—",
              (l.pending_profile_ids || []).length ? h("span", { class: "pill pending" }, l.pending_profile_ids.map((id) => who(profiles[id])).join(", ")) : "—"]),
            "No lists."));

          const subscribed = state.profiles.filter((p) => ["email", "sms"].some((c) => Object.values((p.attributes.subscriptions || {})[c] || {}).some((t) => t.consent !== "NEVER_SUBSCRIBED")));
          document.getElementById("subscriptions").querySelector(".body").replaceChildren(table(["profile", "email marketing", "sms marketing", "sms transactional"],
            subscribed.map((p) => { const s = p.attributes.subscriptions; return [who(p), pill(consent(s, "email", "marketing")), pill(consent(s, "sms", "marketing")), pill(consent(s, "sms", "transactional"))]; }),
            "Nobody has given or withdrawn consent yet."));

          fill("jobs", state.jobs.length, table(["id", "type", "status", "total", "completed", "failed", "errors"],
            state.jobs.slice().reverse().map((j) => [h("code", {}, j.id), j.type, pill(j.status), j.total_count, j.completed_count,
              j.failed_count ? h("b", { class: "pill failed" }, j.failed_count) : 0,
              j.errors.length ? h("ul", {}, j.errors.map((e) => h("li", {}, `${e.attributes.code}: ${e.attributes.detail} `,
                h("code", { class: "pointer" }, (e.attributes.source && e.attributes.source.pointer) || "")))) : ""]), "No bulk jobs."));

          fill("rejected", rejectedCount, table(["time", "request", "status", "errors", "body"],
            state.rejected_requests.slice().reverse().map((r) => [r.time, h("code", {}, `${r.method} ${r.path}${r.query || ""}`), h("span", { class: "pill s" + String(r.status)[0] }, r.status), h("ul", {},
              r.errors.map((e) => h("li", {}, h("b", {}, e.code), " ", e.detail, " ",
                e.source && e.source.pointer ? h("code", { class: "pointer" }, e.source.pointer) : null,
                e.source && e.source.parameter ? h("code", { class: "pointer" }, "?" + e.source.parameter) : null))),
              r.body ? h("details", {}, h("summary", {}, `${r.body.length} characters`), json(r.body)) : ""]), "No rejected requests."));

          const rl = state.rate_limits;
          document.getElementById("rate-limits").querySelector(".body").replaceChildren(
            h("p", {}, "Enforced: ", h("b", {}, rl.enabled ? "yes" : "no"), " · time scale ", h("b", {}, rl.time_scale)),
            table(["operation", "tier", "used / limit", "", "resets in"], (rl.windows || []).map((w) => [w.operation, w.tier, `${w.used} / ${w.limit}`,
              h("div", { class: "bar" }, h("i", { style: `width:${Math.min(100, Math.round(100 * w.used / w.limit))}%` })), `${(w.resets_in_ms / 1000).toFixed(1)} s`]),
              "No requests in the current windows."));

          const f = state.faults;
          const on = { failRate: f.failRate > 0, failNext: f.failNext > 0, latencyMs: f.latencyMs > 0, resetRate: f.resetRate > 0, downUntil: !!f.downUntil };
          const anyOn = Object.values(on).some(Boolean);
          document.getElementById("faults").querySelector(".body").replaceChildren(
            h("p", {}, anyOn ? h("b", { class: "pill failed" }, "faults active") : h("span", { class: "pill complete" }, "no faults: every request is answered normally")),
            table(["switch", "value"], Object.entries(f).map(([k, v]) => [k, on[k] ? h("b", { class: "pointer" }, String(v)) : String(v ?? "—")]), ""));

          document.getElementById("counters").querySelector(".body").replaceChildren(table(["endpoint", "answers"],
            Object.entries(state.counters).map(([k, v]) => [h("code", {}, k), h("span", {}, Object.entries(v).map(([s, n]) => [h("span", { class: "pill s" + s[0] }, `${s} × ${n}`), " "]))]),
            "No API requests yet."));
        }

        async function refresh() {
          try {
            const response = await fetch("/_emulator/state", { cache: "no-store" });
            state = await response.json();
            render();
            document.getElementById("live").className = "";
            document.getElementById("live").textContent = "live";
          } catch (e) {
            document.getElementById("live").className = "off";
            document.getElementById("live").textContent = "emulator unreachable";
          }
        }
        async function post(path, body) {
          await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body || {}) });
          await refresh();
        }
        document.getElementById("fault-form").addEventListener("submit", (e) => {
          e.preventDefault();
          const body = {};
          for (const [k, v] of new FormData(e.target).entries()) { if (v !== "") body[k] = Number(v); }
          post("/_emulator/faults", body);
        });
        document.getElementById("clear-faults").addEventListener("click", async () => { await fetch("/_emulator/faults", { method: "DELETE" }); await refresh(); });
        document.getElementById("toggle-limits").addEventListener("click", () => post("/_emulator/rate-limits", { enabled: !state.rate_limits.enabled }));
        document.getElementById("confirm-all").addEventListener("click", () => post("/_emulator/confirm", {}));
        render();
        setInterval(() => { if (document.getElementById("auto").checked) refresh(); }, 2000);
        </script>
        </body></html>
        """;
}
