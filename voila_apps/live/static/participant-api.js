// Participant page of a coprod live session: talking to the server.
//
// Coprod.Api   one JSON call at a time, with the participant's bearer token.
// Coprod.Queue the answers (and votes) waiting to be sent: kept in memory and in
//              localStorage (per session), sent one at a time in the order given, each with
//              the idempotency key it got when the participant pressed Save, so a retry is
//              recognised by the server and never counted twice.
"use strict";
(function (C) {
  C.newKey = function () {
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  };

  C.sleep = function (ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  };

  // A refusal or a network failure: {status (0: no connection), code, error, field?}.
  function failure(status, data) {
    var err = data && typeof data === "object" ? data : {};
    err.status = status;
    if (!err.error) {
      err.error = status === 0
        ? C.t("Cannot reach the server; check your connection.")
        : C.t("The server could not take this ({status}).", { status: String(status) });
    }
    return err;
  }

  class Api {
    constructor() { this.token = null; }

    // One request; resolves with the JSON reply, rejects with failure(...).
    async request(method, path, body) {
      var headers = { "Content-Type": "application/json" };
      if (this.token) headers.Authorization = "Bearer " + this.token;
      var resp;
      try {
        resp = await fetch(path, {
          method: method,
          headers: headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: "no-store",
        });
      } catch (e) {
        throw failure(0, null);
      }
      var data = {};
      try { data = await resp.json(); } catch (e) { data = {}; }
      if (!resp.ok) {
        var err = failure(resp.status, data);
        var wait = parseFloat(resp.headers.get("Retry-After") || "");
        if (wait > 0) err.retryAfter = wait;
        throw err;
      }
      return data;
    }

    // A request retried on lost connections and server errors with the SAME body.
    async persist(method, path, body, tries) {
      for (var i = 1; ; i++) {
        try {
          return await this.request(method, path, body);
        } catch (err) {
          var again = err.status === 0 || err.status >= 500 || err.status === 429;
          if (!again || i >= (tries || 5)) throw err;
          await C.sleep(err.retryAfter ? err.retryAfter * 1000 : 400 * i);
        }
      }
    }
  }
  C.Api = Api;

  // Is this failure worth sending again later (no connection, server busy or restarting)?
  function transient(err) {
    return !err || err.status === 0 || err.status >= 500 || err.status === 429;
  }

  class Queue {
    // handlers: onAck(entry, reply), onReject(entry, err), onChange(queue), onAuth(err)
    constructor(api, handlers) {
      this.api = api;
      this.handlers = handlers;
      this.items = [];
      this.storageKey = null;
      this.stalled = false; // the last attempt failed for want of a connection
      this.running = false;
      this.wakeUp = null;
      this.nextId = 1;
    }

    // Take the answers a previous visit could not send (same session).
    load(sessionId) {
      this.storageKey = "coprod-queue-" + sessionId;
      try {
        var saved = JSON.parse(localStorage.getItem(this.storageKey) || "[]");
        if (Array.isArray(saved)) {
          this.items = saved.filter(function (e) { return e && e.path && e.body && e.body.key; });
        }
      } catch (e) {
        this.items = [];
      }
      var self = this;
      this.items.forEach(function (e) { self.nextId = Math.max(self.nextId, (e.id || 0) + 1); });
      this.changed();
    }

    save() {
      if (!this.storageKey) return;
      try {
        if (this.items.length) localStorage.setItem(this.storageKey, JSON.stringify(this.items));
        else localStorage.removeItem(this.storageKey);
      } catch (e) { /* private mode: memory only */ }
    }

    changed() { if (this.handlers.onChange) this.handlers.onChange(this); }

    // Queue one answer (path "/api/answer" or "/api/vote"; body with its own key).
    push(path, body, meta) {
      var entry = { id: this.nextId++, path: path, body: body, meta: meta || {} };
      this.items.push(entry);
      this.save();
      this.changed();
      this.flush();
      return entry;
    }

    pending(match) { return this.items.filter(match); }

    clear() {
      this.items = [];
      this.save();
      this.changed();
    }

    // Stop waiting and try now (the connection is back).
    wake() { if (this.wakeUp) this.wakeUp(); }

    async pause(ms) {
      var self = this;
      await new Promise(function (resolve) {
        var t = setTimeout(done, ms);
        function done() { clearTimeout(t); self.wakeUp = null; resolve(); }
        self.wakeUp = done;
      });
    }

    // Send everything, in order; wait and retry while there is no connection.
    async flush() {
      if (this.running || !this.api.token) return;
      this.running = true;
      var delay = 500;
      try {
        while (this.items.length && this.api.token) {
          var entry = this.items[0];
          var reply;
          try {
            reply = await this.api.request("POST", entry.path, entry.body);
          } catch (err) {
            if (transient(err)) {
              this.stalled = true;
              this.changed();
              await this.pause(err.retryAfter ? err.retryAfter * 1000 : delay);
              delay = Math.min(delay * 2, 5000);
              continue;
            }
            if (err.status === 401) {
              if (this.handlers.onAuth) this.handlers.onAuth(err);
              return;
            }
            this.items.shift(); // refused for good: say why, send the rest
            this.save();
            this.stalled = false;
            this.changed();
            if (this.handlers.onReject) this.handlers.onReject(entry, err);
            continue;
          }
          delay = 500;
          this.items.shift();
          this.save();
          this.stalled = false;
          this.changed();
          if (this.handlers.onAck) this.handlers.onAck(entry, reply);
        }
      } finally {
        this.running = false;
      }
    }
  }
  C.Queue = Queue;
})(window.Coprod = window.Coprod || {});
