/* Ojo de Agua: local drafts of entry forms (the workshop, the books), and an outbox for saves
 * that found no signal.
 *
 * Forms marked data-draft="<key>" keep what is typed in localStorage. When the page loads and a
 * draft differs from what the server shows, a bar offers to recover it. A draft is dropped once
 * it is saved: its record id appears on the page (data-record-id), or the server shows the same
 * values. htmx saves that fail for lack of connection wait in an outbox and are sent again when
 * the signal returns; the server recognises a repeated record id or natural key, so sending
 * twice is harmless. Without JavaScript the forms post normally.
 *
 * Drafts and waiting saves are kept under what they are about (data-outbox-key, which the server
 * renders with {% outbox_key %}: cycle, risk and participant for a rating…), never under the
 * form's id on the page: a row has the same id on every risk's page. A waiting save keeps its
 * address and its fields, so it is sent to the record it was made for, and the answer replaces
 * only the form with the same key. While saves wait, the page says so and warns before it is
 * left.
 *
 * A form marked data-outbox-batch="<address>" (a payment) names where its kind is sent in bulk:
 * its waiting saves go together, in the order they were made, in one request to that address
 * (each as the form's own fields, in a "pago" field), and the answer has one part per save, in
 * the same order. Other waiting saves are sent one by one, as they were made.
 */
(function () {
  "use strict";

  var DRAFT = "ojodeagua:draft:";
  var OUTBOX = "ojodeagua:outbox";
  var MAX_AGE = 14 * 24 * 3600 * 1000;
  var DONE_SHOWN_MS = 8000;
  var BATCH_MOST = 500; // books.payments.BATCH_LIMIT: the rest go in the next request.

  var store = (function () {
    try {
      var s = window.localStorage;
      s.setItem("ojodeagua:probe", "1");
      s.removeItem("ojodeagua:probe");
      return s;
    } catch (e) {
      return null;
    }
  })();
  if (!store) return; // Private mode or storage off: the pages still work, without drafts.

  var bar = null;
  var texts = {};
  var sending = false;
  var sentSome = false;
  var refusal = "";
  var inFlight = 0;

  function read(key, fallback) {
    try {
      var value = JSON.parse(store.getItem(key));
      return value == null ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }

  function write(key, value) {
    try {
      store.setItem(key, JSON.stringify(value));
    } catch (e) {
      // Storage full: nothing else can be kept on this phone.
    }
  }

  function isRecordId(name) {
    return /(^|-)record_id$/.test(name);
  }

  function recordIdInput(form) {
    for (var i = 0; i < form.elements.length; i++) {
      if (isRecordId(form.elements[i].name || "")) return form.elements[i];
    }
    return null;
  }

  function formOf(elt) {
    if (!elt) return null;
    if (elt.tagName === "FORM") return elt;
    return elt.closest ? elt.closest("form") : null;
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    // randomUUID needs https; getRandomValues works on a plain-http local network too.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 15) | 64;
    bytes[8] = (bytes[8] & 63) | 128;
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b + 256).toString(16).slice(1);
      })
      .join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // What a person filled in: visible fields, and the record id so a recovered form is sent as
  // the same record. Other hidden fields say which form it is and stay as the page has them.
  function values(form) {
    var found = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      var type = el.type;
      if (!el.name || el.disabled || el.name === "csrfmiddlewaretoken") continue;
      if (type === "submit" || type === "button" || type === "reset" || type === "file") continue;
      if (type === "hidden" && !isRecordId(el.name)) continue;
      if (type === "radio") {
        if (!(el.name in found)) found[el.name] = "";
        if (el.checked) found[el.name] = el.value;
      } else if (type === "checkbox") {
        found[el.name] = el.checked ? el.value || "on" : "";
      } else {
        found[el.name] = el.value;
      }
    }
    return found;
  }

  function clean(value) {
    return String(value == null ? "" : value).replace(/\r\n/g, "\n").trim();
  }

  function meaningful(vals) {
    for (var name in vals) {
      if (!isRecordId(name) && clean(vals[name]) !== "") return true;
    }
    return false;
  }

  function same(a, b) {
    var names = {};
    var name;
    for (name in a) names[name] = true;
    for (name in b) names[name] = true;
    for (name in names) {
      if (!isRecordId(name) && clean(a[name]) !== clean(b[name])) return false;
    }
    return true;
  }

  function apply(form, vals) {
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || !(el.name in vals) || el.name === "csrfmiddlewaretoken") continue;
      if (el.type === "radio") el.checked = el.value === vals[el.name];
      else if (el.type === "checkbox") el.checked = vals[el.name] !== "";
      else el.value = vals[el.name];
    }
  }

  // What a form is about, as the server named it. A form without a key is named by where it posts
  // and its hidden fields (they say which record it concerns), never by its id alone.
  function outboxKey(form, url) {
    var key = form.getAttribute("data-outbox-key") || form.getAttribute("data-draft");
    if (key) return key;
    var about = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.type !== "hidden" || !el.name || el.name === "csrfmiddlewaretoken" || isRecordId(el.name)) continue;
      about.push(el.name + "=" + el.value);
    }
    return (url || form.getAttribute("hx-post") || form.getAttribute("action") || "") + "?" + about.join("&");
  }

  function draftKey(form) {
    var key = form.getAttribute("data-draft");
    return key ? DRAFT + key : null;
  }

  function saveDraft(form) {
    var key = draftKey(form);
    if (!key) return;
    var vals = values(form);
    if (!meaningful(vals)) {
      store.removeItem(key);
      return;
    }
    write(key, { values: vals, at: Date.now(), path: window.location.pathname });
  }

  function onEdit(event) {
    var form = event.target && event.target.form;
    if (form && form.hasAttribute("data-draft")) saveDraft(form);
  }

  function safeId(text) {
    return String(text).replace(/[^A-Za-z0-9_-]/g, "");
  }

  // Drafts whose record now shows on the page were saved; old drafts are let go.
  function sweep() {
    var now = Date.now();
    for (var i = store.length - 1; i >= 0; i--) {
      var key = store.key(i);
      if (!key || key.indexOf(DRAFT) !== 0) continue;
      var draft = read(key, null);
      if (!draft || !draft.values || now - (draft.at || 0) > MAX_AGE) {
        store.removeItem(key);
        continue;
      }
      for (var name in draft.values) {
        if (isRecordId(name) && draft.values[name]) {
          var id = safeId(draft.values[name]);
          if (id && document.querySelector('[data-record-id="' + id + '"]')) store.removeItem(key);
        }
      }
    }
  }

  function pendingDrafts() {
    var pending = [];
    var forms = document.querySelectorAll("form[data-draft]");
    for (var i = 0; i < forms.length; i++) {
      var key = draftKey(forms[i]);
      var draft = read(key, null);
      if (!draft || !draft.values) continue;
      if (!meaningful(draft.values) || same(draft.values, values(forms[i]))) {
        store.removeItem(key);
        continue;
      }
      pending.push({ form: forms[i], key: key, values: draft.values });
    }
    return pending;
  }

  // The bar ---------------------------------------------------------------------------------------
  function part(name) {
    var box = bar.querySelector("." + name);
    if (!box) {
      box = document.createElement("div");
      box.className = name;
      bar.appendChild(box);
    }
    return box;
  }

  function drop(name) {
    var box = bar.querySelector("." + name);
    if (box) box.parentNode.removeChild(box);
    bar.hidden = !bar.children.length;
  }

  function button(label, onClick, secondary) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (secondary) b.className = "secondary";
    b.addEventListener("click", onClick);
    return b;
  }

  function showDrafts(pending) {
    if (!pending.length) return;
    var box = part("draft");
    box.textContent = texts.draft + " ";
    box.appendChild(
      button(texts.recover, function () {
        for (var i = 0; i < pending.length; i++) apply(pending[i].form, pending[i].values);
        box.textContent = texts.recovered;
        pending[0].form.scrollIntoView({ block: "center" });
        window.setTimeout(function () {
          drop("draft");
        }, DONE_SHOWN_MS);
      })
    );
    box.appendChild(
      button(
        texts.discard,
        function () {
          for (var i = 0; i < pending.length; i++) store.removeItem(pending[i].key);
          drop("draft");
        },
        true
      )
    );
    bar.hidden = false;
  }

  function showOutbox(message) {
    var list = read(OUTBOX, []);
    if (!list.length && !message) {
      drop("outbox");
      if (sentSome) {
        sentSome = false;
        var done = part("done");
        done.textContent = texts.sent;
        bar.hidden = false;
        window.setTimeout(function () {
          drop("done");
        }, DONE_SHOWN_MS);
      }
      return;
    }
    drop("done");
    var box = part("outbox");
    box.setAttribute("data-count", String(list.length));
    var text = message;
    if (!text) text = list.length === 1 ? texts.outboxOne : texts.outboxMany.replace("{n}", list.length);
    box.textContent = text + " ";
    if (list.length && !sending) box.appendChild(button(texts.retry, flush));
    bar.hidden = false;
  }

  // The outbox -----------------------------------------------------------------------------------
  function targetId(form) {
    var target = form.getAttribute("hx-target") || "this";
    if (target === "this") return form.id;
    return target.charAt(0) === "#" ? target.slice(1) : "";
  }

  function entryId(form, url) {
    var rid = recordIdInput(form);
    return outboxKey(form, url) + "|" + (rid ? rid.value : "");
  }

  function queue(event) {
    var form = formOf(event.detail.elt);
    if (!form) return;
    var config = event.detail.requestConfig || {};
    if (String(config.verb || "post").toLowerCase() !== "post") return;
    var url = config.path || form.getAttribute("hx-post");
    var id = entryId(form, url);
    var list = read(OUTBOX, []).filter(function (entry) {
      return entry.id !== id;
    });
    list.push({
      id: id,
      key: outboxKey(form, url),
      url: url,
      body: new URLSearchParams(new FormData(form)).toString(),
      target: targetId(form),
      select: form.getAttribute("hx-select") || "",
      batch: form.getAttribute("data-outbox-batch") || "",
      at: Date.now(),
    });
    write(OUTBOX, list);
    form.classList.add("status-queued");
    var status = form.querySelector("[data-status]");
    if (status) status.textContent = texts.queued;
    var rid = recordIdInput(form);
    if (rid) {
      // The next person or action is a new record: an empty form with a new id, so it is not
      // taken for a repeat of the one waiting in the outbox.
      var key = draftKey(form);
      if (key) store.removeItem(key);
      form.reset();
      rid.value = uuid();
    }
    showOutbox();
  }

  function freshToken(body) {
    var token = currentToken();
    if (!token) return body;
    var params = new URLSearchParams(body);
    params.set("csrfmiddlewaretoken", token);
    return params.toString();
  }

  function carryTyping(oldNode, newNode) {
    // Whatever is being typed in the part that is replaced stays typed.
    var forms = oldNode.querySelectorAll ? oldNode.querySelectorAll("form[data-draft]") : [];
    for (var i = 0; i < forms.length; i++) {
      var vals = values(forms[i]);
      if (!meaningful(vals)) continue;
      var twin = newNode.querySelector('form[data-draft="' + forms[i].getAttribute("data-draft") + '"]');
      if (twin) apply(twin, vals);
    }
  }

  // The part of this page the answer belongs in: the target, only if it is (or holds) the form the
  // save was made in. Another risk's row with the same id is another record, and is left alone.
  function targetFor(entry) {
    var target = entry.target && document.getElementById(entry.target);
    if (!target || !entry.key) return null;
    var forms = target.tagName === "FORM" ? [target] : target.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      if (outboxKey(forms[i]) === entry.key) return target;
    }
    return null;
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function swapIn(entry, html) {
    var content = parse(html);
    placeIn(entry, entry.select ? content.querySelector(entry.select) : content.firstElementChild);
  }

  function placeIn(entry, node) {
    var target = targetFor(entry);
    if (!target || !node) return;
    node = document.importNode(node, true);
    carryTyping(target, node);
    target.parentNode.replaceChild(node, target);
    if (window.htmx) window.htmx.process(node);
  }

  function remove(entry) {
    write(
      OUTBOX,
      read(OUTBOX, []).filter(function (other) {
        return other.id !== entry.id;
      })
    );
  }

  function flush() {
    if (sending) return;
    var list = read(OUTBOX, []);
    if (!list.length) {
      showOutbox();
      showRefusal();
      return;
    }
    sending = true;
    showOutbox(texts.sending);
    var entry = list[0];
    var answered = entry.batch ? sendBatch(list, entry.batch) : sendOne(entry);
    answered.then(
      function () {
        sending = false;
        flush();
      },
      function (problem) {
        sending = false;
        showOutbox(problem && problem.notice);
      }
    );
  }

  function signedOut(response) {
    return response.redirected && texts.loginPath && new URL(response.url).pathname === texts.loginPath;
  }

  function sendOne(entry) {
    return window
      .fetch(entry.url, {
        method: "POST",
        body: freshToken(entry.body),
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
          "HX-Request": "true",
        },
      })
      .then(function (response) {
        if (signedOut(response)) throw { notice: texts.session };
        if (response.status >= 400 && response.status < 500) {
          // Refused as it is (no longer allowed, or gone): sending it again will not help.
          remove(entry);
          refusal = texts.refused.replace("{status}", response.status);
          return null;
        }
        if (!response.ok) throw {};
        return response.text().then(function (html) {
          swapIn(entry, html);
          remove(entry);
          sentSome = true;
        });
      });
  }

  // The CSRF token of the session as it is now: signing in again in another tab (what the
  // session notice asks) changes it, and the one written in this page would be refused, so the
  // cookie's is read first.
  function currentToken() {
    var cookie = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (cookie) return decodeURIComponent(cookie[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Every waiting save bound for the same bulk address goes in one request; each part of the
  // answer is put in its own form's place, or, when refused, dropped and said.
  function sendBatch(list, address) {
    var group = list
      .filter(function (entry) {
        return entry.batch === address;
      })
      .slice(0, BATCH_MOST);
    var body = new URLSearchParams();
    var token = currentToken();
    if (token) body.set("csrfmiddlewaretoken", token);
    group.forEach(function (entry) {
      var fields = new URLSearchParams(entry.body);
      fields.delete("csrfmiddlewaretoken");
      body.append("pago", fields.toString());
    });
    return window
      .fetch(address, {
        method: "POST",
        body: body.toString(),
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
          "HX-Request": "true",
        },
      })
      .then(function (response) {
        if (signedOut(response)) throw { notice: texts.session };
        if (response.status >= 400 && response.status < 500) {
          group.forEach(remove);
          refusal = texts.refused.replace("{status}", response.status);
          return null;
        }
        if (!response.ok) throw {};
        return response.text().then(function (html) {
          var content = parse(html);
          var unanswered = 0;
          group.forEach(function (entry, position) {
            var part = content.querySelector('[data-batch-position="' + position + '"]');
            if (!part) {
              unanswered += 1; // It stays, and goes on "Reintentar".
              return;
            }
            if (part.getAttribute("data-batch-result") === "done") {
              placeIn(entry, part.firstElementChild);
              sentSome = true;
            } else {
              refusal = texts.refused.replace("{status}", "422");
            }
            remove(entry);
          });
          if (unanswered) throw {};
        });
      });
  }

  function showRefusal() {
    if (!refusal) return;
    var box = part("refused");
    box.textContent = refusal;
    refusal = "";
    bar.hidden = false;
  }

  function waiting() {
    return read(OUTBOX, []).length + inFlight;
  }

  function warnBeforeLeaving(event) {
    if (!waiting()) return undefined;
    event.preventDefault();
    event.returnValue = texts.leave || "";
    return texts.leave || "";
  }

  function start() {
    bar = document.getElementById("offline-bar");
    if (!bar) return;
    var data = bar.dataset;
    texts = {
      draft: data.draft,
      recover: data.recover,
      discard: data.discard,
      recovered: data.recovered,
      outboxOne: data.outboxOne,
      outboxMany: data.outboxMany,
      retry: data.retry,
      sending: data.sending,
      sent: data.sent,
      queued: data.queued,
      loginPath: data.loginPath,
      session: data.session,
      refused: data.refused,
      leave: data.leave,
    };
    // A save on its way is a change not yet sent either (a search on its way is not).
    document.addEventListener("htmx:beforeSend", function (event) {
      var config = event.detail.requestConfig || {};
      if (String(config.verb || "").toLowerCase() !== "post" || !event.detail.xhr) return;
      event.detail.xhr.ojoSaving = true;
      inFlight += 1;
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      if (!event.detail.xhr || !event.detail.xhr.ojoSaving) return;
      event.detail.xhr.ojoSaving = false;
      inFlight = Math.max(0, inFlight - 1);
    });
    window.addEventListener("beforeunload", warnBeforeLeaving);
    document.addEventListener("input", onEdit, true);
    document.addEventListener("change", onEdit, true);
    document.addEventListener("htmx:afterRequest", function (event) {
      var form = formOf(event.detail.elt);
      if (!form || !event.detail.successful) return;
      var key = draftKey(form);
      if (key) store.removeItem(key);
      // A newer save of the same thing went through: the older one waiting must not follow it.
      var id = entryId(form, event.detail.requestConfig && event.detail.requestConfig.path);
      var list = read(OUTBOX, []);
      var kept = list.filter(function (entry) {
        return entry.id !== id;
      });
      if (kept.length !== list.length) {
        write(OUTBOX, kept);
        showOutbox();
      }
    });
    document.addEventListener("htmx:sendError", queue);
    document.addEventListener("htmx:responseError", function (event) {
      if (event.detail.xhr && event.detail.xhr.status === 0) queue(event);
    });
    window.addEventListener("online", flush);
    sweep();
    showDrafts(pendingDrafts());
    showOutbox();
    if (navigator.onLine !== false) flush();
  }

  // A likelihood × impact pair is sent only once both are chosen (or both cleared): sending half
  // a pair would answer with an error and replace the form while the second choice is made, and
  // a tap landing as the form is replaced is lost. Each half is a dropdown or a row of level
  // buttons (radios sharing a name). The check runs here, on htmx's cancellable "confirm" event:
  // a trigger filter (change[…]) needs eval, which the pages' CSP and htmx config forbid, and
  // htmx lets a filter it cannot evaluate pass.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-pair") && !window.ojoPairReady(form)) {
      event.preventDefault();
    }
  });
  window.ojoPairReady = function (form) {
    var halves = {};
    Array.prototype.forEach.call(form.querySelectorAll("select, input[type=radio]"), function (input) {
      if (!(input.name in halves)) halves[input.name] = false;
      if (input.tagName === "SELECT" ? input.value !== "" : input.checked && input.value !== "") {
        halves[input.name] = true;
      }
    });
    var names = Object.keys(halves);
    var chosen = names.filter(function (name) {
      return halves[name];
    }).length;
    return chosen === 0 || chosen === names.length;
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
