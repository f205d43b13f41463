// Participant page of a coprod live session: community mapping and appraisal.
//
// Coprod.mapping.build(activity, onSave) -> cards (as Coprod.forms.build makes them):
// mapping: a card "place" (tap a point on the offline base, or choose the area from a list;
// then kind, category and a few words; each place this phone mapped has a Remove button
// that withdraws it: {place_id, withdrawn: true}) and a card "support" (the needs others
// mapped, each with a Support button); appraisal: one card per need (two scales). The base is
// an SVG drawn here from GET /api/map, or from the join answer when it is small (GeoJSON
// lines and polygons projected equirectangularly, or the plan image as a data URL): no tiles,
// no request to another host. Texts always via textContent.
"use strict";
(function (C) {
  var h = C.h;
  var t = C.t;
  var SVGNS = "http://www.w3.org/2000/svg";
  var MAX_TEXT = 280;
  var bases = {}; // activity_id -> promise of the base drawing

  function kindLabel(kind) {
    return kind === "asset" ? t("Something good here (an asset)")
      : kind === "need" ? t("Something needed here (a need)") : t("An idea for here");
  }
  function kindWord(kind) {
    return kind === "asset" ? t("Asset") : kind === "need" ? t("Need") : t("Idea");
  }
  function describePlace(m) {
    if (m.withdrawn) return t("Removed ✓");
    var s = kindWord(m.kind) + ": " + m.category;
    if (m.area) s += " (" + m.area + ")";
    return m.text ? s + " — " + m.text : s;
  }
  function newId() {
    return Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
  }
  function el(tag, attrs) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }

  // Equirectangular: x = lon·cos(middle latitude), y = −lat (north up); a plan as it is.
  function projector(s) {
    var b = s.bounds;
    var geo = s.system === "geo";
    var k = geo ? Math.cos(((b[1] + b[3]) / 2) * Math.PI / 180) : 1;
    return {
      geo: geo,
      box: geo ? [b[0] * k, -b[3], (b[2] - b[0]) * k, b[3] - b[1]] : [0, 0, b[2], b[3]],
      to: function (p) { return geo ? [p.lon * k, -p.lat] : [p.x, p.y]; },
      from: function (x, y) {
        return geo ? { lat: Math.round(-y * 1e6) / 1e6, lon: Math.round((x / k) * 1e6) / 1e6 }
          : { x: Math.round(x * 100) / 100, y: Math.round(y * 100) / 100 };
      },
      inside: function (p) {
        var a = geo ? p.lon : p.x, c = geo ? p.lat : p.y;
        return a >= b[0] && a <= b[2] && c >= b[1] && c <= b[3];
      },
    };
  }

  function drawBase(svgEl, proj, base) {
    var g = el("g", { class: "base" });
    if (base && base.image) {
      g.appendChild(el("image", { href: base.image, x: 0, y: 0, width: base.width,
        height: base.height, preserveAspectRatio: "none" }));
    }
    function path(rings) {
      return rings.map(function (ring) {
        return ring.map(function (c, i) {
          var p = proj.to({ lon: c[0], lat: c[1] });
          return (i ? "L" : "M") + p[0] + " " + p[1];
        }).join("") + "Z";
      }).join("");
    }
    ((base && base.polygons) || []).forEach(function (poly) {
      var p = el("path", { d: path(poly.rings), class: "area", "vector-effect": "non-scaling-stroke" });
      if (poly.area) p.appendChild(el("title")).textContent = poly.area;
      g.appendChild(p);
    });
    ((base && base.lines) || []).forEach(function (line) {
      g.appendChild(el("polyline", { class: "street", "vector-effect": "non-scaling-stroke",
        points: line.map(function (c) { return proj.to({ lon: c[0], lat: c[1] }).join(","); }).join(" ") }));
    });
    svgEl.insertBefore(g, svgEl.firstChild);
  }

  function baseOf(aid) {
    if (!bases[aid]) {
      bases[aid] = C.mapApi("/api/map?activity_id=" + encodeURIComponent(aid))
        .catch(function (err) { delete bases[aid]; throw err; });
    }
    return bases[aid];
  }

  // ---------------------------------------------------------------- the place form
  function placeCard(act, onSave) {
    var s = act.settings || {};
    var cats = s.categories || {};
    var kinds = ["need", "asset", "idea"].filter(function (k) { return (cats[k] || []).length; });
    var card = C.forms.shell(act, { item_id: "place", text: t("Add a place"), mine: null }, onSave,
      describePlace);
    card.el.querySelector(".mine").hidden = true;
    var chosen = null;
    var mine = (act.mine || []).slice();
    var needs = act.needs || [];
    var where = h("p", { class: "hint where", role: "status", "aria-live": "polite" });
    var proj = s.system === "geo" || s.system === "plan" ? projector(s) : null;
    var svgEl = null, marks = null, pending = null;
    // the join answer carries a small base: no round trip for it
    if (act.map && !bases[act.activity_id]) bases[act.activity_id] = Promise.resolve(act.map);
    if (proj) {
      var vb = proj.box;
      svgEl = el("svg", { class: "map", viewBox: vb.join(" "), role: "img",
        "aria-label": t("Map: tap where the place is") });
      svgEl.style.aspectRatio = vb[2] + " / " + vb[3];
      marks = el("g", { class: "marks" });
      svgEl.appendChild(marks);
      var r = Math.max(vb[2], vb[3]) / 70;
      pending = el("circle", { r: r * 1.3, class: "pending" });
      pending.style.display = "none";
      svgEl.appendChild(pending);
      svgEl.addEventListener("click", function (ev) {
        var pt = svgEl.createSVGPoint();
        pt.x = ev.clientX; pt.y = ev.clientY;
        var ctm = svgEl.getScreenCTM();
        if (!ctm) return;
        var q = pt.matrixTransform(ctm.inverse());
        var p = proj.from(q.x, q.y);
        if (!proj.inside(p)) return;
        chosen = p;
        if (areaSel) areaSel.value = "";
        showPending();
        where.textContent = t("Place chosen on the map. Tap again to move it.");
        card.update();
      });
      card.body.appendChild(h("p", { class: "hint", text: t("Tap the map where the place is.") }));
      card.body.appendChild(h("div", { class: "map-box" }, [svgEl]));
      baseOf(act.activity_id).then(function (m) { drawBase(svgEl, proj, m.base); })
        .catch(function () { where.textContent = t("The map could not be loaded; choose the area from the list."); });
    }
    function showPending() {
      if (!pending) return;
      var on = chosen && chosen.area === undefined;
      pending.style.display = on ? "" : "none";
      if (on) {
        var p = proj.to(chosen);
        pending.setAttribute("cx", p[0]); pending.setAttribute("cy", p[1]);
      }
    }
    function drawMarks() {
      if (!marks) return;
      marks.textContent = "";
      var r = Math.max(proj.box[2], proj.box[3]) / 70;
      needs.concat(mine).forEach(function (p) {
        if (p.lat === undefined && p.x === undefined) return;
        var q = proj.to(p);
        var c = el("circle", { cx: q[0], cy: q[1], r: r, class: "mark " + (p.kind || "need") +
          (p.supported !== undefined ? " others" : " own") });
        c.appendChild(el("title")).textContent = describePlace({ kind: p.kind || "need",
          category: p.category, area: p.area, text: p.text });
        marks.appendChild(c);
      });
    }
    card.body.appendChild(where);
    var areaSel = null;
    if ((s.areas || []).length) {
      var aid = "area-" + act.activity_id;
      areaSel = h("select", { id: aid, class: "area-list" }, [h("option", { value: "", text: t("Choose an area") })]
        .concat(s.areas.map(function (a) { return h("option", { value: a, text: a }); })));
      areaSel.addEventListener("change", function () {
        chosen = areaSel.value ? { area: areaSel.value } : null;
        showPending();
        where.textContent = chosen ? t("Area chosen: {area}", { area: chosen.area }) : "";
        card.update();
      });
      card.body.appendChild(h("div", { class: "field" }, [
        h("label", { for: aid, text: proj ? t("Or choose the area from a list") : t("Choose the area") }),
        areaSel]));
    }
    var kindName = "kind-" + act.activity_id;
    var kindBox = h("fieldset", { class: "field" }, [h("legend", { text: t("What is it?") })]);
    var kindInputs = kinds.map(function (k) {
      var input = h("input", { type: "radio", name: kindName, value: k });
      input.addEventListener("change", fillCategories);
      kindBox.appendChild(h("label", { class: "option" }, [input, h("span", { text: kindLabel(k) })]));
      return input;
    });
    card.body.appendChild(kindBox);
    var catId = "cat-" + act.activity_id;
    var catSel = h("select", { id: catId });
    catSel.addEventListener("change", function () { card.update(); });
    card.body.appendChild(h("div", { class: "field" }, [h("label", { for: catId, text: t("Category") }), catSel]));
    var textId = "text-" + act.activity_id;
    var area = h("textarea", { id: textId, rows: 2, maxlength: MAX_TEXT, dir: "auto" });
    area.addEventListener("input", function () { card.update(); });
    card.body.appendChild(h("div", { class: "field" }, [
      h("label", { for: textId, text: t("A few words (optional; others see them once the facilitator has checked them)") }),
      area]));
    var list = h("ul", { class: "my-places", tabindex: "-1" });
    var gone = {}; // places this phone withdrew (the server's list may not know yet)
    card.el.appendChild(h("h4", { text: t("Your places") }));
    card.el.appendChild(list);
    function kind() {
      for (var i = 0; i < kindInputs.length; i++) if (kindInputs[i].checked) return kindInputs[i].value;
      return null;
    }
    function fillCategories() {
      var k = kind();
      catSel.textContent = "";
      catSel.appendChild(h("option", { value: "", text: t("Choose a category") }));
      (cats[k] || []).forEach(function (c) { catSel.appendChild(h("option", { value: c, text: c })); });
      card.update();
    }
    function drawList() {
      list.textContent = "";
      if (!mine.length) list.appendChild(h("li", { class: "hint", text: t("You have not mapped a place yet.") }));
      mine.forEach(function (p) {
        var said = describePlace(p);
        var b = h("button", { type: "button", class: "support remove", "data-id": p.place_id,
          "aria-label": t("Remove: {place}", { place: said }), text: t("Remove") });
        b.addEventListener("click", function () { withdraw(p, said); });
        list.appendChild(h("li", { class: "place" }, [h("span", { dir: "auto", text: said }), " ", b]));
      });
      drawMarks();
    }
    // Withdraw one of this phone's places: gone from the list at once, sent through the queue
    // (an answer like any other); the focus moves to the next Remove button or the list.
    function withdraw(p, said) {
      gone[p.place_id] = true;
      mine = mine.filter(function (m) { return m.place_id !== p.place_id; });
      drawList();
      where.textContent = t("Place removed: {place}", { place: said });
      (list.querySelector("button.remove") || list).focus();
      onSave(card, { place_id: p.place_id, withdrawn: true });
    }
    card.ready = function () { return !!(chosen && kind() && catSel.value); };
    card.collect = function () {
      var out = { place_id: newId(), kind: kind(), category: catSel.value };
      Object.keys(chosen).forEach(function (k) { out[k] = chosen[k]; });
      if (area.value.trim()) out.text = area.value.trim();
      card.sent = out;
      return out;
    };
    card.onAck = function (reply) {
      if (gone[String((reply && reply.item_id) || "").slice(6)]) {
        card.setStatus("ok", t("Removed ✓")); // a withdrawal, not the form's place
        return;
      }
      if (card.sent) mine.push(card.sent);
      card.sent = null;
      chosen = null;
      area.value = "";
      if (areaSel) areaSel.value = "";
      where.textContent = "";
      showPending();
      drawList();
      card.update();
    };
    card.onReject = function () { gone = {}; }; // the next poll shows what the server has
    card.refresh = function (a) {
      if (!card.sent) mine = (a.mine || []).filter(function (p) { return !gone[p.place_id]; });
      needs = a.needs || [];
      drawList();
    };
    fillCategories();
    drawList();
    return card;
  }

  // ---------------------------------------------------------------- support for needs
  function supportCard(act, onSave) {
    var card = C.forms.shell(act, { item_id: "support", text: t("Needs others mapped"), mine: null },
      onSave, function (m) { return m.support ? t("supported") : t("support taken back"); });
    card.el.querySelector(".save").hidden = true;
    card.el.querySelector(".mine").hidden = true;
    card.body.appendChild(h("p", { class: "hint",
      text: t("Support the needs you share. A need's words appear once the facilitator has checked them.") }));
    var list = h("ul", { class: "needs" });
    card.body.appendChild(list);
    var needs = act.needs || [];
    var sig = null;
    function label(n) {
      var s = n.category + " — " + (n.area || t("a point on the map"));
      return n.text ? s + ": " + n.text : s;
    }
    function draw() {
      var now = JSON.stringify(needs);
      if (now === sig) return;
      sig = now;
      list.textContent = "";
      if (!needs.length) list.appendChild(h("li", { class: "hint", text: t("Nobody else has mapped a need yet.") }));
      needs.forEach(function (n) {
        var b = h("button", { type: "button", class: "support", "data-id": n.place_id,
          "aria-pressed": n.supported ? "true" : "false", "aria-label": t("Support: {need}", { need: label(n) }),
          text: n.supported ? t("Supported ✓") : t("Support") });
        b.addEventListener("click", function () {
          n.supported = !n.supported;
          b.setAttribute("aria-pressed", n.supported ? "true" : "false");
          b.textContent = n.supported ? t("Supported ✓") : t("Support");
          sig = JSON.stringify(needs);
          card.waiting = (card.waiting || 0) + 1;
          onSave(card, { place_id: n.place_id, support: n.supported });
        });
        list.appendChild(h("li", { class: "need" }, [h("span", { dir: "auto", text: label(n) }), b]));
      });
    }
    card.onAck = function () { card.waiting = Math.max(0, (card.waiting || 0) - 1); };
    card.onReject = card.onAck;
    card.refresh = function (a) {
      if (card.waiting) return; // what this phone just sent is newer than the poll
      needs = a.needs || [];
      draw();
    };
    draw();
    return card;
  }

  // ---------------------------------------------------------------- appraisal rounds
  function appraisalCard(act, item, onSave) {
    var s = act.settings || {};
    var lo = s.scale_min === undefined ? 1 : s.scale_min;
    var hi = s.scale_max === undefined ? 5 : s.scale_max;
    var card = C.forms.shell(act, item, onSave, function (m) {
      return m.achievement_score === undefined || m.achievement_score === null
        ? t("pressing {need}", { need: m.need_score })
        : t("pressing {need}, done {done}", { need: m.need_score, done: m.achievement_score });
    });
    var at = item.area || (item.lat !== undefined || item.x !== undefined ? t("a point on the map") : "");
    if (at) card.el.insertBefore(h("p", { class: "source", dir: "auto", text: at }), card.body);
    var mine = item.mine || {};
    var update = function () { card.update(); };
    var need = C.forms.scale({ legend: t("How pressing is this need now?"), low: t("not pressing"),
      high: t("very pressing"), lo: lo, hi: hi, value: mine.need_score, onChange: update });
    var done = C.forms.scale({ legend: t("How much has been done about it? (optional)"),
      low: t("nothing yet"), high: t("fully met"), lo: lo, hi: hi, value: mine.achievement_score,
      onChange: update });
    card.body.appendChild(need.el);
    card.body.appendChild(done.el);
    card.ready = function () { return need.get() !== null; };
    card.collect = function () {
      var out = { need_score: need.get() };
      if (done.get() !== null) out.achievement_score = done.get();
      return out;
    };
    return card;
  }

  C.mapping = {
    handles: function (kind) { return kind === "mapping" || kind === "appraisal"; },
    // Items that complete the activity (a map is open-ended: 0).
    total: function (act) { return act.kind === "appraisal" ? act.items.length : 0; },
    build: function (act, onSave) {
      var cards = act.kind === "appraisal"
        ? act.items.map(function (item) { return appraisalCard(act, item, onSave); })
        : [placeCard(act, onSave), supportCard(act, onSave)];
      cards.forEach(function (c) { c.update(); });
      return cards;
    },
    // A new poll: the places and needs as the server has them now (no rebuild, input kept).
    refresh: function (act, cards) {
      Object.keys(cards).forEach(function (k) { if (cards[k].refresh) cards[k].refresh(act); });
    },
  };
})(window.Coprod = window.Coprod || {});
