/* payhost sandbox: the script of the PG's hand-off page (`/pg/{token}/pay/{app}`,
 * `checkout/pg.rs` `hand_off_page`), the page a PG shows once the buyer picked an app.
 * Like a real PG page it sends the browser to the app's hand-off URL (an app scheme,
 * an `intent:` or a store link, as the PG emits it for the user agent) 50 ms after
 * loading. When the page polls (a PC checkout, or an app card whose return is a bare
 * `app://` or none), it asks `/pg/{token}/status` every 700 ms and moves on to the
 * result page once the payment is settled; ISP and BankPay return through their
 * result URL instead. Its values come from the page's data block (`#payhost-data`):
 * `handOff` (the URL), `token` (the transaction) and `polls`. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-data').textContent);
  var handOff = data.handOff;
  var pg = '/pg/' + encodeURIComponent(data.token);
  setTimeout(function () { location.href = handOff; }, 50);
  if (data.polls) {
    setInterval(function () {
      fetch(pg + '/status').then(function (r) { return r.json(); }).then(function (s) {
        if (s.settled) { location.href = pg + '/result'; }
      }).catch(function () {});
    }, 700);
  }
})();
