// payhost's popup shim for phones, injected into every frame. A phone WebView has no
// popup windows here: iOS opens nothing (wry creates popup WebViews only on macOS,
// wry 0.57.1 src/wkwebview/class/wry_web_view_ui_delegate.rs), Android loads them in
// place only by accident of supportMultipleWindows=false. So every way a page opens
// a window becomes a navigation of the frame it came from, which payhost's
// navigation hook then sees like any other (an app hand-off, a card company page).
(function () {
  if (window.__payhostPopupShim) return;
  window.__payhostPopupShim = true;

  // Relative URLs resolve against the document's base URL, not location.href: in an
  // about:blank or srcdoc frame location.href is not a base, and `new URL` throws.
  function navigate(url) {
    var raw = String(url);
    var target = raw;
    try {
      target = new URL(raw, document.baseURI).href;
    } catch (e) {
      // Not parseable here: hand the raw text to the navigation itself.
    }
    try {
      window.location.href = target;
    } catch (e) {
      // The WebView refused the URL; the page goes on (a popup blocker's result).
    }
  }

  // A window-like answer instead of null: pages test `!w || w.closed` and report a
  // popup blocker otherwise; some set `w.location.href` on an empty window.
  function windowStub() {
    var location = {};
    Object.defineProperty(location, 'href', {
      get: function () { return 'about:blank'; },
      set: navigate
    });
    location.assign = navigate;
    location.replace = navigate;
    return {
      closed: false,
      opener: window,
      location: location,
      close: function () {},
      focus: function () {},
      blur: function () {},
      postMessage: function () {}
    };
  }

  window.open = function (url) {
    if (url !== undefined && url !== null && String(url) !== '' && String(url) !== 'about:blank') {
      navigate(url);
    }
    return windowStub();
  };

  // A target that names no frame of this document would open a new window.
  function opensWindow(target) {
    if (!target) return false;
    var name = target.toLowerCase();
    if (name === '_self' || name === '_parent' || name === '_top') return false;
    var frames = document.querySelectorAll('iframe, frame');
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].name === target) return false;
    }
    return true;
  }

  // Capture phase, so the rewrite happens before the page's own handlers and the
  // browser's default action then navigates this frame.
  document.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[target], area[target]') : null;
    if (link && opensWindow(link.getAttribute('target'))) link.setAttribute('target', '_self');
  }, true);
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form && opensWindow(form.getAttribute('target'))) form.setAttribute('target', '_self');
  }, true);
  // form.submit() fires no submit event.
  var submit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function () {
    if (opensWindow(this.getAttribute('target'))) this.setAttribute('target', '_self');
    return submit.apply(this, arguments);
  };
})();
