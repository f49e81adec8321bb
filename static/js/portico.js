// Portico: small enhancements on top of htmx. No inline code, no eval (CSP-safe).
(function () {
  'use strict';

  // Loaded in <head> without defer, so that this class is set before the first
  // paint: the stylesheet hides the buttons that only a page without
  // JavaScript needs (they submit a form that htmx sends on change).
  document.documentElement.classList.add('js');

  // Controls where the user is typing or choosing; a swap must not pull focus out of them.
  var FIELD = 'input:not([type=button]):not([type=submit]):not([type=reset]):not([type=image]),select,textarea,[contenteditable]';
  var FOCUSABLE = 'a[href],button,input:not([type=hidden]),select,textarea,[tabindex]:not([tabindex="-1"])';
  var mainTarget = null;          // target of the swap in progress
  var used = null;                // where the control the user used sits, kept across the swap
  var oob = new WeakSet();        // elements placed by out-of-band swaps (side updates)
  var handled = new WeakSet();    // requests whose focus was already placed

  function focus(el) {
    el.focus();
    if (document.activeElement !== el) { el.setAttribute('tabindex', '-1'); el.focus(); }
  }

  function visible(el) { return el.getClientRects().length > 0; }

  // The one live region of the page, outside every swapped part. Clearing it
  // first makes a repeated text ("6 tickets found" twice) announced again.
  function announce(text) {
    var region = document.getElementById('announcer');
    text = (text || '').replace(/\s+/g, ' ').trim();
    if (!region || !text) return;
    region.textContent = '';
    setTimeout(function () { region.textContent = text; }, 50);
  }

  // locate describes an element by something that survives a swap: its id,
  // or the nearest ancestor with an id and, inside it, the element's rel or
  // its position among the focusable elements.
  function locate(el) {
    if (el.id) return { id: el.id };
    var box = el.parentElement && el.parentElement.closest('[id]');
    if (!box) return null;
    var rel = el.getAttribute('rel');
    if (rel) return { box: box.id, rel: rel };
    return { box: box.id, index: Array.prototype.indexOf.call(box.querySelectorAll(FOCUSABLE), el) };
  }

  function find(loc) {
    if (loc.id) return document.getElementById(loc.id);
    var box = document.getElementById(loc.box);
    if (!box) return null;
    if (loc.rel) return box.querySelector('[rel="' + loc.rel + '"]');
    return box.querySelectorAll(FOCUSABLE)[loc.index] || null;
  }

  // aria-busy marks the region being loaded while its request runs.
  function busyTarget(e) {
    var t = e.detail && e.detail.target;
    return t instanceof HTMLElement ? t : null;
  }
  document.addEventListener('htmx:beforeRequest', function (e) {
    var t = busyTarget(e);
    if (t) t.setAttribute('aria-busy', 'true');
  });
  document.addEventListener('htmx:afterRequest', function (e) {
    var t = busyTarget(e);
    if (t) t.removeAttribute('aria-busy');
  });
  // A request that got no answer at all (network down, timeout) swaps
  // nothing: say so in the live region.
  function failed() {
    var region = document.getElementById('announcer');
    if (region) announce(region.getAttribute('data-failed'));
  }
  document.addEventListener('htmx:sendError', failed);
  document.addEventListener('htmx:timeout', failed);

  document.addEventListener('htmx:beforeSwap', function (e) {
    mainTarget = e.detail.target;
    used = null;
    var active = document.activeElement;
    if (mainTarget && active && active !== document.body && mainTarget.contains(active)) used = locate(active);
  });
  document.addEventListener('htmx:oobAfterSwap', function (e) {
    if (e.target !== mainTarget) oob.add(e.target);
  });

  // WCAG: after new content arrives, announce it and move keyboard focus:
  // to [data-focus] inside it, else the first invalid field, else the control
  // the user used (found again in the new content), else its first link or
  // the new content itself.
  document.addEventListener('htmx:afterSettle', function (e) {
    var d = e.detail || {}, root = e.target;
    var cfg = d.requestConfig;
    if (!d.xhr || handled.has(d.xhr) || oob.has(root) || !(root instanceof HTMLElement) || !root.isConnected) return;
    handled.add(d.xhr);
    var said = root.matches('[data-announce]') ? root : root.querySelector('[data-announce]');
    if (said) announce(said.textContent);
    var flagged = root.matches('[data-focus]') ? root : root.querySelector('[data-focus]');
    var summary = root.matches('[data-error-summary]') ? root : root.querySelector('[data-error-summary]');
    var invalid = root.querySelector('[aria-invalid="true"]');
    var want = summary || flagged;
    // A form with invalid fields and no summary that links to them: the
    // first invalid field gets focus (its label and error are read with
    // it), and a notice that would have taken focus is announced instead.
    if (!summary && invalid && flagged !== invalid) {
      if (flagged && !flagged.contains(invalid) && !flagged.matches('[role=alert],[role=status]')) announce(flagged.textContent);
      want = invalid;
    }
    if (!want) {
      // Polling and load triggers have no triggering event: not the user's action, leave focus alone.
      if (!cfg || !cfg.triggeringEvent) return;
      var active = document.activeElement;
      if (active && active.isConnected && active.matches(FIELD)) return;
      var again = used && find(used);
      if (again && visible(again)) {
        want = again;
      } else {
        // A list's first row is its first meaningful element; else its first control.
        var first = root.querySelector('[data-results] tbody a[href]') ||
          root.querySelector('[data-results] ' + FOCUSABLE.split(',').join(',[data-results] '));
        want = first && visible(first) ? first : root;
      }
    }
    focus(want);
  });

  // Forms marked data-sending show that they are being sent: the submit
  // button is disabled (no second submit) and says data-sending's text
  // until the answer arrives. htmx forms get their answer as a swap; plain
  // forms leave the page.
  function sendingButton(formEl) {
    return formEl.querySelector('button[type=submit],button:not([type])');
  }
  document.addEventListener('submit', function (e) {
    var f = e.target;
    if (!(f instanceof HTMLFormElement) || !f.hasAttribute('data-sending')) return;
    var b = sendingButton(f);
    if (!b) return;
    // A second submit while the first is under way goes nowhere: not to
    // the browser, and not to htmx either, which would queue it.
    if (b.getAttribute('aria-disabled') === 'true') { e.preventDefault(); e.stopImmediatePropagation(); return; }
    b.setAttribute('data-label', b.textContent);
    b.textContent = f.getAttribute('data-sending');
    b.setAttribute('aria-disabled', 'true');
    // htmx reads the form after this listener: a disabled button would be
    // left out of the request, so it is disabled a moment later.
    setTimeout(function () { if (b.isConnected) b.disabled = true; }, 0);
  }, true);
  document.addEventListener('htmx:afterRequest', function (e) {
    var f = e.detail && e.detail.elt;
    if (!(f instanceof HTMLFormElement) || !f.hasAttribute('data-sending') || !f.isConnected) return;
    var b = sendingButton(f);
    if (!b || !b.hasAttribute('data-label')) return;
    b.textContent = b.getAttribute('data-label');
    b.removeAttribute('data-label');
    b.removeAttribute('aria-disabled');
    b.disabled = false;
  });

  // A form marked data-submit-on-change (the language switch of the
  // settings' sample pages, which has nowhere to post) is sent as soon as
  // one of its controls changes; without JavaScript its own button sends it.
  document.addEventListener('change', function (e) {
    var f = e.target && e.target.form;
    if (f && f.hasAttribute('data-submit-on-change')) f.submit();
  });

  function ready() {
    // A page that came back with errors (a plain form post, JavaScript or
    // not) puts focus on its error summary, else on its first invalid field.
    var main = document.getElementById('main');
    if (main) {
      var first = main.querySelector('[data-error-summary]') || main.querySelector('[aria-invalid="true"]');
      if (first && document.activeElement !== first) focus(first);
      var said = main.querySelector('[data-announce-load]');
      if (said) announce(said.textContent);
    }
    // A form marked data-autosubmit (the hand-over page of a SAML sign-in) is sent at once;
    // without JavaScript its own button sends it.
    var auto = document.querySelector('form[data-autosubmit]');
    if (auto) auto.submit();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', ready);
  else ready();
})();
