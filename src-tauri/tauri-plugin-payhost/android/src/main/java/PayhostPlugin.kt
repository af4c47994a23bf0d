// payhost's Android launcher. Kept as small as it can be: the decision (what to
// open, which fallbacks) is payhost-core's, in Rust; this file only opens what it is
// given and reports whether an app took it.

package app.tauri.payhost

import android.app.Activity
import android.content.ActivityNotFoundException
import android.content.Intent
import android.net.Uri
import android.webkit.CookieManager
import android.webkit.WebSettings
import android.webkit.WebView
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin

@InvokeArg
class LaunchArgs {
    lateinit var url: String
    var intent: String? = null
}

@TauriPlugin
class PayhostPlugin(private val activity: Activity) : Plugin(activity) {

    override fun load(webView: WebView) {
        super.load(webView)
        val cookies = CookieManager.getInstance()
        cookies.setAcceptCookie(true)
        // Card-company and PG steps run in third-party iframes that keep their session
        // in cookies (AND, BP, NICE and LEG samples all turn this on; SmilePay fails
        // without it, payment-apps.md §1 "Cookies / mixed content / cache").
        cookies.setAcceptThirdPartyCookies(webView, true)
        // Some card-company pages still load http resources inside https PG pages;
        // COMPATIBILITY (not ALWAYS_ALLOW) lets images/media through and keeps
        // blockable content blocked (NICE/LEG guides need mixed content).
        webView.settings.mixedContentMode = WebSettings.MIXED_CONTENT_COMPATIBILITY_MODE
        // LOAD_DEFAULT: NICE warns LOAD_CACHE_ELSE_NETWORK breaks card sessions, and the
        // KakaoPay "아직 결제가 완료되지 않았습니다" bug came from stale cached pages
        // (iamport/iamport-capacitor#15, payment-apps.md §4 item 11).
        webView.settings.cacheMode = WebSettings.LOAD_DEFAULT
    }

    @Command
    fun launch(invoke: Invoke) {
        val result = JSObject()
        val intent: Intent
        try {
            val args = invoke.parseArgs(LaunchArgs::class.java)
            val raw = args.intent
            intent = if (raw != null) {
                // Android's own parser, then the standard intent-scheme hardening: only
                // BROWSABLE activities, never an explicit component or a selector.
                Intent.parseUri(raw, Intent.URI_INTENT_SCHEME).apply {
                    addCategory(Intent.CATEGORY_BROWSABLE)
                    component = null
                    selector = null
                }
            } else {
                Intent(Intent.ACTION_VIEW, Uri.parse(args.url))
            }
        } catch (ex: Exception) {
            result.put("status", "failed")
            result.put("message", ex.message ?: "invalid launch arguments")
            invoke.resolve(result)
            return
        }
        try {
            // Started from our activity (same task), so the back stack returns to payhost
            // when the payment app finishes (payment-apps.md §1 notes on launching in the
            // same task).
            activity.startActivity(intent)
            result.put("status", "launched")
        } catch (ex: ActivityNotFoundException) {
            result.put("status", "not_found")
            result.put("message", ex.message ?: "no activity")
        } catch (ex: Exception) {
            result.put("status", "failed")
            result.put("message", ex.message ?: ex.javaClass.simpleName)
        }
        invoke.resolve(result)
    }
}
