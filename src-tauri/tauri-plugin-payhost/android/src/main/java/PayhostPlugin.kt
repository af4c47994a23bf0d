// payhost's Android launcher. Kept as small as it can be: the decision (what to
// open, which fallbacks) is payhost-core's, in Rust; this file only opens what it is
// given and reports whether an app took it, and hands every VIEW link the activity
// receives to Rust as the exact string (Rust filters by scheme and parses it itself:
// `url::Url` rejects return links such as `myapp://://https://…`).

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
import app.tauri.plugin.Channel
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin
import org.json.JSONObject

@InvokeArg
class LaunchArgs {
    lateinit var url: String
    var intent: String? = null
}

@InvokeArg
class RegisterReturnListenerArgs {
    lateinit var handler: Channel
}

@TauriPlugin
class PayhostPlugin(private val activity: Activity) : Plugin(activity) {
    // No lock: commands and activity callbacks all run on the main thread. Rust's
    // `run_mobile_plugin` goes through `run_on_android_context`
    // (tauri@2.12.5:src/plugin/mobile.rs run_command), i.e. wry's main pipe, which is
    // read on the looper of the thread that created the first activity
    // (wry@0.57.1:src/android/binding.rs onFirstActivityCreateWry); `onNewIntent` is
    // an Activity callback (tauri@2.12.5:mobile/android-codegen/TauriActivity.kt).
    private var returnChannel: Channel? = null
    private val queuedLinks = ArrayList<String>()
    private var launchLinkTaken = false

    // The actions tauri-plugin-deep-link@2.6.3 accepts
    // (android/src/main/java/DeepLinkPlugin.kt isViewIntent; the second is ChromeOS).
    private fun viewLink(intent: Intent): String? {
        val action = intent.action
        if (action != Intent.ACTION_VIEW && action != "org.chromium.arc.intent.action.VIEW") {
            return null
        }
        // Intent.getDataString: the data URI as its encoded string, i.e. what the
        // sender put in, not re-parsed
        // (https://developer.android.com/reference/android/content/Intent#getDataString()).
        return intent.dataString
    }

    private fun sendLink(channel: Channel, raw: String) {
        channel.send(JSObject().put("url", raw))
    }

    // Rust registers its channel once; links that came before it are sent now, in order.
    @Command
    fun registerReturnListener(invoke: Invoke) {
        val args = invoke.parseArgs(RegisterReturnListenerArgs::class.java)
        returnChannel = args.handler
        for (raw in queuedLinks) {
            sendLink(args.handler, raw)
        }
        queuedLinks.clear()
        invoke.resolve()
    }

    // The link the activity was started with, once. TauriActivity never calls
    // setIntent (tauri@2.12.5:mobile/android-codegen/TauriActivity.kt onNewIntent), so
    // `activity.intent` stays the launch intent for the activity's whole life.
    @Command
    fun launchLink(invoke: Invoke) {
        val intent: Intent? = activity.intent
        var raw: String? = null
        if (!launchLinkTaken && intent != null &&
            // Set by the system when the activity is launched from history (recents);
            // the intent is then the task's original one, and its return link is old
            // (https://developer.android.com/reference/android/content/Intent#FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY).
            (intent.flags and Intent.FLAG_ACTIVITY_LAUNCHED_FROM_HISTORY) == 0
        ) {
            raw = viewLink(intent)
        }
        launchLinkTaken = true
        // org.json drops a key put with a null value; JSONObject.NULL writes `null`.
        invoke.resolve(JSObject().put("url", raw ?: JSONObject.NULL))
    }

    // A link for the running activity (launchMode singleTask/singleTop,
    // https://developer.android.com/reference/android/app/Activity#onNewIntent(android.content.Intent)),
    // passed on by tauri@2.12.5:mobile/android-codegen/TauriActivity.kt onNewIntent →
    // mobile/android/src/main/java/app/tauri/plugin/PluginManager.kt onNewIntent →
    // Plugin.kt onNewIntent(intent: Intent). Every scheme is forwarded; Rust ignores
    // the ones that are not ours.
    override fun onNewIntent(intent: Intent) {
        val raw = viewLink(intent) ?: return
        val channel = returnChannel
        if (channel != null) {
            sendLink(channel, raw)
        } else {
            queuedLinks.add(raw)
        }
    }

    override fun load(webView: WebView) {
        super.load(webView)
        val cookies = CookieManager.getInstance()
        cookies.setAcceptCookie(true)
        // Card-company and PG steps run in third-party iframes that keep their session
        // in cookies (AND, BP, the LEG samples and the NICE manual all turn this on;
        // SmilePay fails without it: FL; short names of docs/sources.md).
        cookies.setAcceptThirdPartyCookies(webView, true)
        // Some card-company pages still load http resources inside https PG pages;
        // COMPATIBILITY (not ALWAYS_ALLOW) lets images/media through and keeps
        // blockable content blocked (the NICE manual and LEG need mixed content).
        webView.settings.mixedContentMode = WebSettings.MIXED_CONTENT_COMPATIBILITY_MODE
        // LOAD_DEFAULT: the NICE manual warns LOAD_CACHE_ELSE_NETWORK breaks card
        // sessions, and the KakaoPay "아직 결제가 완료되지 않았습니다" bug came from
        // stale cached pages (iamport/iamport-capacitor#15, fixed by
        // iamport/iamport-capacitor#48).
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
            // when the payment app finishes (AND and the LEG samples call
            // activity.startActivity the same way; PRN's "use startActivityAsync on
            // android", portone-io/react-native-sdk commit 9b70f38).
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
