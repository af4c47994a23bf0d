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
import { type UnlistenFn } from '@tauri-apps/api/event';
export type { UnlistenFn };
/**
 * 결제 창의 결과를 알리는 이벤트 이름입니다.
 *
 * The name of the event that reports a payment window's result.
 */
export declare const RESULT_EVENT = "payhost://result";
/**
 * {@link openPayment}의 선택 사항입니다.
 *
 * The options of {@link openPayment}.
 */
export interface OpenPaymentOptions {
    /**
     * 결제 창의 제목입니다. 없으면 플러그인이 정합니다.
     *
     * The payment window's title; the plugin picks one when absent.
     */
    title?: string;
}
/**
 * 새로 연 결제 창입니다.
 *
 * A payment window just opened.
 */
export interface PaymentWindow {
    /**
     * 결제 창 웹뷰의 라벨입니다. {@link PaymentResult.window}와 같은 값입니다.
     *
     * The label of the payment window's webview; the same value as
     * {@link PaymentResult.window}.
     */
    label: string;
}
/**
 * 결제 창이 끝난 방식입니다.
 *
 * - `"returned"`: 복귀 링크를 받아 그 이어갈 URL(가맹점의 복귀 페이지)을 결제 창에 불러왔습니다.
 * - `"resumed"`: 앱이 다시 시작된 뒤 남아 있던 결제를 이어 갔습니다.
 * - `"launch-failed"`: 결제 앱을 열지 못했고 대체 경로(브라우저 대체 URL, 스토어)도 실패했습니다.
 * - `"rejected"`: 복귀 링크의 이어갈 URL이 허용 목록에 없어 불러오지 않았습니다.
 *
 * How a payment window ended.
 *
 * - `"returned"`: a return link came and the URL it continues at (the merchant's return
 *   page) was loaded in the payment window.
 * - `"resumed"`: a payment left pending was resumed after the app restarted.
 * - `"launch-failed"`: the payment app could not be opened and the fallbacks (the
 *   browser fallback URL, the store) failed too.
 * - `"rejected"`: the URL a return link continues at is not allowlisted, so it was not
 *   loaded.
 */
export type PaymentResultKind = 'returned' | 'resumed' | 'launch-failed' | 'rejected';
/**
 * `payhost://result` 이벤트의 내용입니다. 결제 성공 여부가 아닙니다: 성공은 가맹점 서버가
 * iamport REST API로 `status == paid`와 금액을 확인해 결정합니다.
 *
 * The payload of the `payhost://result` event. It is not whether the payment succeeded:
 * the merchant server decides that by checking `status == paid` and the amount through
 * the iamport REST API.
 */
export interface PaymentResult {
    /**
     * 결제 창이 끝난 방식입니다.
     *
     * How the payment window ended.
     */
    kind: PaymentResultKind;
    /**
     * 관련된 URL(복귀 URL, 거부된 링크 등)입니다. 없으면 `null`입니다.
     *
     * The URL involved (the return URL, the refused link, …), or `null`.
     */
    url: string | null;
    /**
     * URL에서 읽은 가맹점 주문 번호(`merchant_uid`)입니다. 없으면 `null`입니다.
     *
     * The merchant's order id (`merchant_uid`) read from the URL, or `null`.
     */
    merchantUid: string | null;
    /**
     * URL에서 읽은 iamport 결제 번호(`imp_uid`)입니다. 없으면 `null`입니다.
     *
     * The iamport payment id (`imp_uid`) read from the URL, or `null`.
     */
    impUid: string | null;
    /**
     * 결제 창 웹뷰의 라벨입니다({@link PaymentWindow.label}).
     *
     * The label of the payment window's webview ({@link PaymentWindow.label}).
     */
    window: string;
}
/**
 * 흐름 기록 한 줄의 단계입니다.
 *
 * - `"start"`: payhost가 시작했습니다(시작 페이지와 함께).
 * - `"navigation"`: 탐색 하나와 정책의 결정입니다.
 * - `"launch"`: 앱 또는 스토어 링크를 실행기에 넘겼습니다.
 * - `"launch-failed"`: 실행기가 열지 못했습니다.
 * - `"fallback"`: 실행 실패 뒤 시도한 대체 경로입니다.
 * - `"notice"`: 앱이 없다고 알렸거나 탐색을 막았습니다.
 * - `"deep-link"`: 복귀 딥 링크와 그 처리입니다.
 * - `"pending"`: 진행 중 결제 기록을 쓰거나 지웠습니다.
 * - `"resume"`: 재시작 뒤 결제 이어가기를 제안했거나 이어 갔습니다.
 * - `"popup"`: 팝업 창입니다.
 * - `"load-error"`: 페이지를 불러오지 못했습니다.
 * - `"page-load"`: 페이지를 다 불러왔습니다.
 *
 * The step of one flow log entry.
 *
 * - `"start"`: payhost started (with its start page).
 * - `"navigation"`: a navigation and the policy's decision.
 * - `"launch"`: an app or store link handed to the launcher.
 * - `"launch-failed"`: the launcher could not open it.
 * - `"fallback"`: a fallback tried after a failed launch.
 * - `"notice"`: the buyer was told an app is missing, or a navigation was blocked.
 * - `"deep-link"`: a return deep link and its action.
 * - `"pending"`: the pending-payment record was written or cleared.
 * - `"resume"`: payhost offered to resume, or resumed, a payment after a restart.
 * - `"popup"`: a popup window.
 * - `"load-error"`: a page failed to load.
 * - `"page-load"`: a page finished loading.
 */
export type Step = 'start' | 'navigation' | 'launch' | 'launch-failed' | 'fallback' | 'notice' | 'deep-link' | 'pending' | 'resume' | 'popup' | 'load-error' | 'page-load';
/**
 * 흐름 기록의 한 줄입니다.
 *
 * One entry of the flow log.
 */
export interface FlowEvent {
    /**
     * payhost가 시작한 뒤 지난 시간(밀리초)입니다.
     *
     * Milliseconds since payhost started.
     */
    at_ms: number;
    /**
     * 단계입니다.
     *
     * The step.
     */
    step: Step;
    /**
     * 일어난 일입니다. URL은 가려져 있습니다(결제 URL의 쿼리에는 토큰이 있습니다).
     *
     * What happened, with redacted URLs (payment URLs carry tokens in their queries).
     */
    detail: string;
}
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
export declare function openPayment(url: string, options?: OpenPaymentOptions): Promise<PaymentWindow>;
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
export declare function onResult(handler: (result: PaymentResult) => void): Promise<UnlistenFn>;
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
export declare function flowLog(): Promise<FlowEvent[]>;
