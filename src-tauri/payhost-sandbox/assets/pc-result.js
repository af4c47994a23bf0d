/* payhost sandbox: the script of the PG's PC result page (`/pg/{token}/result` of a
 * `pc` checkout, `checkout/pg.rs` `pg_result`). A PC checkout ends in the merchant's
 * `request_pay` callback, not a redirect: this page posts the callback's `rsp` to the
 * page that opened the PG (a popup's opener, or the parent of the layer's iframe) as
 * `{ iamport_sandbox: rsp }`, which `iamport.js` hands to the callback, then closes a
 * popup. `rsp` comes from the page's data block (`#payhost-data`), whole: it holds the
 * merchant's and the buyer's text, which is never written into a script. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  var payer = window.opener || (window.parent !== window ? window.parent : null);
  if (payer) { payer.postMessage({ iamport_sandbox: data.rsp }, '*'); }
  if (window.opener) { window.close(); }
})();
