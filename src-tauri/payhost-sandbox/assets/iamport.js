/* payhost sandbox: a stand-in for iamport.payment.js (V1), served by payhost-sandbox.
 * IMP.init(code) and IMP.request_pay(params, callback) with the real split
 * ("iamport V1 JS SDK" in docs/sources.md, `m_redirect_url`): on a phone, or on a PC
 * with `popup: false`, the PG page replaces the merchant page and the checkout ends at
 * `m_redirect_url?imp_uid=…`
 * (failures before the PG opens go there too); on a PC the PG opens in a layer over the
 * page (an iframe, iamport's PC default; a window with `popup: true`) and the callback
 * receives `rsp`. The server (`/checkout`) validates; this file only
 * carries the request there and the answer back. */
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

  function redirectWithError(mRedirectUrl, params, message) {
    var url = new URL(mRedirectUrl);
    url.searchParams.append('imp_uid', '');
    url.searchParams.append('merchant_uid', params.merchant_uid || '');
    url.searchParams.append('imp_success', 'false');
    url.searchParams.append('error_code', 'F400');
    url.searchParams.append('error_msg', message);
    location.href = url.href;
  }

  function fail(mobile, params, callback, message) {
    if (mobile && params.m_redirect_url) {
      redirectWithError(params.m_redirect_url, params, message);
    } else if (typeof callback === 'function') {
      callback({ success: false, imp_uid: null, merchant_uid: params.merchant_uid, error_code: 'F400', error_msg: message });
    } else {
      window.alert(message);
    }
  }

  function request_pay(input, callback) {
    var params = {};
    for (var key in (input || {})) params[key] = input[key];
    params.m_redirect_url = absolute(params.m_redirect_url);
    params.notice_url = absolute(params.notice_url);
    var mobile = isMobile() || (params.popup === false && !!params.m_redirect_url);
    if (!code) {
      fail(mobile, params, callback, 'IMP.init 을 먼저 호출하세요 (call IMP.init first)');
      return;
    }
    // Opened before any await so that popup blockers see the click (iamport's own advice).
    var popup = (!mobile && params.popup === true)
      ? window.open('about:blank', 'iamport_sandbox_pg', 'width=480,height=720') : null;
    var layer = null;
    fetch(base + '/checkout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ imp_code: code, channel: mobile ? 'mobile' : 'pc', params: params })
    }).then(function (response) { return response.json(); }).then(function (answer) {
      if (answer.error_msg) {
        if (popup) popup.close();
        fail(mobile, params, callback, answer.error_msg);
        return;
      }
      var pgUrl = base + answer.pg_url;
      if (mobile) {
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
      fail(mobile, params, callback, '결제 서버에 연결할 수 없습니다 (sandbox unreachable): ' + err);
    });
  }

  window.IMP = {
    init: function (impCode) { code = impCode; },
    request_pay: request_pay,
    sandbox: true
  };
})(window);
