/* payhost sandbox: the script of the merchant's shop page (`/shop`,
 * `merchant/shop.rs` `shop`), loaded after `/iamport.js`. "Pay" creates the order on
 * the merchant's server (`POST /shop/orders`: an item and a quantity, which the server
 * prices), then calls `IMP.request_pay` with the server's amount (1,000원 less, at
 * least 100원, when `#tamper` is checked, so the merchant's verification can be seen
 * refusing it), the webhook and the return page. With `#pc-mode` checked a PC checkout
 * ends in the callback; otherwise it asks for the redirect (`popup: false`). Either way
 * the buyer lands on `/shop/payments/complete`, where the server verifies. With
 * `#sdk` at V2 the same order goes through `PortOne.requestPayment` (`/v2/browser-sdk.js`)
 * instead: the method's channel and `payMethod`, the order's id as `paymentId`, a
 * redirect to `/shop/v2/payments/complete` unless `#pc-mode` (then the Promise's
 * answer is carried there), the V2 webhook; a request refused before any window opens
 * (the Promise rejects) is shown here. The app scheme the payment apps return to and
 * the V2 store and methods come from the page's data block (`#payhost-data`):
 * `appScheme` (`null` when the sandbox was given none), `storeId`, `v2Methods`. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  var APP_SCHEME = data.appScheme;
  function value(id) { return document.getElementById(id).value; }
  function complete(query) { location.href = '/shop/payments/complete?' + new URLSearchParams(query).toString(); }
  function completeV2(query) { location.href = '/shop/v2/payments/complete?' + new URLSearchParams(query).toString(); }
  function payV2(order, amount, item, quantity, pcMode) {
    var method = data.v2Methods.find(function (m) { return m.choice === value('method'); });
    var request = { storeId: data.storeId, channelKey: method.channelKey, paymentId: order.merchant_uid,
      orderName: order.name, totalAmount: amount, currency: 'KRW', payMethod: method.payMethod,
      customer: { fullName: value('buyer-name'), phoneNumber: value('buyer-tel'), email: value('buyer-email') },
      customData: { item: item, quantity: quantity },
      redirectUrl: location.origin + '/shop/v2/payments/complete',
      noticeUrls: [location.origin + '/shop/v2/payments/webhook'],
      forceRedirect: !pcMode };
    if (method.easyPayProvider) { request.easyPay = { easyPayProvider: method.easyPayProvider }; }
    if (APP_SCHEME) { request.appScheme = APP_SCHEME; }
    PortOne.requestPayment(request).then(function (response) {
      if (!response) { return; }
      var query = { paymentId: response.paymentId, txId: response.txId };
      if (response.code) { query.code = response.code; query.message = response.message || ''; }
      completeV2(query);
    }, function (error) {
      document.getElementById('shop-error').textContent = error.code + ': ' + error.message;
    });
  }
  document.getElementById('pay').onclick = function () {
    var item = document.querySelector('input[name=item]:checked').value;
    var quantity = parseInt(value('quantity'), 10) || 1;
    fetch('/shop/orders', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ item: item, quantity: quantity }) })
      .then(function (r) { return r.json(); }).then(function (order) {
        if (order.error) { document.getElementById('shop-error').textContent = order.error; return; }
        var method = value('method').split(':');
        var amount = order.amount;
        if (document.getElementById('tamper').checked) { amount = Math.max(100, amount - 1000); }
        var params = { pg: method[0], pay_method: method[1], merchant_uid: order.merchant_uid, name: order.name,
          amount: amount, currency: 'KRW', buyer_name: value('buyer-name'), buyer_tel: value('buyer-tel'),
          buyer_email: value('buyer-email'), custom_data: { item: item, quantity: quantity },
          notice_url: location.origin + '/shop/payments/webhook',
          m_redirect_url: location.origin + '/shop/payments/complete' };
        if (APP_SCHEME) { params.app_scheme = APP_SCHEME; }
        var pcMode = document.getElementById('pc-mode').checked;
        if (value('sdk') === 'v2') { payV2(order, amount, item, quantity, pcMode); return; }
        if (!pcMode) { params.popup = false; }
        IMP.init('imp_sandbox');
        IMP.request_pay(params, function (rsp) {
          complete({ imp_uid: rsp.imp_uid || '', merchant_uid: rsp.merchant_uid || order.merchant_uid,
            error_msg: rsp.success ? '' : (rsp.error_msg || '') });
        });
      });
  };
})();
