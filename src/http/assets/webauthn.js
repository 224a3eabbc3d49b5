/*
 * Wayfinder's WebAuthn page script (a file, because the CSP forbids inline scripts). It drives every
 * <form data-webauthn="register|authenticate|passkey">:
 * - the start button stays hidden until this script runs in a browser that supports WebAuthn (the
 *   page's <noscript> text explains what to do without JavaScript);
 * - "register" and "authenticate" read their options from data-options (made by the server for this
 *   page); "passkey" asks data-options-url for fresh options (a POST carrying the form's CSRF token);
 * - the browser's answer (JSON, from @simplewebauthn/browser) goes into the hidden "response" field
 *   and the form is posted; the server verifies everything;
 * - a cancelled or failed ceremony shows the form's own translated message and re-enables the button.
 */
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;

  async function fetchOptions(form) {
    var csrf = form.querySelector('input[name="csrf"]');
    var res = await fetch(form.getAttribute('data-options-url'), {
      method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' },
      body: new URLSearchParams({ csrf: csrf ? csrf.value : '' }),
    });
    if (!res.ok) throw new Error('options request failed with HTTP ' + res.status);
    return res.json();
  }

  function messageFor(form, err) {
    var name = err && err.name;
    if (name === 'NotAllowedError' || name === 'AbortError') return form.getAttribute('data-error-cancelled');
    if (name === 'InvalidStateError') return form.getAttribute('data-error-already');
    return form.getAttribute('data-error-failed');
  }

  function setup(form) {
    var mode = form.getAttribute('data-webauthn');
    var button = form.querySelector('[data-webauthn-start]');
    var field = form.querySelector('input[name="response"]');
    var error = form.querySelector('[data-webauthn-error]');
    if (!button || !field) return;
    function show(text) {
      if (!error) return;
      error.textContent = text || '';
      error.hidden = !text;
    }
    if (!lib || !lib.browserSupportsWebAuthn()) {
      if (mode !== 'passkey') show(form.getAttribute('data-error-unsupported'));
      return;
    }
    button.hidden = false;

    async function run() {
      button.disabled = true;
      show('');
      try {
        var optionsJSON = mode === 'passkey' ? await fetchOptions(form) : JSON.parse(form.getAttribute('data-options'));
        var answer = mode === 'register'
          ? await lib.startRegistration({ optionsJSON: optionsJSON })
          : await lib.startAuthentication({ optionsJSON: optionsJSON });
        field.value = JSON.stringify(answer);
        form.submit();
      } catch (err) {
        button.disabled = false;
        show(messageFor(form, err));
      }
    }

    button.addEventListener('click', run);
    // Enter in a text field (the key's name) starts the ceremony instead of posting an empty answer.
    form.addEventListener('submit', function (event) {
      if (field.value) return;
      event.preventDefault();
      if (!button.disabled) run();
    });
  }

  document.querySelectorAll('form[data-webauthn]').forEach(setup);
})();
