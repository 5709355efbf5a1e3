// Passkey pages (allauth's WebAuthn): parts that only work with JavaScript are hidden in the
// HTML and shown here, and a refused or cancelled passkey prompt gets a visible message
// (allauth dispatches "allauth.error" and otherwise only logs to the console).
(function () {
  'use strict'

  function showNeedsScript () {
    document.querySelectorAll('[data-needs-js]').forEach(function (element) {
      element.hidden = false
    })
  }

  document.addEventListener('allauth.error', function (event) {
    const message = document.querySelector('[data-passkey-error]')
    if (!message) return
    event.preventDefault()
    const main = document.getElementById('content')
    // The message is written at the end of the page; it belongs at the top of the content.
    if (main && message.parentElement !== main) main.prepend(message)
    message.hidden = false
    message.focus()
  })

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', showNeedsScript)
  } else {
    showNeedsScript()
  }
})()
