/**
 * `dist-js/index.iife.js`의 진입점입니다: 번들러 없는 로컬 HTML 페이지가 `<script>`로
 * 불러 쓰도록 함수들을 `window.__TAURI_PLUGIN_PAYHOST__`에 둡니다.
 *
 * The entry point of `dist-js/index.iife.js`: puts the functions on
 * `window.__TAURI_PLUGIN_PAYHOST__` for a local HTML page without a bundler, which
 * loads it with a `<script>` tag.
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
  }
}

const api: PayhostGlobal = Object.freeze({ openPayment, onResult, flowLog })
window.__TAURI_PLUGIN_PAYHOST__ = api
