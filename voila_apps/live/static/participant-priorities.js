// Participant page of a coprod live session: the priority activities.
//
// Coprod.priorities.build(activity, onSave) -> a list of cards (as Coprod.forms.build makes
// them) for a budget ballot, a pairwise "which is better?" (with "I can't decide" and "Add
// your own idea"), a ranking of the top k, or open questions. A whole ballot is one card
// whose item_id is "ballot"; the pair is a card "pair" (its next pair arrives with the
// acknowledgement: card.onAck(reply)), an idea a card "idea". Texts always via textContent.
"use strict";
(function (C) {
  var h = C.h;
  var fmt = C.fmt;
  var t = C.t;
  var MAX_TEXT = 500;

  function money(x) { return fmt(x); }
  function byId(items) {
    var out = {};
    items.forEach(function (it) { out[String(it.item_id)] = it; });
    return out;
  }
  function reason(text) { return h("span", { class: "reason", text: text }); }

  // ---------------------------------------------------------------- "your order" lists
  // An ordered list with Up / Down / Remove buttons on every entry (keyboard and touch).
  function orderList(heading, order, items, onChange) {
    var box = h("div", { class: "field order" }, [h("h4", { text: heading })]);
    var ol = h("ol", { class: "your-order" });
    box.appendChild(ol);
    function move(i, d) {
      var j = i + d;
      var tmp = order[i]; order[i] = order[j]; order[j] = tmp;
      onChange(j);
    }
    box.draw = function (focusAt) {
      ol.textContent = "";
      if (!order.length) ol.appendChild(h("li", { class: "hint empty", text: t("Nothing chosen yet.") }));
      order.forEach(function (id, i) {
        var text = (items[String(id)] || {}).text || String(id);
        var up = h("button", { type: "button", class: "step up", text: "↑",
          "aria-label": t("Move “{item}” up", { item: text }), disabled: i === 0 });
        var down = h("button", { type: "button", class: "step down", text: "↓",
          "aria-label": t("Move “{item}” down", { item: text }), disabled: i === order.length - 1 });
        var rm = h("button", { type: "button", class: "step remove", text: "✕",
          "aria-label": t("Remove “{item}”", { item: text }) });
        up.addEventListener("click", function () { move(i, -1); });
        down.addEventListener("click", function () { move(i, 1); });
        rm.addEventListener("click", function () { order.splice(i, 1); onChange(null); });
        ol.appendChild(h("li", { "data-id": String(id) }, [
          h("span", { class: "rank", text: fmt(i + 1) + "." }),
          h("span", { class: "name", text: text, dir: "auto" }), up, down, rm]));
        if (focusAt === i) (i === 0 ? down : up).focus();
      });
    };
    return box;
  }

  // ---------------------------------------------------------------- the budget ballot
  function budget(act, onSave) {
    var rules = act.settings || {};
    var type = rules.vote_type || "approval";
    var items = byId(act.items);
    var limit = rules.limit === undefined ? null : Number(rules.limit);
    var maxLen = rules.max_length || act.items.length;
    var minLen = Math.max(rules.min_length || 0, 1);
    var mine = act.mine || {};
    var card = C.forms.shell(act, { item_id: "ballot", text: t("Your ballot"), mine: act.mine },
      onSave, function (m) {
        if (m.points) {
          return Object.keys(m.points).map(function (k) {
            return ((items[k] || {}).text || k) + ": " + m.points[k];
          }).join("; ");
        }
        return (m.projects || []).map(function (k) { return (items[k] || {}).text || k; })
          .join(type === "ordinal" ? " > " : "; ");
      });
    var total = h("p", { class: "total", role: "status", "aria-live": "polite" });
    card.body.appendChild(total);
    var list = h("ul", { class: "projects" });
    card.body.appendChild(list);
    if (type === "cumulative" || type === "scoring") return points(act, card, total, list, mine);

    var chosen = (mine.projects || []).map(String);
    var orderBox = null;
    function cost() {
      return chosen.reduce(function (s, k) { return s + Number(items[k].cost); }, 0);
    }
    function draw(focusAt) {
      var spent = cost();
      var p = { n: chosen.length, max: maxLen, spent: spent, limit: limit, left: limit - spent };
      total.textContent = limit === null ? t("Chosen: {n} of at most {max} projects.", p)
        : t("Chosen: {spent} of {limit} ({left} left); {n} of at most {max} projects.", p);
      list.textContent = "";
      act.items.forEach(function (it) {
        var k = String(it.item_id);
        var on = chosen.indexOf(k) >= 0;
        var why = "";
        if (!on && chosen.length >= maxLen) why = t("You have chosen the most allowed ({max}).", p);
        else if (!on && limit !== null && spent + Number(it.cost) > limit + 1e-9) {
          why = t("Too expensive: only {left} left.", p);
        }
        var b = h("button", { type: "button", class: "project", "aria-pressed": on ? "true" : "false",
          "data-id": k, disabled: !!why }, [
          h("span", { class: "name", text: it.text, dir: "auto" }),
          h("span", { class: "cost", text: money(it.cost) })]);
        b.addEventListener("click", function () {
          if (on) chosen.splice(chosen.indexOf(k), 1); else chosen.push(k);
          draw(null);
          var again = list.querySelector('[data-id="' + k + '"]');
          if (again) again.focus();
        });
        list.appendChild(h("li", {}, [b, why ? reason(why) : null]));
      });
      if (orderBox) orderBox.draw(focusAt);
      card.update();
    }
    if (type === "ordinal") {
      orderBox = orderList(t("Your order (best first)"), chosen, items, draw);
      card.body.appendChild(orderBox);
    }
    card.ready = function () { return chosen.length >= minLen; };
    card.collect = function () {
      if (chosen.length < minLen) {
        throw C.nt("Choose at least {n} project.", "Choose at least {n} projects.", minLen);
      }
      return { projects: chosen.slice() };
    };
    draw(null);
    return [card];
  }

  // Cumulative points: − n + per project, the total never above the allowed points.
  function points(act, card, total, list, mine) {
    var rules = act.settings || {};
    var cap = Number(rules.max_sum_points || act.items.length);
    var each = rules.max_points === undefined ? cap : Number(rules.max_points);
    var pts = {};
    act.items.forEach(function (it) { pts[String(it.item_id)] = (mine.points || {})[it.item_id] || 0; });
    function used() { return Object.keys(pts).reduce(function (s, k) { return s + pts[k]; }, 0); }
    function draw(focusKey, which) {
      var n = used();
      total.textContent = t("Points given: {n} of {cap} ({left} left).",
        { n: n, cap: cap, left: cap - n });
      list.textContent = "";
      act.items.forEach(function (it) {
        var k = String(it.item_id);
        var why = pts[k] >= each
          ? C.nt("At most {n} point per project.", "At most {n} points per project.", each)
          : n >= cap ? t("No points left: take some from another project.") : "";
        var minus = h("button", { type: "button", class: "step minus", text: "−",
          "aria-label": t("One point less for “{item}”", { item: it.text }), disabled: pts[k] <= 0 });
        var plus = h("button", { type: "button", class: "step plus", text: "+",
          "aria-label": t("One point more for “{item}”", { item: it.text }), disabled: !!why });
        minus.addEventListener("click", function () { pts[k] -= 1; draw(k, "minus"); });
        plus.addEventListener("click", function () { pts[k] += 1; draw(k, "plus"); });
        var row = h("li", { class: "points-row", "data-id": k }, [
          h("span", { class: "name", dir: "auto", text: it.text + " (" + money(it.cost) + ")" }),
          h("span", { class: "stepper" }, [minus,
            h("output", { class: "big", text: fmt(pts[k]) }), plus]),
          why ? reason(why) : null]);
        list.appendChild(row);
        if (focusKey === k) (which === "plus" && !plus.disabled ? plus : minus.disabled ? plus : minus).focus();
      });
      card.update();
    }
    card.ready = function () { return used() >= Math.max(rules.min_sum_points || 1, 1); };
    card.collect = function () {
      var out = {};
      Object.keys(pts).forEach(function (k) { if (pts[k]) out[k] = pts[k]; });
      return { points: out };
    };
    draw(null);
    return [card];
  }

  // ---------------------------------------------------------------- ranking: top k
  function ranking(act, onSave) {
    var items = byId(act.items);
    var k = (act.settings || {}).k || act.items.length;
    var order = ((act.mine || {}).order || []).map(String);
    var card = C.forms.shell(act, { item_id: "ballot", text: t("Your top {k}", { k: k }), mine: act.mine },
      onSave, function (m) {
        return (m.order || []).map(function (id, i) {
          return (i + 1) + ". " + ((items[String(id)] || {}).text || id);
        }).join("  ");
      });
    card.body.appendChild(h("p", { class: "hint",
      text: t("Tap the items in your order, best first (at most {k}). Move them with ↑ ↓.",
        { k: k }) }));
    var pick = h("ul", { class: "projects" });
    card.body.appendChild(pick);
    var box = orderList(t("Your order"), order, items, draw);
    card.body.appendChild(box);
    function draw(focusAt) {
      pick.textContent = "";
      act.items.forEach(function (it) {
        var id = String(it.item_id);
        if (order.indexOf(id) >= 0) return;
        var full = order.length >= k;
        var b = h("button", { type: "button", class: "project", "data-id": id, disabled: full,
          text: it.text, dir: "auto" });
        b.addEventListener("click", function () {
          order.push(id);
          draw(null);
          var next = pick.querySelector("button:not([disabled])");
          if (next) next.focus();
        });
        pick.appendChild(h("li", {}, [b, full ? reason(t("Your top {k} is full.", { k: k })) : null]));
      });
      box.draw(focusAt);
      card.update();
    }
    card.ready = function () { return order.length > 0; };
    card.collect = function () {
      return { order: order.map(function (id) { return items[id].item_id; }) };
    };
    draw(null);
    return [card];
  }

  // ---------------------------------------------------------------- pairwise
  function pairwise(act, onSave) {
    var items = byId(act.items);
    var card = C.forms.shell(act, { item_id: "pair", text: t("Which is better?"), mine: null },
      onSave, function (m) {
        if (m.idea) return t("sent");
        return m.cant_decide ? t("you could not decide")
          : t("you chose “{item}”", { item: (items[String(m.winner)] || {}).text || m.winner });
      });
    card.el.querySelector(".save").hidden = true;
    var box = h("div", { class: "pair", role: "group", "aria-label": t("Which is better?") });
    card.body.appendChild(box);
    var pair = act.pair;
    function send(fields) {
      Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) { b.disabled = true; });
      onSave(card, fields);
    }
    function draw() {
      box.textContent = "";
      if (!pair) {
        box.appendChild(h("p", { class: "hint", text: t("There is nothing to compare yet.") }));
        return;
      }
      var ids = [pair[0].item_id, pair[1].item_id];
      pair.forEach(function (it) {
        var b = h("button", { type: "button", class: "choice-big", text: it.text, dir: "auto",
          "data-id": String(it.item_id) });
        b.addEventListener("click", function () { send({ pair: ids, winner: it.item_id }); });
        box.appendChild(b);
      });
      var skip = h("button", { type: "button", class: "secondary cant", text: t("I can't decide") });
      skip.addEventListener("click", function () { send({ pair: ids, cant_decide: true }); });
      box.appendChild(skip);
    }
    card.onAck = function (reply) {
      if (reply.pair !== undefined) pair = reply.pair;
      draw();
    };
    card.onReject = draw;
    var progress = h("p", { class: "hint", text: "" });
    card.body.appendChild(progress);
    draw();
    var cards = [card];
    if ((act.settings || {}).ideas !== false) cards.push(idea(act, onSave));
    return cards;
  }

  // A text with a counter (ideas and open answers).
  function textCard(act, item, onSave, label, sentText) {
    var card = C.forms.shell(act, item, onSave, function (m) {
      return typeof m === "string" ? m : m.text || m.idea || sentText;
    });
    var id = "t-" + act.activity_id + "-" + item.item_id;
    var area = h("textarea", { id: id, rows: 3, maxlength: MAX_TEXT, dir: "auto" });
    var count = h("p", { class: "hint", "aria-live": "polite" });
    function counted() {
      count.textContent = t("{used} of {max} characters", { used: area.value.length, max: MAX_TEXT });
      card.update();
    }
    area.addEventListener("input", counted);
    card.body.appendChild(h("label", { for: id, text: label }));
    card.body.appendChild(area);
    card.body.appendChild(count);
    card.ready = function () { return area.value.trim().length > 0; };
    card.clear = function () { area.value = ""; counted(); };
    counted();
    return { card: card, area: area };
  }

  function idea(act, onSave) {
    var x = textCard(act, { item_id: "idea", text: t("Add your own idea"), mine: null }, onSave,
      t("Your idea (the facilitator checks it before others compare it)"), t("sent"));
    x.card.collect = function () { return { idea: x.area.value.trim() }; };
    x.card.onAck = function () { x.card.clear(); };
    x.card.el.querySelector(".save").textContent = t("Send idea");
    return x.card;
  }

  function openQuestion(act, onSave) {
    return act.items.map(function (item) {
      var x = textCard(act, item, onSave, t("Your answer"), t("sent"));
      x.card.collect = function () { return { text: x.area.value.trim() }; };
      x.card.onAck = function () { x.card.clear(); };
      x.card.el.querySelector(".save").textContent = t("Send");
      return x.card;
    });
  }

  var BUILDERS = { budget: budget, pairwise: pairwise, ranking: ranking, open_question: openQuestion };
  C.priorities = {
    kinds: Object.keys(BUILDERS),
    handles: function (kind) { return Object.prototype.hasOwnProperty.call(BUILDERS, kind); },
    // How many answers make the activity done (a ballot is one; pairs; each question).
    total: function (act) {
      if (act.kind === "pairwise") return act.pairs || 0;
      if (act.kind === "budget" || act.kind === "ranking") return 1;
      return act.items.length;
    },
    build: function (act, onSave) {
      var cards = BUILDERS[act.kind](act, onSave);
      cards.forEach(function (c) { c.update(); });
      return cards;
    },
  };
})(window.Coprod = window.Coprod || {});
