/* payhost sandbox: a stand-in for PortOne's V2 browser SDK
 * (https://cdn.portone.io/v2/browser-sdk.js), served by payhost-sandbox at
 * /v2/browser-sdk.js. It defines `window.PortOne` with the SDK's functions; the npm
 * loader `@portone/browser-sdk` uses an existing `window.PortOne`, so a merchant page
 * built on it runs unchanged once this script is loaded first
 * (`@portone/browser-sdk@0.1.11:dist/v2.js` `loadScript`).
 *
 * The split is V2's (portone-io/developers.portone.io:
 * src/routes/(root)/opi/ko/integration/start/v2/checkout.mdx): on a phone, or with
 * `forceRedirect: true`, the PG page replaces the merchant's and the checkout ends at
 * `redirectUrl?paymentId=…&transactionType=PAYMENT&txId=…` (`code`, `message` on
 * failure), and the Promise never settles (the page is gone); on a PC the PG opens in a
 * layer over the page (an iframe) and the Promise resolves with
 * `{ transactionType, txId, paymentId, code?, message? }`. A request the server
 * refuses before any window opens rejects the Promise with `{ code, message }`. The
 * server (`/v2/checkout`, `v2/browser.rs`) validates; this file only carries the
 * request there and the answer back. */
(function (window) {
  'use strict';
  var script = document.currentScript;
  var base = script ? new URL(script.src, location.href).origin : location.origin;

  function isMobile() {
    return /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent);
  }

  function absolute(url) {
    if (!url) return url;
    try { return new URL(url, location.href).href; } catch (e) { return url; }
  }

  /* The SDK's errors: `{ code, message }` with `__portOneErrorType` as its own classes
   * carry (`@portone/browser-sdk@0.1.11:dist/v2/exception/`). */
  function PortOneError(type, transactionType, code, message) {
    var error = new Error(message);
    error.name = type;
    error.__portOneErrorType = type;
    error.transactionType = transactionType;
    error.code = code;
    return error;
  }

  function request(kind, input, transactionType, errorType) {
    var body = {};
    for (var key in (input || {})) body[key] = input[key];
    body.redirectUrl = absolute(body.redirectUrl);
    if (Array.isArray(body.noticeUrls)) body.noticeUrls = body.noticeUrls.map(absolute);
    var mobile = isMobile();
    var redirect = mobile || body.forceRedirect === true;
    return fetch(base + '/v2/checkout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: kind, device: mobile ? 'mobile' : 'pc', redirect: redirect, request: body })
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
    }, function (err) {
      throw PortOneError(errorType, transactionType, 'UnknownError',
        '결제 서버에 연결할 수 없습니다 / the sandbox is unreachable: ' + err);
    }).then(function (result) {
      var answer = result.answer;
      if (!result.ok) {
        throw PortOneError(errorType, transactionType, answer.code || 'UnknownError', answer.message || '');
      }
      var pgUrl = base + answer.pgUrl;
      if (redirect) {
        location.href = pgUrl;
        return new Promise(function () {});
      }
      return new Promise(function (resolve) {
        var layer = document.createElement('div');
        layer.id = 'portone-sandbox-layer';
        layer.style.cssText = 'position:fixed;inset:0;z-index:2147483646;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center';
        var frame = document.createElement('iframe');
        frame.id = 'portone-sandbox-frame';
        frame.title = 'PortOne sandbox PG';
        frame.style.cssText = 'width:min(460px,96vw);height:min(720px,92vh);border:0;border-radius:12px;background:#fff';
        frame.src = pgUrl;
        layer.appendChild(frame);
        window.addEventListener('message', function listener(event) {
          if (event.origin !== base || !event.data || !event.data.portone_sandbox) return;
          window.removeEventListener('message', listener);
          layer.remove();
          resolve(event.data.portone_sandbox);
        });
        document.body.appendChild(layer);
      });
    });
  }

  window.PortOne = {
    requestPayment: function (input) {
      return request('payment', input, 'PAYMENT', 'PaymentError');
    },
    requestIssueBillingKey: function (input) {
      return request('issueBillingKey', input, 'ISSUE_BILLING_KEY', 'IssueBillingKeyError');
    },
    requestIdentityVerification: function (input) {
      return request('identityVerification', input, 'IDENTITY_VERIFICATION', 'IdentityVerificationError');
    },
    sandbox: true
  };
})(window);
