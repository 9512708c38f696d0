"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  // Typical seconds per step on AWS, from the project's measurements; only for the estimate.
  const TYPICAL = { load_balancer: 150, task: 75, health: 120 };
  // The server's messages are fragments ("the secret is not right"); the page shows sentences.
  const sentence = (text) => (/[.!?…]$/.test(text) ? text : `${text}.`);
  let status = JSON.parse($("initial-status").textContent);
  // When `status` arrived: times count on the server's clock, whatever the device's clock says.
  let receivedAt = Date.now();
  let pollTimer = null;
  let lastAction = null;
  // The host's moderator token and its room, from the start answer; kept in memory only.
  let join = null;

  const params = new URLSearchParams(location.hash.slice(1));
  let key = params.get("key");
  if (key) {
    $("secret").value = key;
    $("secret-field").hidden = true;
  }
  const room = new URLSearchParams(location.search).get("room") || params.get("room");
  if (room) $("room").value = room;

  function roomName() {
    return $("room").value.trim().replace(/[^A-Za-z0-9_-]/g, "-").toLowerCase();
  }

  /** The host's link (with the token) and the guests' link, once the meeting's URL is known. */
  function showLinks(s) {
    const ready = s.phase === "ready" && s.meeting_url;
    $("guest").hidden = !(ready && join);
    $("host-link-missing").hidden = !(ready && !join && key);
    if (!ready || !join) { $("join").removeAttribute("href"); return; }
    const guest = s.meeting_url + encodeURIComponent(join.room);
    $("join").href = `${guest}?jwt=${encodeURIComponent(join.token)}`;
    $("guest-link").value = guest;
  }

  function seconds(from, to) {
    return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  }

  function clock(total) {
    const m = Math.floor(total / 60), s = total % 60;
    return m ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
  }

  function serverNow() {
    return new Date(Date.parse(status.observed_at) + (Date.now() - receivedAt)).toISOString();
  }

  function estimate(s) {
    const now = serverNow();
    let remaining = 0;
    for (const step of s.steps) {
      if (step.state === "done" || step.state === "skipped" || !(step.name in TYPICAL)) continue;
      const since = step.since || s.started_at || now;
      remaining = Math.max(remaining, TYPICAL[step.name] - seconds(since, now));
    }
    if (remaining > 0) return `About ${clock(remaining)} left.`;
    return "Taking longer than usual: AWS sometimes needs a few more minutes.";
  }

  function renderSteps(s) {
    for (const step of s.steps) {
      const item = document.querySelector(`#steps [data-step="${step.name}"]`);
      if (!item) continue;
      item.dataset.state = step.state;
      item.querySelector(".detail").textContent = step.detail || "";
      item.querySelector(".state").textContent = step.state.replace("_", " ");
    }
  }

  // A failed certificate does not hold the meeting back; the page says plainly what people will see.
  function showCertificate(s) {
    const step = s.steps.find((x) => x.name === "certificate");
    const failed = !!step && step.state === "failed";
    $("certificate-warning").hidden = !failed;
    $("certificate-reason").textContent = failed && step.detail ? `Why: ${sentence(step.detail)}` : "";
  }

  // Times in the reader's own time zone (the server writes UTC for pages without JavaScript).
  function showNextScheduled(s) {
    const next = s.next_scheduled;
    $("next-scheduled").hidden = !next;
    if (!next) return;
    const when = (t, options) => new Date(t).toLocaleString(undefined, options);
    const minutes = Math.round((Date.parse(next.ends) - Date.parse(next.starts)) / 60000);
    $("next-scheduled").textContent = `Next scheduled meeting: ${next.window}, ` +
      `${when(next.starts, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })}` +
      ` for ${minutes} min. It starts by itself at ${when(next.wakes, { hour: "2-digit", minute: "2-digit" })}.`;
  }

  function showError(message) {
    $("error-text").textContent = message;
    $("error").hidden = !message;
  }

  function render(s) {
    status = s;
    receivedAt = Date.now();
    $("phase").dataset.phase = s.phase;
    $("phase").textContent = s.summary;
    $("start-section").hidden = !(s.phase === "idle" || s.phase === "stopping");
    $("progress-section").hidden = s.phase !== "starting";
    $("ready-section").hidden = s.phase !== "ready";
    renderSteps(s);
    $("estimate").textContent = s.phase === "starting" ? estimate(s) : "";
    showError(s.error || "");
    showCertificate(s);
    showNextScheduled(s);
    showLinks(s);
    schedulePoll();
  }

  /**
   * Milliseconds until the next status read, or null for none: every read costs the owner's
   * account AWS calls. Fast when a step is about to change, slow while the load balancer
   * provisions (minutes), every 30 s while ready (to notice the meeting's end), none while idle,
   * and none in a hidden tab.
   */
  function pollDelay(s) {
    if (document.hidden || s.phase === "idle") return null;
    if (s.phase === "ready") return 30000;
    if (s.phase === "stopping") return 3000;
    const now = serverNow();
    let soonest = Infinity;
    for (const step of s.steps) {
      if (step.state !== "in_progress") continue;
      const typical = TYPICAL[step.name] || 0;
      soonest = Math.min(soonest, typical - seconds(step.since || s.started_at || now, now));
    }
    return soonest !== Infinity && soonest > 20 ? 5000 : 1500;
  }

  function schedulePoll() {
    clearTimeout(pollTimer);
    const delay = pollDelay(status);
    pollTimer = delay === null ? null : setTimeout(poll, delay);
  }

  function tick() {
    if (status.phase !== "starting" || !status.started_at) { $("elapsed").textContent = ""; return; }
    $("elapsed").textContent = `· ${clock(seconds(status.started_at, serverNow()))}`;
    $("estimate").textContent = estimate(status);
  }

  async function call(path, options) {
    // With the key the status says where the meeting is; without it, only how far it got.
    const auth = key ? { authorization: `Bearer ${key}` } : {};
    const response = await fetch(path, { cache: "no-store", ...options,
      headers: { accept: "application/json", ...auth, ...(options && options.headers) } });
    const body = await response.json().catch(() => ({ error: `Unexpected answer (${response.status}).` }));
    if (!response.ok) throw new Error(body.error || `Request failed (${response.status}).`);
    return body;
  }

  async function poll() {
    try { render(await call("status")); }
    catch (e) { showError(sentence(`Could not read the status: ${e.message}`)); lastAction = poll; schedulePoll(); }
  }

  async function start() {
    const button = $("start-button");
    button.disabled = true;
    showError("");
    try {
      const answer = await call("start", { method: "POST", headers: { "content-type": "application/json",
        authorization: `Bearer ${$("secret").value}` }, body: JSON.stringify({ room: roomName() }) });
      key = $("secret").value;
      if (answer.join) join = answer.join;
      render(answer);
    } catch (e) {
      lastAction = start;
      showError(sentence(`The meeting did not start: ${e.message}`));
      $("secret-field").hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  $("start-form").addEventListener("submit", (event) => { event.preventDefault(); start(); });
  $("retry").addEventListener("click", (event) => { event.preventDefault(); showError(""); (lastAction || poll)(); });
  $("host-link-button").addEventListener("click", () => start());
  $("copy-guest").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText($("guest-link").value); $("copy-guest").textContent = "Copied"; }
    catch { $("guest-link").select(); }
  });
  // A tab coming back reads at once; a hidden one stops (schedulePoll skips it).
  document.addEventListener("visibilitychange", () => (document.hidden ? schedulePoll() : poll()));
  setInterval(tick, 1000);
  render(status);
  tick();
})();
