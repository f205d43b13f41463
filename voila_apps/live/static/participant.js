// Participant page of a coprod live session. Texts are always shown with textContent
// (never as markup), so a statement containing HTML or script is displayed as plain text.
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var session = null, token = null, current = null, busy = false, pollTimer = null;

  function storageKey() { return "coprod-token-" + session.session_id; }
  function say(msg, isError) {
    var el = $("status");
    el.textContent = msg || "";
    el.className = isError ? "error" : "";
  }
  function newKey() {
    var a = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // One API call; network failures are retried with the SAME body (same idempotency key).
  async function api(method, path, body, tries) {
    tries = tries || 6;
    var headers = { "Content-Type": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    for (var i = 0; ; i++) {
      var resp;
      try {
        resp = await fetch(path, { method: method, headers: headers,
          body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
      } catch (e) {
        if (i + 1 >= tries) throw { status: 0, error: "Cannot reach the server; check your connection." };
        say("Reconnecting…");
        await sleep(400 * (i + 1));
        continue;
      }
      var data = {};
      try { data = await resp.json(); } catch (e) { data = {}; }
      if (resp.status >= 500 && i + 1 < tries) { await sleep(400 * (i + 1)); continue; }
      if (!resp.ok) { data.status = resp.status; throw data; }
      return data;
    }
  }

  function show(id, on) { $(id).hidden = !on; }

  function render(next) {
    current = next.statement;
    show("join", false);
    show("submit", !!next.allow_submissions && next.open);
    if (!next.open) {
      show("vote", false); show("done", false);
      say("The session is closed. Thank you!");
      return;
    }
    if (current) {
      $("statement").textContent = current.text;
      $("progress").textContent = "Voted on " + next.voted + "; " + next.remaining + " to go.";
      show("vote", true); show("done", false);
    } else {
      show("vote", false); show("done", true);
    }
    schedulePoll(current ? 0 : 5000);
  }

  function schedulePoll(ms) {
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (ms > 0) pollTimer = setTimeout(function () { loadNext().catch(fail); }, ms);
  }

  async function loadNext() { render(await api("GET", "/api/next")); }

  async function join(code) {
    var body = {};
    if (code) body.join_code = code;
    var res = await api("POST", "/api/join", body);
    token = res.token;
    try { localStorage.setItem(storageKey(), token); } catch (e) { /* private mode */ }
    say("");
    await loadNext();
  }

  function fail(err) {
    if (err && err.status === 401) {
      token = null;
      try { localStorage.removeItem(storageKey()); } catch (e) { /* ignore */ }
      return start();
    }
    say((err && err.error) || "Something went wrong; try again.", true);
  }

  async function vote(value) {
    if (!current || busy) return;
    busy = true;
    setButtons(true);
    var body = { statement_id: current.id, vote: value, key: newKey() };
    try {
      var res = await api("POST", "/api/vote", body);
      say(res.duplicate ? "Already counted." : "Vote counted.");
      render({ statement: res.next, voted: res.voted, remaining: res.remaining,
               open: res.open, allow_submissions: res.allow_submissions });
    } catch (err) {
      fail(err);
    } finally {
      busy = false;
      setButtons(false);
    }
  }

  function setButtons(disabled) {
    var bs = document.querySelectorAll(".buttons button");
    for (var i = 0; i < bs.length; i++) bs[i].disabled = disabled;
  }

  async function start() {
    session = await api("GET", "/api/session");
    $("title").textContent = session.title;
    document.title = session.title;
    $("submit-text").maxLength = session.max_text;
    try { token = localStorage.getItem(storageKey()); } catch (e) { token = null; }
    if (token) {
      try { await loadNext(); return; } catch (err) {
        if (!err || err.status !== 401) throw err;
        token = null;
      }
    }
    var hash = new URLSearchParams(location.hash.slice(1));
    var code = hash.get("join");
    if (session.join_code_required && !code) { show("join", true); $("join-code").focus(); return; }
    await join(code);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var bs = document.querySelectorAll(".buttons button");
    for (var i = 0; i < bs.length; i++) {
      bs[i].addEventListener("click", function (ev) {
        vote(parseInt(ev.currentTarget.getAttribute("data-vote"), 10));
      });
    }
    $("join-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      join($("join-code").value).catch(fail);
    });
    $("submit-text").addEventListener("input", function () {
      $("submit-count").textContent = $("submit-text").value.length + " / " + session.max_text;
    });
    $("submit-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var text = $("submit-text").value;
      api("POST", "/api/statements", { text: text, key: newKey() }).then(function (res) {
        $("submit-text").value = "";
        say("Statement sent: " + res.status + ".");
      }).catch(fail);
    });
    start().catch(fail);
  });
})();
