/* payhost sandbox: a stand-in for iamport.payment.js (V1), served by payhost-sandbox.
 * IMP.init(code) and IMP.request_pay(params, callback) with the real split
 * ("iamport V1 JS SDK" in docs/sources.md, `m_redirect_url`): on a phone, or on a PC
 * with `popup: false`, the PG page replaces the merchant page and the checkout ends at
 * `m_redirect_url?imp_uid=…`
 * (failures before the PG opens go there too); on a PC the PG opens in a layer over the
 * page (an iframe, iamport's PC default; a window with `popup: true`) and the callback
 * receives `rsp`. IMP.certification(params, callback) opens the identity page the same
 * way (portone-io/developers.portone.io:src/routes/(root)/sdk/ko/v1-sdk/javascript-sdk/cft.mdx:
 * a phone redirects unless `popup: true`, `m_redirect_url` then required) and ends at
 * `m_redirect_url?imp_uid=…&merchant_uid=…&success=…` or in the callback's
 * `{ success, imp_uid, merchant_uid, error_msg }`. The server (`/checkout`,
 * `/checkout/certification`) validates; this file only carries the request there and
 * the answer back. */
(function (window) {
  'use strict';
  var script = document.currentScript;
  var base = script ? new URL(script.src, location.href).origin : location.origin;
  var code = null;

  function isMobile() {
    return /Android|iPhone|iPad|iPod|Mobile/i.test(navigator.userAgent);
  }

  function absolute(url) {
    if (!url) return url;
    try { return new URL(url, location.href).href; } catch (e) { return url; }
  }

  /* What request_pay sends to m_redirect_url for a request refused before the PG. */
  function paymentRefusal(url, params, message) {
    url.searchParams.append('imp_uid', '');
    url.searchParams.append('merchant_uid', params.merchant_uid || '');
    url.searchParams.append('imp_success', 'false');
    url.searchParams.append('error_code', 'F400');
    url.searchParams.append('error_msg', message);
  }

  /* … and what IMP.certification sends. */
  function certificationRefusal(url, params, message) {
    url.searchParams.append('imp_uid', '');
    url.searchParams.append('merchant_uid', params.merchant_uid || '');
    url.searchParams.append('success', 'false');
    url.searchParams.append('error_msg', message);
  }

  function fail(redirect, params, callback, message, refusal) {
    if (redirect && params.m_redirect_url) {
      var url = new URL(params.m_redirect_url);
      refusal(url, params, message);
      location.href = url.href;
    } else if (typeof callback === 'function') {
      callback({ success: false, imp_uid: null, merchant_uid: params.merchant_uid, error_code: 'F400', error_msg: message });
    } else {
      window.alert(message);
    }
  }

  /* Posts `params` to `path` and opens the page it answers with: in place for a
   * redirect, else in a window (`popup: true`) or a layer, whose result page posts
   * `{ iamport_sandbox: rsp }` back for the callback. */
  function open(path, input, callback, redirectOf, refusal) {
    var params = {};
    for (var key in (input || {})) params[key] = input[key];
    params.m_redirect_url = absolute(params.m_redirect_url);
    params.notice_url = absolute(params.notice_url);
    var redirect = redirectOf(params);
    if (!code) {
      fail(redirect, params, callback, 'IMP.init 을 먼저 호출하세요 (call IMP.init first)', refusal);
      return;
    }
    // Opened before any await so that popup blockers see the click (iamport's own advice).
    var popup = (!redirect && params.popup === true)
      ? window.open('about:blank', 'iamport_sandbox_pg', 'width=480,height=720') : null;
    var layer = null;
    fetch(base + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ imp_code: code, channel: redirect ? 'mobile' : 'pc', origin: location.href, params: params })
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.error_msg) {
        if (popup) popup.close();
        fail(redirect, params, callback, answer.error_msg, refusal);
        return;
      }
      var pgUrl = base + answer.pg_url;
      if (redirect) {
        location.href = pgUrl;
        return;
      }
      window.addEventListener('message', function listener(event) {
        if (event.origin !== base || !event.data || !event.data.iamport_sandbox) return;
        window.removeEventListener('message', listener);
        if (layer) layer.remove();
        if (typeof callback === 'function') callback(event.data.iamport_sandbox);
      });
      if (popup) {
        popup.location.href = pgUrl;
        return;
      }
      layer = document.createElement('div');
      layer.id = 'imp-sandbox-layer';
      layer.style.cssText = 'position:fixed;inset:0;z-index:2147483646;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center';
      var frame = document.createElement('iframe');
      frame.id = 'imp-sandbox-frame';
      frame.title = 'iamport sandbox PG';
      frame.style.cssText = 'width:min(460px,96vw);height:min(720px,92vh);border:0;border-radius:12px;background:#fff';
      frame.src = pgUrl;
      layer.appendChild(frame);
      document.body.appendChild(layer);
    }).catch(function (err) {
      if (popup) popup.close();
      if (layer) layer.remove();
      fail(redirect, params, callback, '결제 서버에 연결할 수 없습니다 (sandbox unreachable): ' + err, refusal);
    });
  }

  function request_pay(input, callback) {
    open('/checkout', input, callback, function (params) {
      return isMobile() || (params.popup === false && !!params.m_redirect_url);
    }, paymentRefusal);
  }

  function certification(input, callback) {
    open('/checkout/certification', input, callback, function (params) {
      return (isMobile() && params.popup !== true) || (params.popup === false && !!params.m_redirect_url);
    }, certificationRefusal);
  }

  window.IMP = {
    init: function (impCode) { code = impCode; },
    request_pay: request_pay,
    certification: certification,
    sandbox: true
  };
})(window);
