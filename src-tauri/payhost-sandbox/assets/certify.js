/* payhost sandbox: the script of the shop's "본인인증 / Verify identity" section
 * (`merchant/identity_pages.rs` `section`), loaded after `/iamport.js` and
 * `/v2/browser-sdk.js`. "V1" calls `IMP.certification` and "V2"
 * `PortOne.requestIdentityVerification`, each with a new id; unless `#certify-pc` is
 * checked they ask for the redirect (`popup: false`, `forceRedirect: true`), which
 * lands on the merchant's page (`/shop/certifications/complete`,
 * `/shop/identity-verifications/complete`); a PC layer's callback or Promise goes to
 * the same page with the same query. Either way the merchant's server asks the API:
 * nothing here decides. The store, channel and the app's scheme come from the
 * section's data block (`#payhost-certify-data`): `storeId`, `channelKey`,
 * `appScheme`. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('payhost-certify-data').textContent);
  function pcMode() { return document.getElementById('certify-pc').checked; }
  function newId(prefix) {
    return prefix + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10);
  }
  function go(path, query) {
    location.href = path + '?' + new URLSearchParams(query).toString();
  }
  function showError(message) { document.getElementById('certify-error').textContent = message; }

  document.getElementById('certify-v1').onclick = function () {
    var params = { channelKey: data.channelKey, merchant_uid: newId('cert_'),
      m_redirect_url: location.origin + '/shop/certifications/complete' };
    if (data.appScheme) { params.app_scheme = data.appScheme; }
    if (!pcMode()) { params.popup = false; }
    IMP.init('imp_sandbox');
    IMP.certification(params, function (rsp) {
      go('/shop/certifications/complete', { imp_uid: rsp.imp_uid || '', merchant_uid: rsp.merchant_uid || '',
        success: rsp.success ? 'true' : 'false', error_msg: rsp.success ? '' : (rsp.error_msg || '') });
    });
  };

  document.getElementById('certify-v2').onclick = function () {
    var id = newId('identity-verification-');
    PortOne.requestIdentityVerification({ storeId: data.storeId, identityVerificationId: id,
      channelKey: data.channelKey, redirectUrl: location.origin + '/shop/identity-verifications/complete',
      forceRedirect: !pcMode() })
      .then(function (response) {
        if (!response) { return; }
        var query = { identityVerificationId: response.identityVerificationId || id,
          identityVerificationTxId: response.identityVerificationTxId || '' };
        if (response.code) { query.code = response.code; query.message = response.message || ''; }
        go('/shop/identity-verifications/complete', query);
      }, function (error) { showError((error.code || '') + ': ' + (error.message || error)); });
  };
})();
