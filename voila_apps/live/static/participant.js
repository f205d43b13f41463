// Participant page of a coprod live session: the flow.
//
// Joins, then shows one open activity at a time (the one the facilitator opened last; a row
// of tabs switches when several are open), polling GET /api/activities every few seconds.
// Answers and votes go through the retry queue (participant-api.js); the forms come from
// participant-forms.js, the statement votes from participant-votes.js. The page only ever
// shows what the server sends for this participant: their own answers and, in a later Delphi
// round, the anonymous distribution of a round they answered. Texts are always shown with
// textContent (never as markup).
"use strict";
(function (C) {
  var $ = function (id) { return document.getElementById(id); };
  var h = C.h;
  var t = C.t;
  var POLL_MS = 3000;

  var api = new C.Api();
  C.mapApi = function (path) { return api.request("GET", path); };
  var session = null;
  var listing = null; // the last GET /api/activities
  var selected = null; // the activity shown (activity_id, or "statements")
  var selectedTitle = "";
  var lastCurrent; // the server's `current` when last seen
  var firstView = true;
  var shownSig = null; // what #items holds now
  var cards = {}; // "activity|item" -> card
  var lastAck = {}; // "activity|item" -> ackSeq of its last acknowledged answer
  var ackSeq = 0;
  var tabsSig = "";
  var pollTimer = null;
  var offlineShown = false;
  // what the server put in the page: {session, lang} (GET /api/session and its language)
  var boot = (function () {
    var el = $("coprod-boot");
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  })();

  var queue = new C.Queue(api, {
    onAck: acknowledged,
    onReject: refused,
    onChange: showQueue,
    onAuth: function () { lostToken().catch(fail); },
  });
  var votes = new C.Votes({
    api: api, queue: queue, say: say, show: show, store: store, stored: stored, fail: fail,
    session: function () { return session; },
  });

  function say(msg, isError) {
    $("status").textContent = msg || "";
    $("status").className = isError ? "error" : "";
  }
  function show(id, on) { $(id).hidden = !on; }
  function store(name, value) {
    try {
      if (value === null) localStorage.removeItem(name + session.session_id);
      else localStorage.setItem(name + session.session_id, value);
    } catch (e) { /* private mode: memory only */ }
  }
  function stored(name) {
    try { return localStorage.getItem(name + session.session_id); } catch (e) { return null; }
  }
  function itemKey(aid, iid) { return aid + "|" + iid; }
  function fail(err) {
    if (err && err.status === 401) { lostToken().catch(fail); return; }
    say((err && err.error) || t("Something went wrong; try again."), true);
  }

  // ------------------------------------------------------------------ joining
  async function start() {
    var asked = C.i18n.chosen();
    var b = boot;
    boot = null; // once: a later start (a new session on this address) asks the server
    if (b) {
      // the server sent the session and the catalog of the language it picked (the session's
      // or the browser's); only a language this phone chose before may need another
      session = b.session;
      await C.i18n.use(asked || b.lang || "en");
    } else {
      var early = C.i18n.use(asked || C.i18n.fromBrowser() || "en");
      session = await api.persist("GET", "/api/session");
      await early;
      // the session's language (coprod serve --lang) unless this phone chose one
      if (!asked && session.lang && session.lang !== C.i18n.lang()) await C.i18n.use(session.lang);
    }
    titles();
    $("submit-text").maxLength = session.max_text;
    queue.load(session.session_id);
    votes.load();
    api.token = stored("coprod-token-");
    if (api.token) {
      try { await refresh(); } catch (err) {
        if (!err || err.status !== 401) throw err;
        api.token = null;
      }
      if (api.token) { queue.flush(); schedule(); return; }
    }
    var code = new URLSearchParams(location.hash.slice(1)).get("join");
    if (session.join_code_required && !code) { show("join", true); $("join-code").focus(); return; }
    await join(code);
  }

  // The page's name: the session's title (user text) and what the page is for.
  function titles() {
    var name = session ? session.title : "";
    $("title").textContent = name || t("Have your say");
    document.title = name ? t("{title} — have your say", { title: name }) : t("Have your say");
  }

  // A new language: draw everything again in it (unsaved input on a card is lost).
  function relabel() {
    titles();
    $("skip").textContent = t("Skip these questions");
    votes.relabel();
    if (!listing) return;
    tabsSig = "";
    shownSig = null;
    var entries = openEntries(listing);
    renderTabs(entries);
    render(entries, ackSeq);
    showQueue(queue);
  }

  async function join(code) {
    // one key per phone until it has its token: a join retried after a lost answer (or a
    // reload) is the same participant, not a second one
    var key = stored("coprod-joinkey-") || C.newKey();
    store("coprod-joinkey-", key);
    var body = { key: key };
    if (code) body.join_code = code;
    var res = await api.persist("POST", "/api/join", body);
    api.token = res.token;
    store("coprod-token-", res.token);
    store("coprod-joinkey-", null);
    show("join", false);
    say("");
    queue.flush();
    // the answer carries the open activities and the first statement: no more round trips
    votes.ahead = res.next || null;
    await refresh(res.activities);
    votes.ahead = null;
    schedule();
  }

  // The token is no longer valid (a new session on this address): start again.
  async function lostToken() {
    api.token = null;
    queue.clear();
    votes.forget();
    store("coprod-token-", null);
    await start();
  }

  // ------------------------------------------------------------------ polling
  function schedule() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = setTimeout(tick, document.hidden ? POLL_MS * 3 : POLL_MS);
  }

  async function tick() {
    try {
      await refresh();
      if (selected === "statements" && votes.waiting()) await votes.loadNext();
      if (offlineShown) { offlineShown = false; say(""); }
    } catch (err) {
      if (err && err.status === 401) { lostToken().catch(fail); return; }
      if (err && err.status === 0) {
        offlineShown = true;
        say(t("No connection. Your answers are kept and sent when it returns."), true);
      }
    }
    schedule();
  }

  async function refresh(given) {
    var seen = ackSeq;
    var l = given || await api.request("GET", "/api/activities");
    listing = l;
    if (!l.open) {
      ["tabs", "activity", "statements", "waiting"].forEach(function (id) { show(id, false); });
      say(t("The session is closed. Thank you!"));
      return;
    }
    var entries = openEntries(l);
    choose(entries, l.current);
    renderTabs(entries);
    render(entries, seen);
  }

  // The titles the server gives activities that have none of their own, in the page's
  // language; a facilitator's own title is shown as written.
  function shownTitle(s) {
    switch (s) {
      case "Agree or disagree": return t("Agree or disagree");
      case "Weigh the evidence": return t("Weigh the evidence");
      case "Ratings": return t("Ratings");
      case "Questions": return t("Questions");
      case "Quick poll": return t("Quick poll");
      case "About you (optional)": return t("About you (optional)");
      case "Spend the budget": return t("Spend the budget");
      case "Which is better?": return t("Which is better?");
      case "Put them in order": return t("Put them in order");
      case "Your ideas": return t("Your ideas");
      case "Map your area": return t("Map your area");
      case "Appraise the needs": return t("Appraise the needs");
      default: return s;
    }
  }

  // The open activities as tabs; statements without an agenda still count as one.
  function openEntries(l) {
    var out = [];
    if (l.statements.open && !l.activities.some(function (a) { return a.kind === "statements"; })) {
      out.push({ id: "statements", kind: "statements", title: t("Agree or disagree") });
    }
    l.activities.forEach(function (a) {
      if (a.kind === "statements" && !l.statements.open) return;
      out.push({ id: a.activity_id, kind: a.kind, title: shownTitle(a.title), act: a });
    });
    return out;
  }

  function choose(entries, current) {
    var ids = entries.map(function (e) { return e.id; });
    if (firstView) {
      firstView = false;
      // the optional questions about oneself come first, once, right after joining
      var pop = entries.filter(function (e) { return e.kind === "population"; })[0];
      if (pop && !pop.act.answered && !stored("coprod-skipped-")) {
        selected = pop.id;
        lastCurrent = current;
      }
    }
    if (current !== lastCurrent) {
      lastCurrent = current;
      if (current !== null && ids.indexOf(current) >= 0) selected = current; // newly opened
    }
    if (selected === null || ids.indexOf(selected) < 0) {
      var was = selected !== null ? selectedTitle : "";
      selected = current !== null && ids.indexOf(current) >= 0 ? current : ids[0] || null;
      if (was) say(selected ? t("“{title}” has closed.", { title: was })
        : t("“{title}” has closed. Thank you!", { title: was }));
    }
    var entry = entries.filter(function (e) { return e.id === selected; })[0];
    selectedTitle = entry ? entry.title : "";
  }

  function renderTabs(entries) {
    var sig = selected + "#" + entries.map(function (e) {
      return e.id + ":" + e.title + ":" + (e.act ? e.act.answered + "/" + total(e.act) : "");
    }).join(",");
    if (sig === tabsSig) return;
    tabsSig = sig;
    var list = $("tab-list");
    list.textContent = "";
    entries.forEach(function (e) {
      var count = e.act && total(e.act) ? C.fmt(e.act.answered) + "/" + C.fmt(total(e.act)) : "";
      var b = h("button", { type: "button", class: "tab",
        "aria-current": e.id === selected ? "true" : null }, [
        h("span", { text: e.title, dir: "auto" }),
        count ? h("span", { class: "count", text: count }) : null,
      ]);
      b.addEventListener("click", function () {
        selected = e.id;
        selectedTitle = e.title;
        say("");
        var now = openEntries(listing);
        renderTabs(now);
        render(now, ackSeq);
      });
      list.appendChild(h("li", {}, [b]));
    });
    show("tabs", entries.length > 1);
  }

  function render(entries, seen) {
    var entry = entries.filter(function (e) { return e.id === selected; })[0];
    show("waiting", !entry);
    show("activity", !!entry && entry.kind !== "statements");
    show("statements", !!entry && entry.kind === "statements");
    if (!entry) { shownSig = null; return; }
    if (entry.kind === "statements") {
      $("statements-h").textContent = entry.title;
      if (shownSig !== "statements") {
        shownSig = "statements";
        votes.loadNext().catch(fail);
      }
      return;
    }
    var act = entry.act;
    var sig = act.activity_id + "@" + act.round + ":" + act.items.map(function (i) {
      return i.item_id;
    }).join(",");
    if (sig !== shownSig) build(act);
    else {
      act.items.forEach(function (item) {
        var k = itemKey(act.activity_id, item.item_id);
        var card = cards[k];
        // answers still queued, or acknowledged after this poll was asked, are newer
        if (card && !queued(act.activity_id, item.item_id) && !((lastAck[k] || 0) > seen)) {
          card.setMine(item.mine || null);
        }
      });
      if (C.mapping.handles(act.kind)) C.mapping.refresh(act, cards);
    }
    progress(act.answered, total(act), act.kind);
    $("skip").textContent = act.answered >= total(act) ? t("Continue") : t("Skip these questions");
    shownSig = sig;
  }

  // ------------------------------------------------------------------ activities
  function note(act) {
    if (act.kind === "questions") {
      return act.round > 1
        ? t("Round {round}. If you answered round {before}, you now see what the group " +
          "said; give your estimate again (it may change or stay the same).",
          { round: act.round, before: act.round - 1 })
        : t("Give your own answer: nobody sees anyone else's answers while this is open.");
    }
    if (act.kind === "panel") {
      return act.wave === "pre"
        ? t("A short poll at the start; the same poll comes again at the end.")
        : t("The same short poll again, now at the end.");
    }
    if (act.kind === "population") {
      return t("Optional: this shows who is in the room, and who is missing. Answer only " +
        "what you want to; “Prefer not to say” is always fine.");
    }
    if (act.kind === "evidence") return t("Weigh each piece of evidence the experts presented.");
    if (act.kind === "mapping") {
      return t("Tap the map where the place is, or choose its area from the list; then say " +
        "what it is. Map as many places as you like.");
    }
    if (act.kind === "appraisal") {
      return act.round > 1 ? t("Appraisal round {round}: score each need as it stands now.",
        { round: act.round }) : t("Score each need: how pressing it is, and how much has been done.");
    }
    return "";
  }

  function build(act) {
    $("activity-h").textContent = shownTitle(act.title);
    $("activity-note").textContent = note(act);
    show("skip", act.kind === "population");
    var items = $("items");
    items.textContent = "";
    cards = {};
    var built = C.priorities.handles(act.kind) ? C.priorities.build(act, submit)
      : C.mapping.handles(act.kind) ? C.mapping.build(act, submit)
      : act.items.map(function (item) { return C.forms.build(act, item, submit); });
    built.forEach(function (card) {
      cards[itemKey(act.activity_id, card.item.item_id)] = card;
      items.appendChild(card.el);
    });
    showQueue(queue);
  }

  // How many answers complete an activity (a ballot is one answer; pairwise: the pairs).
  function total(act) {
    if (C.mapping.handles(act.kind)) return C.mapping.total(act);
    return C.priorities.handles(act.kind) ? C.priorities.total(act) : act.items.length;
  }

  function progress(answered, all, kind) {
    $("activity-progress").textContent = kind === "mapping"
      ? t("Places you have mapped: {n}. You can add more while this is open.", { n: answered })
      : answered >= all
      ? t("You have answered everything here. You can change an answer while this is open.")
      : t("Answered {done} of {all}. You can change an answer while this is open.",
        { done: answered, all: all });
  }

  function queued(aid, iid) {
    return queue.pending(function (e) {
      return e.path === "/api/answer" && e.body.activity_id === aid &&
        String(e.body.item_id) === String(iid);
    }).length;
  }

  function submit(card, fields) {
    var body = { activity_id: card.activity.activity_id, item_id: card.item.item_id,
      key: C.newKey() };
    Object.keys(fields).forEach(function (k) { body[k] = fields[k]; });
    card.setStatus("pending", t("Sending…"));
    queue.push("/api/answer", body, { title: shownTitle(card.activity.title) });
  }

  function acknowledged(entry, reply) {
    if (entry.path === "/api/vote") return votes.acknowledged(entry, reply);
    var b = entry.body;
    var k = itemKey(b.activity_id, b.item_id);
    lastAck[k] = ++ackSeq;
    var card = cards[k];
    if (card && !queued(b.activity_id, b.item_id)) {
      card.setMine(stripped(b));
      card.setStatus("ok", reply.status === "waiting for the facilitator"
        ? t("Sent ✓ The facilitator checks it first.") : t("Saved ✓"));
      if (card.onAck) card.onAck(reply);
    }
    // what the next render starts from, until the next poll says the same
    var act = listing && listing.activities.filter(function (a) {
      return a.activity_id === b.activity_id;
    })[0];
    if (act && b.item_id === "ballot") act.mine = stripped(b);
    if (act && (reply.round === 0 || reply.round === act.round)) {
      act.items.forEach(function (it) {
        if (String(it.item_id) === String(b.item_id) && !queued(b.activity_id, b.item_id)) {
          it.mine = stripped(b);
        }
      });
      act.answered = reply.answered;
      renderTabs(openEntries(listing));
    }
    if (selected === b.activity_id) {
      progress(reply.answered, reply.answered + reply.remaining, act ? act.kind : null);
    }
  }

  function stripped(body) {
    var fields = {};
    Object.keys(body).forEach(function (f) {
      if (f !== "activity_id" && f !== "item_id" && f !== "key") fields[f] = body[f];
    });
    return fields;
  }

  function refused(entry, err) {
    var closed = err.code === "activity_closed" || err.code === "closed";
    if (entry.path === "/api/vote") {
      votes.refused(entry, err, closed);
    } else {
      var card = cards[itemKey(entry.body.activity_id, entry.body.item_id)];
      if (closed) {
        say(t("“{title}” is closed now, so that answer was not saved.",
          { title: entry.meta.title || t("This activity") }), true);
        if (card) card.setStatus("error", t("Not saved: this is closed now."));
      } else if (card) {
        card.setStatus("error", t("Not saved: {why}", { why: err.error }));
        if (card.onReject) card.onReject(err);
      } else {
        say(t("An answer was not saved: {why}", { why: err.error }), true);
      }
    }
    if (closed) refresh().catch(fail); // move on to what is open now
  }

  function showQueue(q) {
    var n = q.items.length;
    var box = $("queue");
    box.hidden = !(n && q.stalled);
    box.textContent = C.nt("{n} answer waiting to be sent. It goes out when the connection " +
      "is back.", "{n} answers waiting to be sent. They go out when the connection is back.", n);
    if (!q.stalled) return;
    Object.keys(cards).forEach(function (k) {
      var c = cards[k];
      if (queued(c.activity.activity_id, c.item.item_id)) {
        c.setStatus("pending", t("Waiting for the connection…"));
      }
    });
  }

  // ------------------------------------------------------------------ wiring
  document.addEventListener("DOMContentLoaded", function () {
    votes.wire();
    C.i18n.wire($("lang"));
    C.i18n.onChange(relabel);
    $("skip").addEventListener("click", function () {
      store("coprod-skipped-", "1");
      var others = openEntries(listing).filter(function (e) { return e.kind !== "population"; });
      if (others.length) {
        var cur = others.filter(function (e) { return e.id === listing.current; })[0];
        selected = (cur || others[0]).id;
      }
      refresh().catch(fail);
    });
    $("join-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      join($("join-code").value).catch(fail);
    });
    window.addEventListener("online", function () { queue.wake(); queue.flush(); tick(); });
    document.addEventListener("visibilitychange", function () { if (!document.hidden) tick(); });
    start().catch(fail);
  });
})(window.Coprod = window.Coprod || {});
