// Participant page of a coprod live session: agree / disagree / pass on statements.
//
// Coprod.Votes shows the next statement (GET /api/next), sends votes through the retry
// queue (POST /api/vote), keeps this device's votes so one can be changed (the latest vote
// counts, the log keeps all) and sends new statements (POST /api/statements).
"use strict";
(function (C) {
  var $ = function (id) { return document.getElementById(id); };
  var t = C.t;
  function word(vote) {
    return vote === 1 ? t("Agree") : vote === -1 ? t("Disagree") : t("Pass / unsure");
  }

  class Votes {
    // ctx: {api, queue, say(msg, isError), show(id, on), store(name, value), stored(name),
    //       fail(err), session()}
    constructor(ctx) {
      this.ctx = ctx;
      this.statement = null; // the statement on screen
      this.busy = false; // a vote on it is on its way
      this.mine = []; // [{id, text, vote}] this device's votes, newest first
      this.ahead = null; // the first statement, when the join answer carried it
    }

    load() {
      try { this.mine = JSON.parse(this.ctx.stored("coprod-votes-") || "[]"); } catch (e) {
        this.mine = [];
      }
    }

    forget() {
      this.mine = [];
      this.ctx.store("coprod-votes-", null);
    }

    // Nothing on screen to vote on: worth asking again.
    waiting() { return !this.statement && !this.busy; }

    // The next statement: the one the join answer carried (this.ahead), else GET /api/next.
    async loadNext() {
      var next = this.ahead;
      this.ahead = null;
      this.render(next || await this.ctx.api.request("GET", "/api/next"));
    }

    render(next) {
      var show = this.ctx.show;
      this.statement = next.statement;
      show("submit", !!next.allow_submissions && next.open);
      if (this.statement) {
        $("statement").textContent = this.statement.text;
        $("progress").textContent = t("Voted on {voted}; {remaining} to go.",
          { voted: next.voted, remaining: next.remaining });
      }
      show("vote", !!this.statement);
      show("done", !this.statement);
      this.renderMine();
    }

    vote(value) {
      if (!this.statement || this.busy) return;
      this.busy = true;
      this.setButtons(true);
      this.ctx.say(t("Sending your vote…"));
      var st = this.statement;
      this.ctx.queue.push("/api/vote", { statement_id: st.id, vote: value, key: C.newKey() },
        { text: st.text });
    }

    change(item, value) {
      this.ctx.say(t("Changing your vote…"));
      this.ctx.queue.push("/api/vote", { statement_id: item.id, vote: value, key: C.newKey() },
        { text: item.text, change: true });
    }

    acknowledged(entry, reply) {
      var b = entry.body;
      this.mine = this.mine.filter(function (v) { return v.id !== b.statement_id; });
      this.mine.unshift({ id: b.statement_id, text: entry.meta.text || "", vote: b.vote });
      this.mine = this.mine.slice(0, 200);
      this.ctx.store("coprod-votes-", JSON.stringify(this.mine));
      if (entry.meta.change) {
        this.ctx.say(t("Vote changed to “{vote}”.", { vote: word(b.vote) }));
        this.renderMine();
        return;
      }
      this.ctx.say(reply.duplicate ? t("Already counted.") : t("Vote counted."));
      if (this.busy && this.statement && this.statement.id === b.statement_id) {
        this.busy = false;
        this.setButtons(false);
        this.render({ statement: reply.next, voted: reply.voted, remaining: reply.remaining,
          open: reply.open, allow_submissions: reply.allow_submissions });
      } else {
        this.renderMine();
      }
    }

    refused(entry, err, closed) {
      this.busy = false;
      this.setButtons(false);
      this.ctx.say(closed ? t("Voting on statements is closed for now, so that vote was not " +
        "counted.") : t("That vote was not counted: {why}", { why: err.error }), true);
    }

    renderMine() {
      var self = this;
      var list = $("my-votes-list");
      list.textContent = "";
      this.mine.forEach(function (v) {
        var row = C.h("div", { class: "buttons small", role: "group",
          "aria-label": t("Change your vote on this statement") });
        [1, -1, 0].forEach(function (value) {
          row.appendChild(C.h("button", { type: "button", class: "change", text: word(value),
            "aria-label": t("Change to {vote}", { vote: word(value) }),
            "aria-pressed": v.vote === value ? "true" : "false",
            onclick: function () { self.change(v, value); } }));
        });
        list.appendChild(C.h("li", {}, [
          C.h("p", { class: "statement small", text: v.text, dir: "auto" }),
          C.h("p", { class: "hint", text: t("Your vote: {vote}", { vote: word(v.vote) }) }),
          row,
        ]));
      });
      $("my-votes-summary").textContent = t("Your votes ({n}): change one",
        { n: this.mine.length });
      this.ctx.show("my-votes", this.mine.length > 0);
    }

    // Texts drawn by this part, again in a new language.
    relabel() {
      this.renderMine();
      this.count();
    }

    count() {
      var max = this.ctx.session() ? this.ctx.session().max_text : 0;
      $("submit-count").textContent = t("{used} of {max} characters",
        { used: $("submit-text").value.length, max: max });
    }

    setButtons(disabled) {
      var bs = document.querySelectorAll("#vote .buttons button");
      for (var i = 0; i < bs.length; i++) bs[i].disabled = disabled;
    }

    wire() {
      var self = this, ctx = this.ctx;
      var bs = document.querySelectorAll("#vote .buttons button");
      for (var i = 0; i < bs.length; i++) {
        bs[i].addEventListener("click", function (ev) {
          self.vote(parseInt(ev.currentTarget.getAttribute("data-vote"), 10));
        });
      }
      $("submit-text").addEventListener("input", function () { self.count(); });
      $("submit-form").addEventListener("submit", function (ev) {
        ev.preventDefault();
        var body = { text: $("submit-text").value, key: C.newKey() };
        ctx.api.persist("POST", "/api/statements", body).then(function (res) {
          $("submit-text").value = "";
          self.count();
          ctx.say(res.status === "waiting for the facilitator"
            ? t("Statement sent: the facilitator checks it first.") : t("Statement sent."));
        }).catch(ctx.fail);
      });
    }
  }
  C.Votes = Votes;
})(window.Coprod = window.Coprod || {});
