/* payhost sandbox: the script of the merchant's shop page (`/shop`,
 * `merchant/shop.rs` `shop`), loaded after `/iamport.js`. "Pay" creates the order on
 * the merchant's server (`POST /shop/orders`: an item and a quantity, which the server
 * prices), then calls `IMP.request_pay` with the server's amount (1,000원 less, at
 * least 100원, when `#tamper` is checked, so the merchant's verification can be seen
 * refusing it), the webhook and the return page. With `#pc-mode` checked a PC checkout
 * ends in the callback; otherwise it asks for the redirect (`popup: false`). Either way
 * the buyer lands on `/shop/payments/complete`, where the server verifies. The app
 * scheme the payment apps return to comes from the page's data block
 * (`#payhost-data`): `appScheme` (`null` when the sandbox was given none). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  var APP_SCHEME = data.appScheme;
  function value(id) { return document.getElementById(id).value; }
  function complete(query) { location.href = '/shop/payments/complete?' + new URLSearchParams(query).toString(); }
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
        if (!document.getElementById('pc-mode').checked) { params.popup = false; }
        IMP.init('imp_sandbox');
        IMP.request_pay(params, function (rsp) {
          complete({ imp_uid: rsp.imp_uid || '', merchant_uid: rsp.merchant_uid || order.merchant_uid,
            error_msg: rsp.success ? '' : (rsp.error_msg || '') });
        });
      });
  };
})();
