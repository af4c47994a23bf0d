/* payhost sandbox: the script of the PG's PC result page (`/pg/{token}/result` of a
 * `pc` checkout, `checkout/pg.rs` `pg_result`). A PC checkout ends in the merchant's
 * page, not a redirect: this page posts its message to the page that opened the PG (a
 * popup's opener, or the parent of the layer's iframe), then closes a popup. The
 * message is `{ iamport_sandbox: rsp }` (V1: `iamport.js` hands `rsp` to the
 * `request_pay` callback) or `{ portone_sandbox: response }` (V2: `portone-v2.js`
 * resolves `requestPayment`'s Promise with it), built by `checkout/ending.rs`. It comes
 * from the page's data block (`#payhost-data`), whole: it holds the merchant's and the
 * buyer's text, which is never written into a script. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  var payer = window.opener || (window.parent !== window ? window.parent : null);
  if (payer) { payer.postMessage(data.message, '*'); }
  if (window.opener) { window.close(); }
})();
