// Sprechzeit booking pages: small improvements on top of pages that work without JavaScript.
// No inline scripts anywhere, so a strict Content-Security-Policy (script-src 'self') works.
// The picker (month, day, zone, clock) is a set of plain links and forms; here they load in
// place: the same URL with ?partial=picker answers the picker alone (views/slot_picker.py).
(function () {
  "use strict";

  var CLOCK_KEY = "sprechzeit.clock";
  // Parameters of the page itself that every address the picker loads keeps (embed.js's frame).
  var KEPT_PARAMS = ["embed", "lang"];

  function storedClock() {
    try {
      var value = window.localStorage.getItem(CLOCK_KEY);
      return value === "12" || value === "24" ? value : null;
    } catch (error) {
      return null; // storage refused (privacy settings, a sandboxed frame)
    }
  }

  function storeClock(value) {
    try {
      window.localStorage.setItem(CLOCK_KEY, value);
    } catch (error) {
      /* the link's ?clock= still carries the choice */
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

  // 2. The picker in place. ----------------------------------------------------------------
  var region = null;
  var shownAddress = null; // path and query the picker shows now
  var pending = null; // the AbortController of the load under way

  function addressOf(url) {
    return url.pathname + url.search;
  }

  function pickerUrl(href) {
    var url = new URL(href, window.location.href);
    var here = new URL(window.location.href);
    KEPT_PARAMS.forEach(function (name) {
      if (here.searchParams.has(name) && !url.searchParams.has(name)) {
        url.searchParams.set(name, here.searchParams.get(name));
      }
    });
    url.searchParams.delete("partial");
    return url;
  }

  function setBusy(busy) {
    if (!region) return;
    var indicator = region.querySelector("[data-picker-loading]");
    if (busy) {
      region.setAttribute("aria-busy", "true");
      region.classList.add("is-loading");
      if (indicator) indicator.hidden = false;
    } else {
      region.removeAttribute("aria-busy");
      region.classList.remove("is-loading");
      if (indicator) indicator.hidden = true;
    }
  }

  // Load `href` into the picker. options: push (a new history entry), replace (replace the
  // current one), focus (what to focus afterwards: see restoreFocus).
  function loadPicker(href, options) {
    options = options || {};
    var url = pickerUrl(href);
    var fetchUrl = new URL(url.toString());
    fetchUrl.searchParams.set("partial", "picker");
    fetchUrl.hash = "";
    if (pending) pending.abort();
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    pending = controller;
    setBusy(true);
    return fetch(fetchUrl.toString(), {
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-picker-region]");
        if (!fresh) throw new Error("no picker in the answer");
        fresh = document.adoptNode(fresh);
        region.replaceWith(fresh);
        region = fresh;
        pending = null;
        if (!url.searchParams.has("start")) removeChosenTime();
        if (options.push) history.pushState({ picker: true }, "", url.toString());
        else if (options.replace) history.replaceState({ picker: true }, "", url.toString());
        shownAddress = addressOf(url);
        followLanguageSwitch();
        syncZoneForms();
        enhanceGrid();
        restoreFocus(options.focus);
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        // Whatever went wrong, the link still works as a link.
        window.location.assign(url.toString());
      });
  }

  // Without a chosen time the page has no form for one (as the server's own page).
  function removeChosenTime() {
    var book = document.getElementById("book");
    if (book) book.remove();
    document.querySelectorAll("[data-slot-notice]").forEach(function (notice) {
      notice.remove();
    });
  }

  // The language switch sends the visitor back to the address they see.
  function followLanguageSwitch() {
    var next = document.querySelector(".language-switch input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
  }

  function restoreFocus(focus) {
    if (!focus || !region) return;
    var target = null;
    if (focus.day) {
      target = focusGridDay(focus.day, focus.fallbackDay);
      return;
    }
    if (focus.selector) target = document.querySelector(focus.selector);
    if (!target && focus.fallback) target = document.querySelector(focus.fallback);
    if (!target) target = region.querySelector("#picker-month");
    if (target) {
      if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT)$/.test(target.tagName)) {
        target.setAttribute("tabindex", "-1");
      }
      target.focus();
    }
  }

  function onPickerClick(event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var link = event.target.closest("a");
    if (!link) return;
    var inGrid = link.closest("[data-month-grid]");
    if (!inGrid && !link.hasAttribute("data-picker-link")) return;
    event.preventDefault();
    var focus;
    if (inGrid) focus = { day: link.closest("[data-day]").dataset.day };
    else if (link.dataset.monthStep) focus = { selector: "[data-month-step='" + link.dataset.monthStep + "']" };
    else if (link.dataset.clock) {
      storeClock(link.dataset.clock);
      focus = { selector: "[data-clock='" + link.dataset.clock + "']" };
    } else focus = { selector: "#picker-month" };
    loadPicker(link.href, { push: true, focus: focus });
  }

  // "Change" above the form goes back to the chosen day's times, in place.
  function onChangeLinkClick(event) {
    var link = event.target.closest(".summary a.change");
    if (!link || !region || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    event.preventDefault();
    loadPicker(link.href, { push: true, focus: { selector: "#times h3" } });
  }

  function onZoneSubmit(event) {
    var form = event.target.closest("form[data-tz-form]");
    if (!form || !region) return;
    event.preventDefault();
    var url = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
    url.search = new URLSearchParams(new FormData(form)).toString();
    loadPicker(url.toString(), { push: true, focus: { selector: "#tz-search-input", fallback: "#tz-select" } });
  }

  function onPopState(event) {
    if (!region) return;
    var url = new URL(window.location.href);
    if (addressOf(url) === shownAddress) return; // only the #anchor changed
    loadPicker(url.toString(), { focus: { selector: "#picker-month" } });
  }

  // 3. The month grid as an ARIA grid: one day in the tab order (roving tabindex), arrow keys
  //    move by day and week, Home/End to the week's ends, Page Up/Down change the month,
  //    Enter or Space choose a day with free times.
  function dayTarget(cell) {
    return cell.querySelector("a") || cell.querySelector("span");
  }

  function enhanceGrid() {
    var grid = region && region.querySelector("[data-month-grid]");
    if (!grid) return;
    grid.setAttribute("role", "grid");
    grid.querySelectorAll("tr").forEach(function (row) {
      row.setAttribute("role", "row");
    });
    grid.querySelectorAll("th").forEach(function (th) {
      th.setAttribute("role", "columnheader");
    });
    grid.querySelectorAll("td").forEach(function (td) {
      td.setAttribute("role", "gridcell");
    });
    var hint = grid.querySelector("[data-keys-hint]");
    if (hint) hint.hidden = false;
    var cells = grid.querySelectorAll("td[data-day]");
    var active = grid.querySelector("td.chosen[data-day]") || grid.querySelector("td.free[data-day]") || cells[0];
    cells.forEach(function (cell) {
      var target = dayTarget(cell);
      if (!target) return;
      if (cell.classList.contains("busy")) {
        target.setAttribute("aria-disabled", "true");
        if (cell.dataset.label) target.setAttribute("aria-label", cell.dataset.label);
      }
      target.setAttribute("tabindex", cell === active ? "0" : "-1");
    });
    grid.addEventListener("keydown", onGridKey);
    grid.addEventListener("focusin", function (event) {
      var cell = event.target.closest("td[data-day]");
      if (cell) moveTabStop(grid, cell);
    });
  }

  function moveTabStop(grid, cell) {
    grid.querySelectorAll("td[data-day]").forEach(function (other) {
      var target = dayTarget(other);
      if (target) target.setAttribute("tabindex", other === cell ? "0" : "-1");
    });
  }

  function focusGridDay(day, fallbackDay) {
    var grid = region && region.querySelector("[data-month-grid]");
    if (!grid) return null;
    var cell = grid.querySelector("td[data-day='" + day + "']");
    if (!cell && fallbackDay) cell = lastDayNotAfter(grid, fallbackDay);
    if (!cell) cell = grid.querySelector("td.chosen[data-day]") || grid.querySelector("td[data-day]");
    if (!cell) return null;
    moveTabStop(grid, cell);
    var target = dayTarget(cell);
    target.focus();
    return target;
  }

  // PageDown from 31 January: the last day of February.
  function lastDayNotAfter(grid, day) {
    var found = null;
    grid.querySelectorAll("td[data-day]").forEach(function (cell) {
      if (cell.dataset.day <= day) found = cell;
    });
    return found;
  }

  function parseDay(value) {
    var parts = value.split("-").map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2]));
  }

  function formatDay(date) {
    return date.toISOString().slice(0, 10);
  }

  function addDays(value, days) {
    var date = parseDay(value);
    date.setUTCDate(date.getUTCDate() + days);
    return formatDay(date);
  }

  function addMonths(value, months) {
    var date = parseDay(value);
    var day = date.getUTCDate();
    var target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
    var last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(day, last));
    return formatDay(target);
  }

  function onGridKey(event) {
    var grid = event.currentTarget;
    var cell = event.target.closest("td[data-day]");
    if (!cell) return;
    var day = cell.dataset.day;
    var weekday = (parseDay(day).getUTCDay() + 6) % 7; // Monday 0: the grid's first column
    var target;
    switch (event.key) {
      case "ArrowLeft":
        target = addDays(day, -1);
        break;
      case "ArrowRight":
        target = addDays(day, 1);
        break;
      case "ArrowUp":
        target = addDays(day, -7);
        break;
      case "ArrowDown":
        target = addDays(day, 7);
        break;
      case "Home":
        target = addDays(day, -weekday);
        break;
      case "End":
        target = addDays(day, 6 - weekday);
        break;
      case "PageUp":
        target = addMonths(day, -1);
        break;
      case "PageDown":
        target = addMonths(day, 1);
        break;
      case " ":
      case "Enter":
        event.preventDefault();
        var link = cell.querySelector("a");
        if (link) link.click();
        return;
      default:
        return;
    }
    event.preventDefault();
    var inGrid = grid.querySelector("td[data-day='" + target + "']");
    if (inGrid) {
      if (event.key === "Home" || event.key === "End") {
        focusGridDay(target);
        return;
      }
      focusGridDay(target);
      return;
    }
    if (event.key === "Home" || event.key === "End") {
      // The week's end lies in the next or previous month: its last or first day here.
      var row = cell.closest("tr").querySelectorAll("td[data-day]");
      focusGridDay((event.key === "Home" ? row[0] : row[row.length - 1]).dataset.day);
      return;
    }
    var step = target < day ? "-1" : "1";
    var monthLink = region.querySelector("[data-month-step='" + step + "']");
    if (!monthLink) return; // before this month or past the booking horizon: stay
    var url = new URL(monthLink.href);
    url.searchParams.set("month", target.slice(0, 7));
    loadPicker(url.toString(), { push: true, focus: { day: target, fallbackDay: target } });
  }

  // 4. The zone search: a text field with a list (combobox), common zones and the browser's
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
        offset: Number(option.dataset.offset || 0),
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
      var twelve = region ? region.dataset.clock === "12" : document.documentElement.lang === "en";
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

  // The zone chooser stays on the page (its 500 options are not sent with every picker): it
  // follows the picker's zone, month, day and clock, which the new picker says in its data-*.
  function syncZoneForms() {
    var state = region.dataset;
    document.querySelectorAll("form[data-tz-form]").forEach(function (form) {
      var select = form.querySelector("select[name=tz]");
      if (select && state.zone && zoneOption(select, state.zone)) select.value = state.zone;
      setHidden(form, "month", state.month);
      setHidden(form, "day", state.day);
      setHidden(form, "clock", state.clockChosen);
      var search = form.querySelector(".tz-search input");
      // Not while the visitor types a search (the list is open).
      if (search && select && search.getAttribute("aria-expanded") !== "true") {
        search.value = select.value.replace(/_/g, " ");
      }
    });
  }

  function setHidden(form, name, value) {
    var input = form.querySelector("input[type=hidden][name=" + name + "]");
    if (!value) {
      if (input) input.remove();
      return;
    }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.insertBefore(input, form.querySelector("button[type=submit]"));
    }
    input.value = value;
  }

  function startPicker() {
    region = document.querySelector("[data-picker-region]");
    if (!region || !window.fetch || !window.DOMParser || !history.pushState) return;
    shownAddress = addressOf(new URL(window.location.href));
    history.replaceState({ picker: true }, "", window.location.href);
    document.addEventListener("click", onPickerClick);
    document.addEventListener("click", onChangeLinkClick);
    document.addEventListener("submit", onZoneSubmit);
    window.addEventListener("popstate", onPopState);
    // The clock chosen on an earlier visit, where the address does not say one and no
    // booking form (whose summary the server wrote) is on the page.
    var clock = storedClock();
    var url = new URL(window.location.href);
    if (clock && !url.searchParams.has("clock") && region.dataset.clock !== clock && !document.getElementById("book")) {
      url.searchParams.set("clock", clock);
      loadPicker(url.toString(), { replace: true });
    }
  }

  // 5. The booking form.
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
    if (detectTimeZone()) return;
    startPicker();
    if (region) enhanceGrid();
    // With a picker the zone form loads it in place (onZoneSubmit); elsewhere (the coach's
    // page, the booking's page) it is sent as before.
    enhanceZoneForms(document);
    startForm();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
