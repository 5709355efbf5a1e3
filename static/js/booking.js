// Sprechzeit booking pages: small improvements on top of pages that work without JavaScript.
// No inline scripts anywhere, so a strict Content-Security-Policy (script-src 'self') works.
(function () {
  "use strict";

  // 1. Show times in the browser's time zone: when the server marked the page (data-tz-detect)
  //    and the address has no ?tz= yet, reload it once with the detected zone.
  function detectTimeZone() {
    var form = document.querySelector("form[data-tz-detect]");
    if (!form) return;
    var url = new URL(window.location.href);
    if (url.searchParams.has("tz")) return;
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    var select = form.querySelector("select[name=tz]");
    if (!zone || !select || select.value === zone) return;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known) return;
    url.searchParams.set("tz", zone);
    window.location.replace(url.toString());
  }

  // 2. Changing the time zone shows the times at once (the button stays for keyboard users).
  function submitZoneOnChange() {
    document.querySelectorAll("form[data-tz-form] select[name=tz]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form.requestSubmit) select.form.requestSubmit();
        else select.form.submit();
      });
    });
  }

  // 3. Show only the contact field of the chosen channel. Fields are hidden, never cleared,
  //    and a field with an error stays visible.
  function toggleChannelFields() {
    var form = document.querySelector("form.booking-form");
    if (!form) return;
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
      });
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function start() {
    detectTimeZone();
    submitZoneOnChange();
    toggleChannelFields();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
