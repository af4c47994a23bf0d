/* payhost sandbox: the script of a subscription's page (`/shop/subscriptions/…`,
 * `merchant/subscription.rs` `subscription_page`). While a scheduled charge is on its
 * way (`waiting` in the page's data block, `#payhost-data`), the page reloads every
 * 1.5 s, so the charge is seen firing: the server shows each charge as the merchant
 * verified it (the scheduled charge's webhook makes its order paid or failed). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  if (data.waiting) { setTimeout(function () { location.reload(); }, 1500); }
})();
