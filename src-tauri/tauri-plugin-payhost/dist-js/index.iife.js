// Generated from guest-js/ by `npm run build`; do not edit.
(function () {
    'use strict';

    /******************************************************************************
    Copyright (c) Microsoft Corporation.

    Permission to use, copy, modify, and/or distribute this software for any
    purpose with or without fee is hereby granted.

    THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH
    REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF MERCHANTABILITY
    AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL, DIRECT,
    INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM
    LOSS OF USE, DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR
    OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR
    PERFORMANCE OF THIS SOFTWARE.
    ***************************************************************************** */
    /* global Reflect, Promise, SuppressedError, Symbol, Iterator */


    typeof SuppressedError === "function" ? SuppressedError : function (error, suppressed, message) {
        var e = new Error(message);
        return e.name = "SuppressedError", e.error = error, e.suppressed = suppressed, e;
    };

    /**
     * Stores the callback in a known location, and returns an identifier that can be passed to the backend.
     * The backend uses the identifier to `eval()` the callback.
     *
     * @return An unique identifier associated with the callback function.
     *
     * @since 1.0.0
     */
    function transformCallback(
    // TODO: Make this not optional in v3
    callback, once = false) {
        return window.__TAURI_INTERNALS__.transformCallback(callback, once);
    }
    /**
     * Sends a message to the backend.
     * @example
     * ```typescript
     * import { invoke } from '@tauri-apps/api/core';
     * await invoke('login', { user: 'tauri', password: 'poiwe3h4r5ip3yrhtew9ty' });
     * ```
     *
     * @param cmd The command name.
     * @param args The optional arguments to pass to the command.
     * @param options The request options.
     * @return A promise resolving or rejecting to the backend response.
     *
     * @since 1.0.0
     */
    async function invoke(cmd, args = {}, options) {
        return window.__TAURI_INTERNALS__.invoke(cmd, args, options);
    }

    // Copyright 2019-2024 Tauri Programme within The Commons Conservancy
    // SPDX-License-Identifier: Apache-2.0
    // SPDX-License-Identifier: MIT
    /**
     * The event system allows you to emit events to the backend and listen to events from it.
     *
     * This package is also accessible with `window.__TAURI__.event` when [`app.withGlobalTauri`](https://v2.tauri.app/reference/config/#withglobaltauri) in `tauri.conf.json` is set to `true`.
     *
     * @remarks All commands used by this module (`core:event:allow-listen`,
     * `allow-unlisten`, `allow-emit` and `allow-emit-to`) are part of the
     * `core:event:default` permission set, which is enabled by default, so no extra
     * capability configuration is needed.
     *
     * @module
     */
    /**
     * The built-in event names emitted by Tauri itself.
     *
     * These are the raw names behind the `on*` helpers of the `Window` and `Webview`
     * classes (e.g. `Window.onResized` listens to {@linkcode TauriEvent.WINDOW_RESIZED}).
     * Prefer those helpers when one exists, since they also decode the payload into
     * the matching class (`PhysicalSize`, `PhysicalPosition`, ...).
     *
     * @example
     * ```typescript
     * import { listen, TauriEvent } from '@tauri-apps/api/event';
     * const unlisten = await listen(TauriEvent.WINDOW_DESTROYED, (event) => {
     *   console.log('a window was destroyed', event.payload);
     * });
     * ```
     *
     * @since 1.1.0
     */
    var TauriEvent;
    (function (TauriEvent) {
        /** A window was resized. Payload: the new inner size, in physical pixels. See `Window.onResized`. */
        TauriEvent["WINDOW_RESIZED"] = "tauri://resize";
        /** A window was moved. Payload: the new outer position, in physical pixels. See `Window.onMoved`. */
        TauriEvent["WINDOW_MOVED"] = "tauri://move";
        /**
         * The user requested a window to be closed (e.g. clicked the close button).
         * See `Window.onCloseRequested`, which also handles preventing the close.
         */
        TauriEvent["WINDOW_CLOSE_REQUESTED"] = "tauri://close-requested";
        /** A window was destroyed, i.e. it is gone and its label can be reused. */
        TauriEvent["WINDOW_DESTROYED"] = "tauri://destroyed";
        /** A window gained focus. See `Window.onFocusChanged`. */
        TauriEvent["WINDOW_FOCUS"] = "tauri://focus";
        /** A window lost focus. See `Window.onFocusChanged`. */
        TauriEvent["WINDOW_BLUR"] = "tauri://blur";
        /**
         * The scale factor of the monitor a window is on changed, or the window moved to
         * a monitor with a different scale factor. See `Window.onScaleChanged`.
         */
        TauriEvent["WINDOW_SCALE_FACTOR_CHANGED"] = "tauri://scale-change";
        /** The system or window theme changed. See `Window.onThemeChanged`. */
        TauriEvent["WINDOW_THEME_CHANGED"] = "tauri://theme-changed";
        /** A new window was created. */
        TauriEvent["WINDOW_CREATED"] = "tauri://window-created";
        /**
         * The window's event loop was suspended.
         *
         * #### Platform-specific
         *
         * - **Android:** emitted when the activity is paused.
         * - **Other platforms:** never emitted.
         */
        TauriEvent["WINDOW_SUSPENDED"] = "tauri://suspended";
        /**
         * The window's event loop was resumed after being suspended.
         *
         * #### Platform-specific
         *
         * - **Android:** emitted when the activity is resumed.
         * - **Other platforms:** never emitted.
         */
        TauriEvent["WINDOW_RESUMED"] = "tauri://resumed";
        /** A new webview was created. */
        TauriEvent["WEBVIEW_CREATED"] = "tauri://webview-created";
        /** The user dragged files onto a webview. See `Webview.onDragDropEvent`. */
        TauriEvent["DRAG_ENTER"] = "tauri://drag-enter";
        /** The user is moving dragged files over a webview. See `Webview.onDragDropEvent`. */
        TauriEvent["DRAG_OVER"] = "tauri://drag-over";
        /** The user dropped files onto a webview. See `Webview.onDragDropEvent`. */
        TauriEvent["DRAG_DROP"] = "tauri://drag-drop";
        /** The drag operation left the webview or was cancelled. See `Webview.onDragDropEvent`. */
        TauriEvent["DRAG_LEAVE"] = "tauri://drag-leave";
    })(TauriEvent || (TauriEvent = {}));
    /**
     * Unregister the event listener associated with the given name and id.
     *
     * @ignore
     * @param event The event name
     * @param eventId Event identifier
     * @returns
     */
    async function _unlisten(event, eventId) {
        window.__TAURI_EVENT_PLUGIN_INTERNALS__.unregisterListener(event, eventId);
        await invoke('plugin:event|unlisten', {
            event,
            eventId
        });
    }
    /**
     * Listen to an emitted event to any {@link EventTarget|target}.
     *
     * @example
     * ```typescript
     * import { listen } from '@tauri-apps/api/event';
     * const unlisten = await listen<string>('error', (event) => {
     *   console.log(`Got error, payload: ${event.payload}`);
     * });
     *
     * // call unlisten when your handler goes out of scope e.g. the component is unmounted
     * unlisten();
     * ```
     *
     * @param event Event name. Must include only alphanumeric characters, `-`, `/`, `:` and `_`.
     * @param handler Event handler callback.
     * @param options Event listening options.
     * @returns A promise resolving to a function to unlisten to the event.
     *
     * @remarks Listeners bound to a window or webview are removed automatically when
     * that window or webview is destroyed, so you do not need to unlisten just to
     * avoid leaking across a window close. You should still call the returned
     * function when the listener's own scope ends — for example on page navigation
     * or when a component unmounts — otherwise the handler keeps running for the
     * lifetime of the webview.
     *
     * @since 1.0.0
     */
    async function listen(event, handler, options) {
        var _a;
        const target = ((_a = void 0 ) !== null && _a !== void 0 ? _a : { kind: 'Any' });
        return invoke('plugin:event|listen', {
            event,
            target,
            handler: transformCallback(handler)
        }).then((eventId) => {
            return async () => _unlisten(event, eventId);
        });
    }

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
        return await invoke('plugin:payhost|open_payment', args);
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
        return await listen(RESULT_EVENT, (event) => {
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
        return await invoke('plugin:payhost|flow_log');
    }

    /**
     * `dist-js/index.iife.js`의 진입점입니다: 번들러 없는 로컬 HTML 페이지가 쓰도록 함수들을
     * `window.__TAURI_PLUGIN_PAYHOST__`에 둡니다. 앱이 `app.withGlobalTauri`를 켜면 Tauri가
     * 이 스크립트를 모든 웹뷰에 넣으므로(플러그인의 `build.rs`가 global API 스크립트로 등록)
     * 공식 플러그인처럼 `window.__TAURI__.payhost`로도 쓸 수 있습니다. 켜지 않았다면
     * 페이지가 `<script>`로 불러옵니다.
     *
     * The entry point of `dist-js/index.iife.js`: puts the functions on
     * `window.__TAURI_PLUGIN_PAYHOST__` for a local HTML page without a bundler. With
     * `app.withGlobalTauri` on, Tauri injects this script into every webview (the
     * plugin's `build.rs` declares it as its global API script, read by
     * tauri-codegen@2.7.4:src/context.rs `plugin_global_api_scripts`), so it is also
     * `window.__TAURI__.payhost`, as the official plugins' `api-iife.js` are; without it
     * the page loads it with a `<script>` tag.
     *
     * @module
     */
    const api = Object.freeze({ openPayment, onResult, flowLog });
    window.__TAURI_PLUGIN_PAYHOST__ = api;
    if (window.__TAURI__ !== undefined) {
        Object.defineProperty(window.__TAURI__, 'payhost', { value: api, enumerable: true });
    }

})();
