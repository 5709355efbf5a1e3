// Copy buttons and read-only addresses (the coach's and the client's calendar feeds): small
// improvements on top of pages that work without JavaScript.
// No inline scripts anywhere, so a strict Content-Security-Policy (script-src 'self') works.
(function () {
  "use strict";

  // Copy buttons: <button data-copy="ID" data-copied="Copied" hidden> copies the value of the
  // field ID. They stay hidden without JavaScript or a clipboard; the field can be selected by hand.
  function copyButtons() {
    if (!navigator.clipboard) return;
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      var label = button.textContent;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(function () {
          button.textContent = button.getAttribute("data-copied") || label;
          window.setTimeout(function () {
            button.textContent = label;
          }, 2000);
        }, function () {
          field.select();
        });
      });
    });
  }

  // A read-only address is selected whole on focus, ready to copy by hand.
  function selectOnFocus() {
    document.querySelectorAll("input[readonly]").forEach(function (field) {
      field.addEventListener("focus", function () {
        field.select();
      });
    });
  }

  function start() {
    copyButtons();
    selectOnFocus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
