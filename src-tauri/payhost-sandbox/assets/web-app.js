/* payhost sandbox: the script of a payment app's web version (`/apps/{token}`,
 * `checkout/apps_api.rs` `web_app`), for manual QA on a phone without the simulated
 * apps. Its buttons (`button[data-outcome]`: approve, deny, cancel) report the buyer's
 * decision as the simulated apps do (`POST /sandbox/txn/{token}/outcome`), show the
 * answer in `#status`, then follow the app's way back (`return_link`) or go to the
 * PG's result page. The transaction comes from the page's data block
 * (`#payhost-data`): `token`. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  var token = encodeURIComponent(data.token);
  document.querySelectorAll('button[data-outcome]').forEach(function (b) {
    b.onclick = function () {
      fetch('/sandbox/txn/' + token + '/outcome', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ outcome: b.dataset.outcome })
      })
        .then(function (r) { return r.json(); }).then(function (r) {
          document.getElementById('status').textContent = r.error || r.status;
          location.href = r.return_link || '/pg/' + token + '/result';
        });
    };
  });
})();
