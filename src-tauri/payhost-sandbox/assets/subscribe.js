/* payhost sandbox: the script of the shop's subscription section (`/shop`,
 * `merchant/subscription.rs` `section`), loaded after `/iamport.js`. "Register a card
 * and subscribe" asks the merchant's server for a registration (`POST
 * /shop/subscriptions`: the buyer's `customer_uid` and the registration's order id),
 * then calls `IMP.request_pay` with that `customer_uid`, `pay_method: 'card'` and
 * `amount: 0` (iamport registers the card only: "0 으로 설정하여 빌링키 발급만 진행"),
 * ending in a redirect (`popup: false`) to `/shop/subscriptions/complete`, where the
 * server verifies the card and charges the first month. The app scheme the payment
 * apps return to comes from the section's `data-app-scheme` (empty when none). */
(function () {
  'use strict';
  var section = document.getElementById('subscription');
  var appScheme = section.getAttribute('data-app-scheme');
  function value(id) { var el = document.getElementById(id); return el ? el.value : ''; }
  function complete(query) {
    location.href = '/shop/subscriptions/complete?' + new URLSearchParams(query).toString();
  }
  document.getElementById('subscribe').onclick = function () {
    fetch('/shop/subscriptions', { method: 'POST' })
      .then(function (r) { return r.json(); }).then(function (registration) {
        if (registration.error) {
          document.getElementById('subscribe-error').textContent = registration.error;
          return;
        }
        var params = { pg: 'nice', pay_method: 'card', merchant_uid: registration.merchant_uid,
          name: registration.name, amount: registration.amount, customer_uid: registration.customer_uid,
          buyer_name: value('buyer-name'), buyer_tel: value('buyer-tel'), buyer_email: value('buyer-email'),
          m_redirect_url: location.origin + '/shop/subscriptions/complete', popup: false };
        if (appScheme) { params.app_scheme = appScheme; }
        IMP.init('imp_sandbox');
        IMP.request_pay(params, function (rsp) {
          complete({ imp_uid: rsp.imp_uid || '', merchant_uid: rsp.merchant_uid || registration.merchant_uid,
            error_msg: rsp.success ? '' : (rsp.error_msg || '') });
        });
      });
  };
})();
