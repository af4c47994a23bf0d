// Generated from guest-js/ by `npm run build`; do not edit.
'use strict';

var core = require('@tauri-apps/api/core');
var event = require('@tauri-apps/api/event');

/**
 * tauri-plugin-payhost의 JavaScript 바인딩입니다. 앱 자신의 로컬 화면(번들된 페이지)이
 * 결제 창을 열고, 그 결과를 받고, 흐름 기록을 읽는 데 씁니다.
 *
 * The JavaScript bindings of tauri-plugin-payhost, for the app's own local UI (a page
 * bundled with the app): open a payment window, receive its result, read the flow log.
 *
 * ## 권한 / Capabilities
 *
 * 결제 창은 원격 페이지(가맹점과 PG의 결제 페이지)를 보여 주며 어떤 capability도 받지 않습니다:
 * 그 페이지에서는 이 함수들이 모두 거부됩니다. 이 함수들을 부르는 로컬 창의 capability가
 * 플러그인의 명령 권한과 `core:event:allow-listen`(결과 이벤트)을 허용해야 합니다.
 *
 * The payment window shows a remote page (the merchant's and the PG's checkout) and is
 * granted no capability: every function here is refused there. The local window that
 * calls them needs a capability granting the plugin's command permissions and
 * `core:event:allow-listen` (for the result event).
 *
 * ## 번들러 없이 / Without a bundler
 *
 * 앱이 `app.withGlobalTauri`를 켰다면(create-tauri-app의 vanilla 템플릿처럼) Tauri가
 * 이 스크립트를 넣어 주므로 `window.__TAURI__.payhost.openPayment(…)`로 바로 씁니다.
 *
 * With `app.withGlobalTauri` on (as in create-tauri-app's vanilla template), Tauri
 * injects the script below and the functions are `window.__TAURI__.payhost`.
 *
 * `dist-js/index.iife.js`는 의존성을 함께 묶은 스크립트로,
 * `window.__TAURI_PLUGIN_PAYHOST__ = { openPayment, onResult, flowLog }`를 정의합니다.
 * Tauri가 모든 웹뷰에 넣는 전역(`window.__TAURI_INTERNALS__`, 구독 해제에는
 * `window.__TAURI_EVENT_PLUGIN_INTERNALS__`)만 사용하므로 `app.withGlobalTauri` 없이
 * 일반 HTML 페이지에서 `<script>`로 불러 쓸 수 있습니다.
 *
 * `dist-js/index.iife.js` is a self-contained script (dependencies bundled) defining
 * `window.__TAURI_PLUGIN_PAYHOST__ = { openPayment, onResult, flowLog }`. It relies only
 * on the globals Tauri injects into every webview (`window.__TAURI_INTERNALS__`, and
 * `window.__TAURI_EVENT_PLUGIN_INTERNALS__` to unlisten; tauri@2.12.5:src/manager/webview.rs
 * `initialization_script`), so a plain HTML page loads it with a `<script>` tag, without
 * `app.withGlobalTauri`.
 *
 * ```html
 * <script src="index.iife.js"></script>
 * <script>
 *   const { openPayment, onResult } = window.__TAURI_PLUGIN_PAYHOST__
 *   onResult((result) => console.log(result.kind, result.merchantUid))
 *   openPayment('https://shop.example/pay')
 * </script>
 * ```
 *
 * @module
 */
/**
 * 결제 창의 결과를 알리는 이벤트 이름입니다.
 *
 * The name of the event that reports a payment window's result.
 */
const RESULT_EVENT = 'payhost://result';
/**
 * 결제 창을 엽니다. `url`(가맹점의 결제 페이지)을 새 결제 창에 불러오고, 그 창의 라벨을
 * 돌려줍니다. 결과는 {@link onResult}로 받습니다. 결제 창은 capability가 없는 원격
 * 페이지이므로 이 함수는 앱의 로컬 화면에서만 부를 수 있습니다.
 *
 * Opens a payment window: loads `url` (the merchant's payment page) in a new payment
 * window and resolves to that window's label. Its result arrives through
 * {@link onResult}. The payment window is a remote page with no capability, so only
 * the app's own local UI can call this.
 *
 * @param url 결제 페이지 URL / The payment page's URL.
 * @param options 창 제목 등 / The window title, ….
 * @returns 새 결제 창 / The new payment window.
 *
 * @example
 * ```ts
 * import { openPayment } from 'tauri-plugin-payhost-api'
 * const { label } = await openPayment('https://shop.example/pay', { title: '결제' })
 * ```
 */
async function openPayment(url, options = {}) {
    const args = { url };
    if (options.title !== undefined) {
        args.title = options.title;
    }
    return await core.invoke('plugin:payhost|open_payment', args);
}
/**
 * 결제 창의 결과(`payhost://result` 이벤트)를 받습니다. 돌려받은 함수를 부르면 더 받지
 * 않습니다. 로컬 창의 capability가 `core:event:allow-listen`을 허용해야 합니다.
 *
 * Receives the payment windows' results (the `payhost://result` event). Call the
 * returned function to stop receiving them. The local window's capability must grant
 * `core:event:allow-listen`.
 *
 * @param handler 결과마다 불리는 함수 / Called with each result.
 * @returns 구독을 끝내는 함수 / A function that ends the subscription.
 *
 * @example
 * ```ts
 * import { onResult } from 'tauri-plugin-payhost-api'
 * const unlisten = await onResult((result) => {
 *   if (result.kind === 'returned') console.log(result.merchantUid)
 * })
 * unlisten()
 * ```
 */
async function onResult(handler) {
    return await event.listen(RESULT_EVENT, (event) => {
        handler(event.payload);
    });
}
/**
 * 흐름 기록(탐색, 앱 실행, 대체 경로, 딥 링크 …)을 읽습니다. QA 화면 같은 앱의 로컬
 * 화면을 위한 것이며, 결제 창(capability가 없는 원격 페이지)에서는 거부됩니다.
 *
 * Reads the flow log (navigations, app launches, fallbacks, deep links, …). Meant for
 * the app's own local UI such as the QA panel; refused in the payment window (a remote
 * page with no capability).
 *
 * @returns 흐름 기록 / The flow log entries.
 */
async function flowLog() {
    return await core.invoke('plugin:payhost|flow_log');
}

exports.RESULT_EVENT = RESULT_EVENT;
exports.flowLog = flowLog;
exports.onResult = onResult;
exports.openPayment = openPayment;
