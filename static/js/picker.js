// Sprechzeit's slot picker in place: the month, the day, the zone and the clock are plain links
// and forms (they work without JavaScript); here they load without a reload. The same URL with
// ?partial=picker answers the picker alone (views/slot_picker.py); the address follows
// (history.pushState), and back and forward show the picker of their address. The month grid
// becomes an ARIA grid. static/js/booking.js (loaded first) does the zone search and the form.
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

  function zoneOption(select, name) {
    return Array.prototype.find.call(select.options, function (option) {
      return option.value === name;
    });
  }

  // 1. The picker in place. ----------------------------------------------------------------
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

  // 2. The month grid as an ARIA grid: one day in the tab order (roving tabindex), arrow keys
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
        // The server's words for the day ("Sunday, 10 January 2027, no free times").
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

  function start() {
    if (document.documentElement.hasAttribute("data-reloading")) return; // booking.js: another zone
    startPicker();
    if (region) enhanceGrid();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
