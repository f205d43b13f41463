// Participant page of a coprod live session: languages.
//
// Coprod.t("Answered {done} of {all}.", {done: 1, all: 3}) translates a message (the English
// text is the message id) and fills in its {names}; numbers are formatted for the language.
// Coprod.nt(singular, plural, n, params) picks the plural form the language needs.
// The catalogs are made from the gettext .po files (voila_apps/locale) by
// coprod_apps.live.i18n into one small script per language (participant-<code>.js); the
// server puts the one it picks (?lang=xx, the session's, Accept-Language) in the page itself
// (coprod_apps.live.page), any other is loaded when chosen. The language comes from
// ?lang=xx, then the choice remembered on this phone, then the session's language, then the
// browser's languages.
// Static texts of the page carry data-t (text) or data-t-aria (aria-label).
"use strict";
(function (C) {
  // code -> [own name, script suffix (none for English: the message ids are English)]
  var LANGS = {
    en: ["English", null], es: ["Español", "es"], fr: ["Français", "fr"], pl: ["Polski", "pl"],
    "zh-Hant": ["繁體中文", "zhhant"], ar: ["العربية", "ar"], cy: ["Cymraeg", "cy"],
  };
  var INTL = { en: "en-GB" }; // the locale Intl formats numbers with
  var RTL = { ar: true };
  var KEY = "coprod-lang";
  C.catalogs = C.catalogs || {}; // filled by participant-<code>.js
  var lang = "en";

  // A browser language tag (en-US, zh-TW, zh-Hant-HK, ar-EG...) -> a code we have, or null.
  function supported(tag) {
    var t = String(tag || "").replace(/_/g, "-").toLowerCase();
    if (!t) return null;
    if (/^zh-(hant|tw|hk|mo)\b/.test(t)) return "zh-Hant";
    if (t === "zh-hant") return "zh-Hant";
    var base = t.split("-")[0];
    return base !== "zh" && Object.prototype.hasOwnProperty.call(LANGS, base) ? base : null;
  }

  // The language asked for explicitly: ?lang=xx or the switcher's choice on this phone.
  function chosen() {
    var q = supported(new URLSearchParams(location.search).get("lang"));
    if (q) { remember(q); return q; }
    try { return supported(localStorage.getItem(KEY)); } catch (e) { return null; }
  }
  function remember(code) {
    try { localStorage.setItem(KEY, code); } catch (e) { /* private mode */ }
  }
  function fromBrowser() {
    var tags = navigator.languages && navigator.languages.length
      ? navigator.languages : [navigator.language];
    for (var i = 0; i < tags.length; i++) {
      var c = supported(tags[i]);
      if (c) return c;
    }
    return null;
  }

  function load(code) {
    var file = LANGS[code][1];
    if (!file || C.catalogs[code]) return Promise.resolve();
    return new Promise(function (resolve) {
      var s = document.createElement("script");
      s.src = "/static/participant-" + file + ".js";
      s.onload = resolve;
      s.onerror = resolve; // untranslated (English) rather than no page
      document.head.appendChild(s);
    });
  }

  function number(x, opts) {
    if (x === null || x === undefined || !isFinite(x)) return "–";
    return new Intl.NumberFormat(INTL[lang] || lang, opts).format(Number(x));
  }
  // A number for people: at most two decimals, grouped the language's way.
  C.fmt = function (x) { return number(x, { maximumFractionDigits: 2 }); };
  // A share (0.7) as a percentage for the language ("70%", "70 %", "٪٧٠").
  C.pct = function (share) {
    return number(share, { style: "percent", maximumFractionDigits: 1 });
  };

  function fill(text, params) {
    return String(text).replace(/\{(\w+)\}/g, function (all, name) {
      if (!params || !(name in params)) return all;
      var v = params[name];
      return typeof v === "number" ? C.fmt(v) : String(v);
    });
  }
  function entry(msgid) {
    var cat = C.catalogs[lang];
    return cat && Object.prototype.hasOwnProperty.call(cat.messages, msgid)
      ? cat.messages[msgid] : null;
  }
  C.t = function (msgid, params) {
    var s = entry(msgid);
    return fill(typeof s === "string" && s ? s : msgid, params);
  };
  C.nt = function (singular, plural, n, params) {
    var p = { n: n };
    Object.keys(params || {}).forEach(function (k) { p[k] = params[k]; });
    var forms = entry(singular);
    if (Array.isArray(forms)) {
      var s = forms[C.catalogs[lang].plural(n)];
      if (s) return fill(s, p);
    }
    return fill(n === 1 ? singular : plural, p);
  };

  // Translate the page's static texts (their English is kept to translate again).
  function translatePage() {
    var els = document.querySelectorAll("[data-t]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.hasAttribute("data-msgid")) {
        el.setAttribute("data-msgid", el.textContent.replace(/\s+/g, " ").trim());
      }
      el.textContent = C.t(el.getAttribute("data-msgid"));
    }
    els = document.querySelectorAll("[data-t-aria]");
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (!el.hasAttribute("data-aria-msgid")) {
        el.setAttribute("data-aria-msgid", el.getAttribute("aria-label"));
      }
      el.setAttribute("aria-label", C.t(el.getAttribute("data-aria-msgid")));
    }
  }

  var listeners = [];
  C.i18n = {
    languages: LANGS,
    lang: function () { return lang; },
    chosen: chosen,
    fromBrowser: fromBrowser,
    // Called with the new code after every change of language.
    onChange: function (fn) { listeners.push(fn); },
    // Switch to a language (loads its catalog first); resolves once the page is translated.
    use: function (code, keep) {
      code = supported(code) || "en";
      if (keep) remember(code);
      return load(code).then(function () {
        lang = C.catalogs[code] || code === "en" ? code : "en";
        var root = document.documentElement;
        root.lang = lang;
        root.dir = RTL[lang] ? "rtl" : "ltr";
        translatePage();
        var sel = document.getElementById("lang");
        if (sel) sel.value = lang;
        listeners.forEach(function (fn) { fn(lang); });
      });
    },
    // The language switcher: each language named in itself.
    wire: function (select) {
      Object.keys(LANGS).forEach(function (code) {
        var o = document.createElement("option");
        o.value = code;
        o.lang = code;
        o.textContent = LANGS[code][0];
        select.appendChild(o);
      });
      select.value = lang;
      select.addEventListener("change", function () { C.i18n.use(select.value, true); });
    },
  };
})(window.Coprod = window.Coprod || {});
