// Sprechzeit booking pages: small improvements on top of pages that work without JavaScript.
// No inline scripts anywhere, so a strict Content-Security-Policy (script-src 'self') works.
// Here: the browser's time zone, the searchable zone chooser, and the booking form's help.
// The picker in place (month, day, zone, clock without a reload) is static/js/picker.js.
(function () {
  "use strict";

  var CLOCK_KEY = "sprechzeit.clock"; // static/js/picker.js stores the visitor's clock here

  function storedClock() {
    try {
      var value = window.localStorage.getItem(CLOCK_KEY);
      return value === "12" || value === "24" ? value : null;
    } catch (error) {
      return null; // storage refused (privacy settings, a sandboxed frame)
    }
  }

  // 1. Show times in the browser's time zone: when the server marked the page (data-tz-detect)
  //    and the address has no ?tz= yet, reload it once with the detected zone (and the clock
  //    the visitor chose before).
  function detectTimeZone() {
    var form = document.querySelector("form[data-tz-detect]");
    if (!form) return false;
    var url = new URL(window.location.href);
    if (url.searchParams.has("tz")) return false;
    var zone = browserZone();
    var select = form.querySelector("select[name=tz]");
    if (!zone || !select || select.value === zone) return false;
    if (!zoneOption(select, zone)) return false;
    url.searchParams.set("tz", zone);
    var clock = storedClock();
    if (clock && !url.searchParams.has("clock")) url.searchParams.set("clock", clock);
    window.location.replace(url.toString());
    return true;
  }

  function browserZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch (error) {
      return null;
    }
  }

  function zoneOption(select, name) {
    return Array.prototype.find.call(select.options, function (option) {
      return option.value === name;
    });
  }

  // 2. The zone search: a text field with a list (combobox), common zones and the browser's
  //    own first, each with its offset from UTC and its local time now. Without JavaScript the
  //    select stays; it stays the form's field here too.
  function normalise(text) {
    return text.toLowerCase().replace(/[_/]+/g, " ");
  }

  function enhanceZoneSearch(form) {
    var select = form.querySelector("select[name=tz]");
    var template = form.querySelector("template[data-tz-search-template]");
    if (!select || !template || form.querySelector(".tz-search")) return;
    var box = template.content.firstElementChild.cloneNode(true);
    form.insertBefore(box, form.firstChild);
    form.querySelector("label[for=tz-select]").hidden = true;
    select.hidden = true;
    var button = form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    var input = box.querySelector("input");
    var list = box.querySelector("[role=listbox]");
    var status = box.querySelector("#tz-search-status");
    var detected = browserZone();
    var zones = Array.prototype.map.call(select.options, function (option) {
      var group = option.parentElement;
      return {
        name: option.value,
        label: option.textContent,
        common: group.tagName === "OPTGROUP" && group === select.querySelector("optgroup"),
        key: normalise(option.value),
      };
    });
    // The browser's own zone first, then the common ones, then the rest (alphabetical).
    zones.sort(function (a, b) {
      var rank = function (zone) {
        return zone.name === detected ? 0 : zone.common ? 1 : 2;
      };
      return rank(a) - rank(b);
    });
    input.value = select.value.replace(/_/g, " ");
    var shown = [];
    var activeIndex = -1;

    function localTime(name) {
      // In the clock the picker shows (the 12-hour one for English, unless switched).
      var picker = document.querySelector("[data-picker-region]");
      var twelve = picker ? picker.dataset.clock === "12" : document.documentElement.lang === "en";
      try {
        return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
          timeZone: name,
          hour: "numeric",
          minute: "2-digit",
          hour12: twelve,
        }).format(new Date());
      } catch (error) {
        return "";
      }
    }

    function render(query) {
      var words = normalise(query).split(" ").filter(Boolean);
      shown = zones.filter(function (zone) {
        if (!words.length) return zone.common || zone.name === detected;
        return words.every(function (word) {
          return zone.key.indexOf(word) !== -1;
        });
      });
      shown = shown.slice(0, 50);
      list.textContent = "";
      shown.forEach(function (zone, index) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.id = "tz-option-" + index;
        item.dataset.zone = zone.name;
        item.setAttribute("aria-selected", zone.name === select.value ? "true" : "false");
        var name = document.createElement("span");
        name.className = "tz-name";
        name.textContent = zone.name.replace(/_/g, " ");
        var detail = document.createElement("span");
        detail.className = "tz-detail";
        var offset = zone.label.slice(zone.name.length).replace(/^ \(|\)$/g, "");
        var parts = [offset, status.dataset.local.replace("%(time)s", localTime(zone.name))];
        if (zone.name === detected) parts.push(status.dataset.detected);
        detail.textContent = parts.join(" · ");
        item.appendChild(name);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(detail);
        list.appendChild(item);
      });
      activeIndex = -1;
      input.removeAttribute("aria-activedescendant");
      status.textContent = shown.length ? "" : status.dataset.none;
      open(shown.length > 0);
    }

    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
    }

    function activate(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      activeIndex = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.classList.toggle("active", i === activeIndex);
      });
      input.setAttribute("aria-activedescendant", items[activeIndex].id);
      items[activeIndex].scrollIntoView({ block: "nearest" });
    }

    function choose(name) {
      open(false);
      if (!zoneOption(select, name)) return;
      var before = select.value;
      select.value = name;
      input.value = name.replace(/_/g, " ");
      if (name === before) return;
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    }

    input.addEventListener("focus", function () {
      input.select();
    });
    input.addEventListener("input", function () {
      render(input.value);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) render(input.value === select.value.replace(/_/g, " ") ? "" : input.value);
        activate(activeIndex + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        activate(activeIndex - 1);
      } else if (event.key === "Enter") {
        event.preventDefault(); // never the zone form's own submit with a half-typed name
        var chosen = activeIndex >= 0 ? shown[activeIndex] : shown.length === 1 ? shown[0] : null;
        if (chosen) choose(chosen.name);
      } else if (event.key === "Escape") {
        open(false);
        input.value = select.value.replace(/_/g, " ");
      }
    });
    input.addEventListener("blur", function () {
      window.setTimeout(function () {
        open(false);
      }, 150);
    });
    // mousedown, not click: the field keeps the focus, so the list does not close first.
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("[role=option]");
      if (!item) return;
      event.preventDefault();
      choose(item.dataset.zone);
    });
  }

  // A zone chosen in the select (or the search) shows its times at once.
  function submitZoneOnChange(form) {
    var select = form.querySelector("select[name=tz]");
    if (!select) return;
    select.addEventListener("change", function () {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
  }

  function enhanceZoneForms(root) {
    root.querySelectorAll("form[data-tz-form]").forEach(function (form) {
      submitZoneOnChange(form);
      enhanceZoneSearch(form);
    });
  }

  // 3. The booking form.
  // Show only the contact field of the chosen channel. Fields are hidden, never cleared,
  // and a field with an error stays visible. A hidden field's format is not checked: the
  // browser could not show where the problem is.
  function toggleChannelFields(form) {
    var radios = form.querySelectorAll("input[name=channel]");
    var fields = form.querySelectorAll("[data-channel]");
    if (!radios.length) return;
    form.querySelectorAll("[data-no-js-hint]").forEach(function (hint) {
      hint.hidden = true;
    });
    function update() {
      var checked = form.querySelector("input[name=channel]:checked");
      var chosen = checked ? checked.value : null;
      fields.forEach(function (field) {
        field.hidden = field.dataset.channel !== chosen && !field.classList.contains("has-error");
        field.querySelectorAll("input[pattern], input[data-pattern]").forEach(function (input) {
          if (field.hidden && input.hasAttribute("pattern")) {
            input.dataset.pattern = input.getAttribute("pattern");
            input.removeAttribute("pattern");
            input.setCustomValidity("");
          } else if (!field.hidden && input.dataset.pattern) {
            input.setAttribute("pattern", input.dataset.pattern);
          }
        });
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  // The browser's own check of a format says what the server would say.
  function formatMessages(form) {
    form.querySelectorAll("input[data-invalid-message]").forEach(function (input) {
      input.addEventListener("input", function () {
        input.setCustomValidity("");
      });
      input.addEventListener("invalid", function () {
        if (input.validity.patternMismatch) input.setCustomValidity(input.dataset.invalidMessage);
      });
    });
  }

  // "12 of 40 characters" under the message, as it is typed (counted as the server does:
  // characters, without the spaces around the text).
  function liveCount(form) {
    form.querySelectorAll("[data-count-for]").forEach(function (counter) {
      var field = document.getElementById(counter.dataset.countFor);
      if (!field || !field.dataset.countWords) return;
      var minimum = Number(field.getAttribute("minlength") || 0);
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(counter.id) === -1) described.push(counter.id);
      field.setAttribute("aria-describedby", described.join(" "));
      function update() {
        var count = Array.from(field.value.trim()).length;
        counter.textContent = field.dataset.countWords.replace("{count}", String(count));
        counter.classList.toggle("enough", count >= minimum);
      }
      counter.hidden = false;
      field.addEventListener("input", update);
      update();
    });
  }

  // After the server refused the form: the summary of what to fix takes the focus.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    // The address's #book is scrolled to once the page has loaded, which takes the focus away again.
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        if (document.activeElement === document.body || !document.activeElement) summary.focus();
      }, 0);
    });
  }

  // What was typed stays when the visitor goes back to the picker for another time ("Change"):
  // kept in this tab only (sessionStorage) until the form is sent, and filled into the empty
  // fields of the next time's form. The consent is asked again. A page the server answered
  // with errors already holds what was sent, and is left as it is.
  var KEPT_FIELDS = ["name", "email", "message", "channel", "phone", "threema_id", "whatsapp", "pgp_public_key", "language"];

  function keepTyped(form) {
    var key = "sprechzeit.form:" + window.location.pathname;
    var storage;
    try {
      storage = window.sessionStorage;
      storage.getItem(key);
    } catch (error) {
      return;
    }
    function field(name) {
      return form.elements.namedItem(name);
    }
    var kept = null;
    try {
      kept = JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      kept = null;
    }
    if (kept && !form.querySelector(".has-error, [data-error-summary]") && !document.querySelector("[data-error-summary]")) {
      KEPT_FIELDS.forEach(function (name) {
        var element = field(name);
        var value = kept[name];
        if (!element || !value) return;
        if (element instanceof RadioNodeList || element.type === "radio") {
          var radios = element instanceof RadioNodeList ? Array.prototype.slice.call(element) : [element];
          if (radios.some(function (radio) { return radio.checked; })) return;
          radios.forEach(function (radio) {
            if (radio.value === value) radio.checked = true;
          });
        } else if (name === "language" || !element.value) {
          element.value = value;
        }
      });
    }
    function save() {
      var values = {};
      KEPT_FIELDS.forEach(function (name) {
        var element = field(name);
        if (!element) return;
        // A single radio's value is its own whether it is ticked or not.
        values[name] = element.type === "radio" && !element.checked ? "" : element.value || "";
      });
      try {
        storage.setItem(key, JSON.stringify(values));
      } catch (error) {
        /* full or refused: the form works without it */
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      storage.removeItem(key);
    });
  }

  function startForm() {
    var form = document.querySelector("form.booking-form");
    if (!form) return;
    keepTyped(form);
    toggleChannelFields(form);
    formatMessages(form);
    liveCount(form);
    focusErrorSummary();
  }

  function start() {
    if (detectTimeZone()) {
      // The page is loaded again in the browser's zone: the picker's script waits for that.
      document.documentElement.setAttribute("data-reloading", "");
      return;
    }
    // With a picker (static/js/picker.js) the zone form loads it in place; elsewhere (the
    // coach's page, the booking's page) it is sent as before.
    enhanceZoneForms(document);
    startForm();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
