// The coach's appointment type form: the address for meeting in person is shown, and
// required, while "in person" is ticked. Without JavaScript the field is always there and
// the server says when it is missing. No inline scripts (script-src 'self').
(function () {
  "use strict";
  var box = document.querySelector("input[name=allowed_channels][value=in_person]");
  var input = document.querySelector("input[name=location]");
  if (!box || !input) return;
  var field = input.closest(".field");

  function update() {
    input.required = box.checked;
    // An address typed or stored, or one with an error, stays in sight.
    field.hidden = !box.checked && !input.value && !field.classList.contains("has-error");
  }

  box.addEventListener("change", update);
  update();
})();
