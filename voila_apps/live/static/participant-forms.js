// Participant page of a coprod live session: one form per kind of activity item.
//
// Coprod.forms.build(activity, item, onSave) -> a card {el, setMine(mine), setStatus(kind,
// text), describe(fields)}. onSave(card, fields) is called with the answer's fields exactly
// as POST /api/answer takes them. Every text (items, options, sources) goes in with
// textContent, never as markup.
"use strict";
(function (C) {
  var uid = 0;
  function nextId(prefix) { uid += 1; return "c" + uid + "-" + prefix; }

  // A new element: props are attributes, except text (textContent), class, on<event>.
  function h(tag, props, children) {
    var el = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      var v = props[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") el.textContent = String(v);
      else if (k === "class") el.className = v;
      else if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? "" : String(v));
    });
    (children || []).forEach(function (c) {
      if (c) el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return el;
  }
  C.h = h;

  var fmt = C.fmt, pct = C.pct, t = C.t;
  function label(option) {
    return option === "prefer not to say" ? t("Prefer not to say") : option;
  }
  function capital(text) {
    var s = String(text || "");
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  // "3,5", "1,000.5" and Arabic-Indic digits ("٣٫٥") are numbers too.
  function parseNumber(text) {
    var s = String(text || "").replace(/\s/g, "").replace(/[\u0660-\u0669\u06f0-\u06f9]/g,
      function (d) { return String(d.charCodeAt(0) & 15); }).replace(/\u066b/g, ".")
      .replace(/\u066c/g, ",");
    s = s.indexOf(".") >= 0 ? s.replace(/,/g, "") : s.replace(",", ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(s)) return null;
    var n = Number(s);
    return isFinite(n) ? n : null;
  }

  function fieldset(legend, hint) {
    var fs = h("fieldset", { class: "field" }, [h("legend", { text: legend })]);
    if (hint) {
      var hid = nextId("hint");
      fs.appendChild(h("p", { class: "hint", id: hid, text: hint }));
      fs.setAttribute("aria-describedby", hid);
    }
    return fs;
  }

  // Big radio buttons (inputs cover their labels, so a tap anywhere on one picks it).
  function radios(fs, values, texts, value, onChange, cls) {
    var name = nextId("r");
    var row = h("div", { class: "options " + (cls || "") });
    var inputs = values.map(function (v, i) {
      var input = h("input", { type: "radio", name: name, value: String(i) });
      input.checked = value !== null && value !== undefined && String(value) === String(v);
      input.addEventListener("change", onChange);
      row.appendChild(h("label", { class: "option" }, [input, h("span", { text: texts[i], dir: "auto" })]));
      return input;
    });
    fs.appendChild(row);
    return {
      row: row,
      get: function () {
        for (var i = 0; i < inputs.length; i++) if (inputs[i].checked) return values[i];
        return null;
      },
    };
  }

  // A scale lo..hi: a row of buttons, or a slider with its value shown for long scales.
  function scale(opts) {
    var lo = Math.ceil(opts.lo), hi = Math.floor(opts.hi);
    var hint = t("{lo} = {low}, {hi} = {high}", { lo: lo, low: opts.low, hi: hi, high: opts.high });
    var fs = fieldset(opts.legend, hint);
    var value = opts.value === null || opts.value === undefined ? null : Number(opts.value);
    if (hi - lo <= 10) {
      var values = [], texts = [];
      for (var v = lo; v <= hi; v++) { values.push(v); texts.push(fmt(v)); }
      var group = radios(fs, values, texts, value, opts.onChange, "scale");
      return { el: fs, get: group.get };
    }
    var id = nextId("range");
    var touched = value !== null;
    var range = h("input", { type: "range", id: id, min: lo, max: hi, step: 1 });
    range.value = String(touched ? value : Math.round((lo + hi) / 2));
    var out = h("output", { for: id, class: "big", text: touched ? fmt(value) : t("not set") });
    range.addEventListener("input", function () {
      touched = true;
      out.textContent = fmt(Number(range.value));
      opts.onChange();
    });
    fs.appendChild(h("label", { for: id, class: "slider" }, [t("Your answer:") + " ", out]));
    fs.appendChild(range);
    return { el: fs, get: function () { return touched ? Number(range.value) : null; } };
  }

  // The frame every item shares: heading, the kind's inputs, Save, status, current answer.
  function shell(activity, item, onSave, describe) {
    var hid = nextId("h");
    var el = h("section", { class: "item", "aria-labelledby": hid, "data-item": item.item_id }, [
      h("h3", { id: hid, text: item.text, dir: "auto" }),
    ]);
    var body = h("div", { class: "item-body" });
    var save = h("button", { type: "button", class: "save", text: t("Save") });
    var status = h("p", { class: "item-status", role: "status", "aria-live": "polite" });
    var mine = h("p", { class: "mine" });
    el.appendChild(body);
    el.appendChild(h("div", { class: "save-row" }, [save, status]));
    el.appendChild(mine);
    var card = {
      el: el,
      body: body,
      activity: activity,
      item: item,
      describe: describe,
      collect: function () { return null; },
      ready: function () { return true; },
      setMine: function (m) {
        card.mine = m;
        mine.textContent = m ? t("Your answer: {answer}", { answer: describe(m) })
          : t("Not answered yet.");
        mine.className = m ? "mine has" : "mine";
      },
      setStatus: function (kind, text) {
        status.textContent = text || "";
        status.className = "item-status " + (kind || "");
      },
      update: function () { save.disabled = !card.ready(); },
    };
    save.addEventListener("click", function () {
      var fields;
      try {
        fields = card.collect();
      } catch (msg) {
        card.setStatus("error", String(msg));
        return;
      }
      onSave(card, fields);
    });
    card.setMine(item.mine || null);
    return card;
  }

  // ---------------------------------------------------------------- one builder per kind
  function evidence(activity, item, onSave) {
    var card = shell(activity, item, onSave, function (m) {
      var p = { c: m.credibility, r: m.relevance, s: m.confidence };
      return m.confidence === undefined || m.confidence === null
        ? t("credibility {c}, relevance {r}", p) : t("credibility {c}, relevance {r}, sure {s}", p);
    });
    var mine = item.mine || {};
    if (item.source) {
      card.el.insertBefore(h("p", { class: "source", dir: "auto",
        text: t("From: {source}", { source: item.source }) }), card.body);
    }
    var lo = item.scale_min === undefined ? 1 : item.scale_min;
    var hi = item.scale_max === undefined ? 5 : item.scale_max;
    var update = function () { card.update(); };
    var cred = scale({ legend: t("How credible is this evidence?"),
      low: t("not at all credible"), high: t("very credible"), lo: lo, hi: hi,
      value: mine.credibility, onChange: update });
    var rel = scale({ legend: t("How relevant is it to our question?"),
      low: t("not at all relevant"), high: t("very relevant"), lo: lo, hi: hi,
      value: mine.relevance, onChange: update });
    var conf = scale({ legend: t("How sure are you? (optional)"), low: t("a guess"),
      high: t("certain"), lo: lo, hi: hi, value: mine.confidence, onChange: update });
    [cred, rel, conf].forEach(function (s) { card.body.appendChild(s.el); });
    card.ready = function () { return cred.get() !== null && rel.get() !== null; };
    card.collect = function () {
      var out = { credibility: cred.get(), relevance: rel.get() };
      if (conf.get() !== null) out.confidence = conf.get();
      return out;
    };
    return card;
  }

  // The words of a scale, looked up when drawn (so in the language of the moment).
  function scaleWords(name) {
    return name === "rating" ? [t("Your rating"), t("least"), t("most")]
      : [t("Your answer"), t("least"), t("most")];
  }

  function onScale(name) {
    return function (activity, item, onSave) {
      var lo = item.scale_min === undefined ? 1 : item.scale_min;
      var hi = item.scale_max === undefined ? 5 : item.scale_max;
      var card = shell(activity, item, onSave, function (m) {
        return t("{value} (on {lo} to {hi})", { value: m[name], lo: lo, hi: hi });
      });
      var w = scaleWords(name);
      var s = scale({ legend: w[0], low: w[1], high: w[2], lo: lo, hi: hi,
        value: (item.mine || {})[name], onChange: function () { card.update(); } });
      card.body.appendChild(s.el);
      card.ready = function () { return s.get() !== null; };
      card.collect = function () { var o = {}; o[name] = s.get(); return o; };
      return card;
    };
  }

  // Delphi: the anonymous distribution of the previous round, as the server sent it.
  function previousRound(prev, unit) {
    var d = prev.distribution || {};
    var u = unit ? " " + unit : "";
    var box = h("div", { class: "previous" }, [
      h("h4", { text: t("Round {round}: what the group said", { round: prev.round }) }),
      h("p", { text: C.nt("Answers from {n} person (yours included).",
        "Answers from {n} people (yours included).", d.n) + " " +
        t("The middle answer was {median}; half of the answers lay between {q1} and {q3}; " +
          "the lowest was {min} and the highest {max}.", { median: fmt(d.median) + u,
          q1: d.q1, q3: d.q3, min: d.min, max: d.max }) }),
      h("p", { text: t("Your round {round} answer: {value}.", { round: prev.round,
        value: fmt((prev.mine || {}).value) + u }) }),
    ]);
    var you = (prev.mine || {}).value;
    var lo = Math.min(d.min, you), hi = Math.max(d.max, you);
    if (d.n && isFinite(lo) && isFinite(hi)) {
      var pos = function (x) { return hi > lo ? (100 * (x - lo)) / (hi - lo) : 50; };
      var bar = h("div", { class: "dist", "aria-hidden": "true" });
      var part = function (cls, a, b) {
        var s = h("span", { class: cls });
        s.style.left = pos(a) + "%";
        if (b !== undefined) s.style.width = Math.max(pos(b) - pos(a), 0.5) + "%";
        bar.appendChild(s);
      };
      part("range", d.min, d.max);
      part("iqr", d.q1, d.q3);
      part("median", d.median);
      if (isFinite(you)) part("you", you);
      box.appendChild(bar);
      box.appendChild(h("p", { class: "hint", "aria-hidden": "true",
        text: t("Box: the middle half. Line: the middle answer. Dot: you.") }));
    }
    return box;
  }

  function estimate(activity, item, onSave) {
    var u = item.unit ? " " + item.unit : "";
    var card = shell(activity, item, onSave, function (m) {
      var s = fmt(m.value) + u;
      return m.confidence === undefined || m.confidence === null
        ? s : t("{value}, sure {sure} of 5", { value: s, sure: m.confidence });
    });
    var mine = item.mine || {};
    if (item.previous) card.body.appendChild(previousRound(item.previous, item.unit));
    var id = nextId("num");
    var input = h("input", { id: id, type: "text", inputmode: "decimal", autocomplete: "off",
      class: "number" });
    if (mine.value !== undefined) input.value = String(mine.value);
    input.addEventListener("input", function () { card.update(); });
    var word = activity.round > 1 ? t("Your round {round} estimate", { round: activity.round })
      : t("Your estimate");
    var unitId = nextId("unit");
    if (item.unit) input.setAttribute("aria-describedby", unitId);
    card.body.appendChild(h("div", { class: "field" }, [
      h("label", { for: id, text: word }),
      h("div", { class: "with-unit" }, [input,
        item.unit ? h("span", { id: unitId, text: item.unit, dir: "auto" }) : null]),
    ]));
    var conf = scale({ legend: t("How sure are you? (optional)"), low: t("a guess"),
      high: t("certain"),
      lo: 1, hi: 5, value: mine.confidence, onChange: function () { card.update(); } });
    card.body.appendChild(conf.el);
    card.ready = function () { return input.value.trim() !== ""; };
    card.collect = function () {
      var n = parseNumber(input.value);
      if (n === null) throw t("Type a number, for example 12 or 3.5.");
      var out = { value: n };
      if (conf.get() !== null) out.confidence = conf.get();
      return out;
    };
    return card;
  }

  function probability(activity, item, onSave) {
    var card = shell(activity, item, onSave, function (m) { return pct(m.probability); });
    var mine = item.mine || {};
    var labelId = nextId("l"), numId = nextId("num");
    var touched = mine.probability !== undefined;
    var start = touched ? Math.round(mine.probability * 1000) / 10 : 50;
    var num = h("input", { id: numId, type: "number", inputmode: "decimal", min: 0, max: 100,
      step: "any", class: "number" });
    var range = h("input", { type: "range", min: 0, max: 100, step: 1,
      "aria-labelledby": labelId });
    range.value = String(start);
    if (touched) num.value = String(start);
    range.addEventListener("input", function () {
      touched = true; num.value = range.value; card.update();
    });
    num.addEventListener("input", function () {
      touched = true;
      var n = parseNumber(num.value);
      if (n !== null) range.value = String(Math.max(0, Math.min(100, n)));
      card.update();
    });
    card.body.appendChild(h("div", { class: "field" }, [
      h("label", { for: numId, id: labelId, text: t("How likely is it? (0 to 100%)") }),
      h("div", { class: "with-unit" }, [num, h("span", { text: "%" })]),
      range,
      h("div", { class: "ends", "aria-hidden": "true" }, [
        h("span", { text: t("0% = surely not") }), h("span", { text: t("100% = surely") }),
      ]),
    ]));
    card.ready = function () { return touched && num.value.trim() !== ""; };
    card.collect = function () {
      var n = parseNumber(num.value);
      if (n === null || n < 0 || n > 100) throw t("Give a chance between 0 and 100%.");
      return { probability: Math.round(n * 10) / 1000 };
    };
    return card;
  }

  function choice(activity, item, onSave) {
    var options = item.options || [];
    var card = shell(activity, item, onSave, function (m) {
      var s = label(m.answer);
      if (m.predictions) {
        s = t("{answer}. Your guess of the others: {guesses}", { answer: s,
          guesses: options.map(function (o) {
            return label(o) + " " + pct(m.predictions[o] || 0);
          }).join(", ") });
      }
      return s;
    });
    var mine = item.mine || {};
    var fs = fieldset(t("Your answer"));
    var pick = radios(fs, options, options.map(label), mine.answer, function () {
      guess.hidden = false; card.update();
    }, "list");
    card.body.appendChild(fs);
    var guess = fieldset(t("What share of the others here will choose each option?"),
      t("Your guesses must add up to 100%."));
    guess.hidden = mine.answer === undefined;
    var total = h("p", { class: "total", role: "status", "aria-live": "polite" });
    var inputs = options.map(function (o) {
      var id = nextId("share");
      var input = h("input", { id: id, type: "number", inputmode: "decimal", min: 0, max: 100,
        step: "any", class: "share" });
      var share = (mine.predictions || {})[o];
      if (share !== undefined) input.value = String(Math.round(share * 1000) / 10);
      var bump = function (d) {
        return function () {
          var n = parseNumber(input.value) || 0;
          input.value = String(Math.max(0, Math.min(100, Math.round(n + d))));
          sum();
        };
      };
      input.addEventListener("input", sum);
      guess.appendChild(h("div", { class: "share-row" }, [
        h("label", { for: id, text: label(o), dir: "auto" }),
        h("div", { class: "stepper" }, [
          h("button", { type: "button", class: "step",
            "aria-label": t("5% less for {option}", { option: label(o) }),
            text: "−", onclick: bump(-5) }),
          input,
          h("span", { text: "%" }),
          h("button", { type: "button", class: "step",
            "aria-label": t("5% more for {option}", { option: label(o) }),
            text: "+", onclick: bump(5) }),
        ]),
      ]));
      return input;
    });
    guess.appendChild(total);
    card.body.appendChild(guess);
    function added() {
      return inputs.reduce(function (a, i) { return a + (parseNumber(i.value) || 0); }, 0);
    }
    function sum() {
      var sum = Math.round(added() * 10) / 10;
      var off = Math.round((100 - sum) * 10) / 10;
      var p = { total: pct(sum / 100), off: pct(Math.abs(off) / 100) };
      total.textContent = Math.abs(off) < 0.5 ? t("Total: {total} ✓", p)
        : off > 0 ? t("Total: {total}, {off} left to share", p) : t("Total: {total}, {off} too much", p);
      total.className = "total " + (Math.abs(off) < 0.5 ? "ok" : "");
      card.update();
    }
    card.ready = function () { return pick.get() !== null && Math.abs(added() - 100) < 0.5; };
    card.collect = function () {
      var preds = {};
      options.forEach(function (o, i) { preds[o] = (parseNumber(inputs[i].value) || 0) / 100; });
      return { answer: pick.get(), predictions: preds };
    };
    sum();
    return card;
  }

  function population(activity, item, onSave) {
    var card = shell(activity, item, onSave, function (m) { return label(m.category); });
    card.el.querySelector("h3").textContent = capital(item.text);
    var options = item.options || [];
    var fs = fieldset(t("Choose one"));
    var pick = radios(fs, options, options.map(label), (item.mine || {}).category,
      function () { card.update(); }, "list");
    card.body.appendChild(fs);
    card.ready = function () { return pick.get() !== null; };
    card.collect = function () { return { category: pick.get() }; };
    return card;
  }

  var QUESTION = { estimate: estimate, probability: probability, choice: choice };
  var BUILDERS = {
    evidence: evidence,
    ratings: onScale("rating"),
    panel: onScale("value"),
    population: population,
    questions: function (activity, item, onSave) {
      return (QUESTION[item.type || "estimate"] || estimate)(activity, item, onSave);
    },
  };

  C.forms = {
    kinds: Object.keys(BUILDERS),
    shell: shell, // the card frame, for participant-priorities.js and participant-mapping.js
    scale: scale,
    build: function (activity, item, onSave) {
      var card = BUILDERS[activity.kind](activity, item, onSave);
      card.update();
      return card;
    },
  };
})(window.Coprod = window.Coprod || {});
