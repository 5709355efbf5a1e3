// Inside a frame on the coach's website (embed.js): tell the embedding page how tall this
// page is, so that its frame grows and shrinks with the content, and keep the embed marker
// (embed=1, and lang=) on every link and form of ours, also those the picker adds later.
// Loaded only on framed pages (templates/base.html); the server keeps the marker on the
// booking form and its redirect by itself (scheduler/framing.py).
(function () {
  "use strict";
  if (window.parent === window) return;

  // What to keep comes with the script tag (embed=1&lang=de): after the form's POST the
  // frame's own address no longer has it.
  var keep = { embed: "1" };
  var script = document.currentScript;
  new URLSearchParams((script && script.getAttribute("data-keep")) || "").forEach(function (value, name) {
    keep[name] = value;
  });

  function ours(address) {
    try {
      return new URL(address, window.location.href).origin === window.location.origin;
    } catch (error) {
      return false;
    }
  }

  function markLink(link) {
    // A new tab (the privacy notice, the booking's own page) is no frame: it keeps our cookies.
    if (link.target === "_blank" || !ours(link.href)) return;
    var url = new URL(link.href);
    if (url.pathname === window.location.pathname && url.search === "" && url.hash) return;
    var changed = false;
    Object.keys(keep).forEach(function (name) {
      if (url.searchParams.get(name) !== keep[name]) {
        url.searchParams.set(name, keep[name]);
        changed = true;
      }
    });
    if (changed) link.href = url.toString();
  }

  function markForm(form) {
    if (!ours(form.action || window.location.href)) return;
    Object.keys(keep).forEach(function (name) {
      if (form.querySelector('input[type="hidden"][name="' + name + '"]')) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = keep[name];
      form.appendChild(input);
    });
  }

  function mark(root) {
    if (root.nodeType !== 1) return;
    if (root.matches("a[href]")) markLink(root);
    if (root.matches("form")) markForm(root);
    root.querySelectorAll("a[href]").forEach(markLink);
    root.querySelectorAll("form").forEach(markForm);
  }

  var lastHeight = 0;
  function postHeight() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    // Only a number goes out, so any embedding page may read it; embed.js checks that it
    // comes from our origin and from its own frame.
    window.parent.postMessage({ sprechzeit: "height", height: height }, "*");
  }

  function start() {
    mark(document.body);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(mark);
      });
    }).observe(document.body, { childList: true, subtree: true });
    // Links the picker rewrites after its own clicks are marked just before they are followed.
    document.addEventListener(
      "click",
      function (event) {
        var link = event.target.closest && event.target.closest("a[href]");
        if (link) markLink(link);
      },
      true
    );
    // In embed.js's popup dialog Escape closes it, also while the focus is in here.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") window.parent.postMessage({ sprechzeit: "escape" }, "*");
    });
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.documentElement);
    window.addEventListener("load", postHeight);
    postHeight();
    window.parent.postMessage({ sprechzeit: "page" }, "*");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
