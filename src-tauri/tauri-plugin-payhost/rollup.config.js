// Builds dist-js/ from guest-js/, laid out like the official Tauri plugins
// (tauri-apps/plugins-workspace:shared/rollup.config.js `createConfig`), but standalone:
// - index.js (ESM), index.cjs and index.d.ts for bundlers, with @tauri-apps/api left
//   external (the app's own copy is used);
// - index.iife.js for a plain local HTML page without a bundler: @tauri-apps/api is
//   bundled and the functions land on window.__TAURI_PLUGIN_PAYHOST__ (guest-js/iife.ts).
// Any warning fails the build. The output is committed; `cargo xtask test` rebuilds it
// and fails when it differs (src-tauri/xtask/src/guest_js.rs).

import { readFileSync, rmSync } from 'node:fs'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))

// Start from an empty dist-js/, so an output no longer built does not linger (and the
// stale check sees it deleted).
rmSync(new URL('./dist-js', import.meta.url), { recursive: true, force: true })

const banner = '// Generated from guest-js/ by `npm run build`; do not edit.'

/** @param {import('rollup').RollupLog} warning */
function failOnWarning(warning) {
  throw Object.assign(new Error(warning.message), warning)
}

/** @type {import('rollup').RollupOptions[]} */
export default [
  {
    input: 'guest-js/index.ts',
    output: [
      { file: pkg.exports.import, format: 'esm', banner },
      { file: pkg.exports.require, format: 'cjs', banner }
    ],
    plugins: [
      typescript({
        include: ['guest-js/index.ts'],
        declaration: true,
        declarationDir: 'dist-js'
      })
    ],
    external: [/^@tauri-apps\/api(\/|$)/],
    onwarn: failOnWarning
  },
  {
    input: 'guest-js/iife.ts',
    output: { file: 'dist-js/index.iife.js', format: 'iife', banner },
    plugins: [
      typescript({ include: ['guest-js/index.ts', 'guest-js/iife.ts'] }),
      nodeResolve()
    ],
    onwarn: failOnWarning
  }
]
