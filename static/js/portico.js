// Portico: small enhancements on top of htmx. No inline code, no eval (CSP-safe).
(function () {
  'use strict';

  // Controls where the user is typing or choosing; a swap must not pull focus out of them.
  var FIELD = 'input:not([type=button]):not([type=submit]):not([type=reset]):not([type=image]),select,textarea,[contenteditable]';
  var mainTarget = null;          // target of the swap in progress
  var oob = new WeakSet();        // elements placed by out-of-band swaps (side updates)
  var handled = new WeakSet();    // requests whose focus was already placed

  function focus(el) {
    el.focus();
    if (document.activeElement !== el) { el.setAttribute('tabindex', '-1'); el.focus(); }
  }

  document.addEventListener('htmx:beforeSwap', function (e) { mainTarget = e.detail.target; });
  document.addEventListener('htmx:oobAfterSwap', function (e) {
    if (e.target !== mainTarget) oob.add(e.target);
  });

  // WCAG: after new content arrives, move keyboard focus to it ([data-focus] inside wins).
  document.addEventListener('htmx:afterSettle', function (e) {
    var d = e.detail || {}, root = e.target;
    var cfg = d.requestConfig;
    if (!d.xhr || handled.has(d.xhr) || oob.has(root) || !(root instanceof HTMLElement) || !root.isConnected) return;
    handled.add(d.xhr);
    var want = root.matches('[data-focus]') ? root : root.querySelector('[data-focus]');
    if (!want) {
      // Polling and load triggers have no triggering event: not the user's action, leave focus alone.
      if (!cfg || !cfg.triggeringEvent) return;
      var active = document.activeElement;
      if (active && active.isConnected && active.matches(FIELD)) return;
      want = root;
    }
    focus(want);
  });

  // A form marked data-autosubmit (the hand-over page of a SAML sign-in) is sent at once;
  // without JavaScript its own button sends it.
  var auto = document.querySelector('form[data-autosubmit]');
  if (auto) auto.submit();
})();
