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

import { flowLog, onResult, openPayment } from './index'

/**
 * `window.__TAURI_PLUGIN_PAYHOST__`의 모양입니다.
 *
 * The shape of `window.__TAURI_PLUGIN_PAYHOST__`.
 */
export interface PayhostGlobal {
  /** {@link openPayment} */
  readonly openPayment: typeof openPayment
  /** {@link onResult} */
  readonly onResult: typeof onResult
  /** {@link flowLog} */
  readonly flowLog: typeof flowLog
}

declare global {
  interface Window {
    /**
     * tauri-plugin-payhost의 함수들입니다(`dist-js/index.iife.js`가 정의).
     *
     * tauri-plugin-payhost's functions (defined by `dist-js/index.iife.js`).
     */
    __TAURI_PLUGIN_PAYHOST__: PayhostGlobal
    /**
     * `app.withGlobalTauri`가 켜졌을 때 Tauri가 정의하는 전역입니다.
     *
     * The global Tauri defines when `app.withGlobalTauri` is on.
     */
    __TAURI__?: Record<string, unknown>
  }
}

const api: PayhostGlobal = Object.freeze({ openPayment, onResult, flowLog })
window.__TAURI_PLUGIN_PAYHOST__ = api
if (window.__TAURI__ !== undefined) {
  Object.defineProperty(window.__TAURI__, 'payhost', { value: api, enumerable: true })
}
