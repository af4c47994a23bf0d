/**
 * 타입 검사용 사용 예입니다(`npm run typecheck`가 검사하며, 실행되지도 dist-js에 들어가지도
 * 않습니다). 내보낸 것마다 올바른 타입으로 한 번씩 쓰고, 잘못된 문자열은
 * `@ts-expect-error`로 거부되는지 확인합니다.
 *
 * A typed usage sample (checked by `npm run typecheck`, never run, never emitted into
 * dist-js): each export used once with the right types, and wrong strings checked to be
 * refused through `@ts-expect-error` (which itself fails when the line compiles).
 *
 * @module
 */

import {
  flowLog,
  onResult,
  openPayment,
  RESULT_EVENT,
  type FlowEvent,
  type OpenPaymentOptions,
  type PaymentResult,
  type PaymentResultKind,
  type PaymentWindow,
  type Step,
  type UnlistenFn
} from './index'
import type { PayhostGlobal } from './iife'

/**
 * 모든 내보낸 것을 올바른 타입으로 씁니다.
 *
 * Uses every export with its right types.
 */
export async function usesEveryExport(): Promise<string[]> {
  const options: OpenPaymentOptions = { title: '결제 / Payment' }
  const opened: PaymentWindow = await openPayment('https://shop.example/pay', options)
  const bare: PaymentWindow = await openPayment('https://shop.example/pay')
  const labels: string[] = [opened.label, bare.label]

  const unlisten: UnlistenFn = await onResult((result: PaymentResult) => {
    const kind: PaymentResultKind = result.kind
    const url: string | null = result.url
    const merchantUid: string | null = result.merchantUid
    const impUid: string | null = result.impUid
    const window: string = result.window
    labels.push(kind, url ?? '', merchantUid ?? '', impUid ?? '', window)
    // @ts-expect-error: 결과가 결제 성공을 뜻하지는 않습니다 / a result never says "paid"
    if (result.kind === 'paid') labels.push('impossible')
  })
  unlisten()

  const log: FlowEvent[] = await flowLog()
  for (const { at_ms, step, detail } of log) {
    const atMs: number = at_ms
    const known: Step = step
    labels.push(`${atMs} ${known} ${detail}`)
  }

  const event: 'payhost://result' = RESULT_EVENT
  labels.push(event)
  return labels
}

/**
 * 잘못된 값은 컴파일되지 않습니다.
 *
 * Wrong values do not compile.
 */
export function refusesWrongValues(): void {
  // @ts-expect-error: 없는 결과 종류 / not a result kind
  const kind: PaymentResultKind = 'paid'
  // @ts-expect-error: 없는 단계 / not a step (the Rust side writes kebab-case)
  const step: Step = 'deep_link'
  // @ts-expect-error: url은 문자열이어야 합니다 / the URL is a string
  void openPayment(new URL('https://shop.example/pay'))
  // @ts-expect-error: 알 수 없는 선택 사항 / an unknown option
  void openPayment('https://shop.example/pay', { width: 400 })
  void kind
  void step
}

/**
 * IIFE가 정의하는 전역은 모듈과 같은 함수를 같은 타입으로 둡니다.
 *
 * The global the IIFE defines has the module's functions with the same types.
 */
export async function usesTheGlobal(): Promise<PaymentWindow> {
  const global: PayhostGlobal = window.__TAURI_PLUGIN_PAYHOST__
  const [opened, log] = await Promise.all([
    global.openPayment('https://shop.example/pay', { title: '결제' }),
    global.flowLog()
  ])
  const unlisten: UnlistenFn = await global.onResult((result) => {
    void result.impUid
  })
  unlisten()
  void log.length
  return opened
}
