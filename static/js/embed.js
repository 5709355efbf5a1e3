// The coach's booking pages on the coach's own website, served at <SITE_URL>/embed.js:
//
//   <script src="https://sprechzeit.example/embed.js" data-coach="anna" data-type="coaching"
//           data-mode="inline|popup" data-label="Book a call" data-lang="de" defer></script>
//
// Inline: a frame right after the script tag. Popup: a button that opens the frame in a modal
// dialog (focus moves in, Escape closes, focus returns to the button).
// It has to live in other people's pages: no eval, no inline styles through style attributes
// (styles are set through element.style, which a style-src policy does not block), no CSS
// file, no globals but one namespaced object, and including it twice does not embed twice.
(function () {
  "use strict";
  var NAME = "SprechzeitEmbed";
  if (window[NAME]) {
    window[NAME].scan();
    return;
  }

  // Filled in by the server (scheduler/views/embed.py): {"de": {...}, "en": {...}}.
  var TEXTS = /*TEXTS*/ {};
  var frames = []; // {frame, origin, dialog}

  function texts(lang) {
    return TEXTS[lang] || TEXTS.en || { book: "Book an appointment", close: "Close", title: "Booking" };
  }

  function languageOf(script) {
    var asked = script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "";
    return asked.slice(0, 2).toLowerCase();
  }

  function frameUrl(origin, script) {
    var path = "/" + encodeURIComponent(script.getAttribute("data-coach")) + "/";
    var type = script.getAttribute("data-type");
    if (type) path += encodeURIComponent(type) + "/";
    var url = new URL(path, origin);
    url.searchParams.set("embed", "1");
    var lang = script.getAttribute("data-lang");
    if (lang) url.searchParams.set("lang", lang);
    return url.toString();
  }

  function makeFrame(origin, script, title) {
    var frame = document.createElement("iframe");
    frame.src = frameUrl(origin, script);
    frame.title = title;
    frame.style.display = "block";
    frame.style.width = "100%";
    frame.style.minWidth = "280px";
    frame.style.height = "640px";
    frame.style.border = "0";
    frames.push({ frame: frame, origin: origin, dialog: null });
    return frame;
  }

  function inline(origin, script, words) {
    script.parentNode.insertBefore(makeFrame(origin, script, words.title), script.nextSibling);
  }

  function popup(origin, script, words) {
    var label = script.getAttribute("data-label") || words.book;
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.className = "sprechzeit-button";

    var dialog = document.createElement("dialog");
    dialog.setAttribute("aria-label", label);
    dialog.className = "sprechzeit-dialog";
    dialog.style.width = "min(46rem, calc(100vw - 2rem))";
    dialog.style.maxWidth = "100vw";
    dialog.style.maxHeight = "calc(100vh - 2rem)";
    dialog.style.padding = "0";
    dialog.style.border = "0";
    dialog.style.borderRadius = "8px";
    dialog.style.background = "#fff";
    dialog.style.overflow = "auto";

    var close = document.createElement("button");
    close.type = "button";
    close.textContent = words.close;
    close.style.display = "block";
    close.style.margin = "0.5rem 0.5rem 0 auto";
    close.style.font = "inherit";
    close.style.padding = "0.4rem 0.8rem";
    close.style.cursor = "pointer";
    close.addEventListener("click", function () {
      dialog.close();
    });

    var frame = null;
    button.addEventListener("click", function () {
      // The frame loads on the first opening only: a page with a button costs the coach's
      // server nothing until someone wants to book.
      if (!frame) {
        frame = makeFrame(origin, script, words.title);
        frames[frames.length - 1].dialog = dialog;
        dialog.appendChild(frame);
      }
      dialog.showModal();
      close.focus();
    });
    // showModal keeps the focus inside; Escape (also when pressed inside the frame, which
    // tells us) closes; focus goes back to the button.
    dialog.addEventListener("close", function () {
      button.focus();
    });
    dialog.appendChild(close);
    script.parentNode.insertBefore(dialog, script.nextSibling);
    script.parentNode.insertBefore(button, script.nextSibling);
  }

  function scan() {
    var scripts = document.querySelectorAll("script[data-coach][src]");
    Array.prototype.forEach.call(scripts, function (script) {
      var src = new URL(script.src, window.location.href);
      if (!/\/embed\.js$/.test(src.pathname) || script.hasAttribute("data-sprechzeit-embedded")) return;
      script.setAttribute("data-sprechzeit-embedded", "");
      var words = texts(languageOf(script));
      if (script.getAttribute("data-mode") === "popup") popup(src.origin, script, words);
      else inline(src.origin, script, words);
    });
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.sprechzeit !== "string") return;
    frames.forEach(function (entry) {
      // Only our own frame, loaded from our own origin, may resize it.
      if (event.origin !== entry.origin || event.source !== entry.frame.contentWindow) return;
      if (data.sprechzeit === "height" && typeof data.height === "number" && data.height > 0) {
        entry.frame.style.height = Math.min(Math.ceil(data.height), 20000) + "px";
      } else if (data.sprechzeit === "escape" && entry.dialog && entry.dialog.open) {
        entry.dialog.close();
      } else if (data.sprechzeit === "page" && !entry.dialog) {
        // A new page in an inline frame: show its top if the visitor has scrolled past it.
        var top = entry.frame.getBoundingClientRect().top;
        if (top < 0) entry.frame.scrollIntoView({ block: "start" });
      }
    });
  });

  Object.defineProperty(window, NAME, { value: Object.freeze({ scan: scan }) });
  scan();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
})();
