// Return links on iOS: every URL of our scheme reaches Rust as `absoluteString`, and
// tao never sees it. tao parses what it receives with `url::Url`, which rejects
// return links such as `myapp://://https://…`: `application:openURL:options:`
// unwraps the parse and panics (tao@0.37.2:src/platform_impl/ios/view.rs
// handle_deep_link), `scene:openURLContexts:` logs and drops it (scene.rs
// TaoSceneDelegate scene_openURLContexts).
//
// Lifecycle. tao starts UIKit with `UIApplicationMain(0, NULL, nil, "AppDelegate")`
// (tao@0.37.2:src/platform_impl/ios/event_loop.rs EventLoop::run). `AppDelegate` is an
// Objective-C class tao builds at run time (view.rs create_delegate_class, called
// from EventLoop::new), with `application:didFinishLaunchingWithOptions:` and
// `application:openURL:options:`; the same function registers the scene delegate
// class `TaoSceneDelegate` (scene.rs), which `application:configurationForConnecting
// SceneSession:options:` hands to UIKit. tao runs on scenes only when Info.plist has
// a `UIApplicationSceneManifest` (scene.rs scene_lifecycle_enabled, app_state.rs
// did_finish_launching). Our Info.ios.plist, which tauri-cli merges into the
// generated `gen/apple/<app>_iOS/Info.plist`, declares none; tauri-cli's template
// itself is not in this repository or the cargo registry, so the generated project
// is expected to run the app-delegate lifecycle but that is not verified here. Both
// lifecycles are covered, so it does not matter which one runs:
// - app delegate: cold start = `launchOptions[.url]` in didFinishLaunching, then the
//   same URL again through `application:openURL:options:`; warm = openURL only.
// - scenes: cold start = `connectionOptions.urlContexts` in
//   `scene:willConnectToSession:options:` (tao's app_state.rs connect_scene never
//   reads it), warm = `scene:openURLContexts:`, both instead of the app delegate's
//   openURL
//   (https://developer.apple.com/documentation/xcode/defining-a-custom-url-scheme-for-your-app).
//
// Timing. Tauri initializes plugins in `Builder::build`, after creating the runtime
// (tauri@2.12.5:src/app.rs Builder::build: `R::new` → tao EventLoop::new, then
// `initialize_plugins`), on the main thread (tao asserts EventLoop::new runs there).
// With no webview yet, `register_ios_plugin` calls `initPlugin()` and then
// `register_plugin` directly (tauri@2.12.5:src/plugin/mobile.rs), which stores the
// plugin config (mobile/ios-api/Sources/Tauri/Tauri.swift PluginManager.load →
// setConfig). `UIApplicationMain` runs only later, in `App::run`. So the hooks below
// are installed before UIKit delivers anything, the config is readable before the
// first URL, and `UIApplication.shared` does not exist yet (not touched here).
// Tauri's app setup runs inside tao's first event, i.e. inside didFinishLaunching
// (app-delegate lifecycle) or inside the first willConnectToSession (scenes)
// (tao app_state.rs on_app_ready → NewEvents(Init); tauri-runtime-wry@2.12.3:src/lib.rs
// handle_event_loop → RunEvent::Ready; tauri src/app.rs make_run_event_loop_callback
// → setup). The hooks record the cold-start link BEFORE calling tao's original, so a
// `launchLink` call from the app's setup finds it; a call from plugin setup (before
// UIApplicationMain) cannot.

import Foundation
import ObjectiveC
import Tauri
import UIKit

/// `plugins.payhost` in tauri.conf.json.
struct PayhostConfig: Decodable {
  let appScheme: String?
}

final class ReturnLinks {
  static let shared = ReturnLinks()

  // UIKit callbacks run on the main thread, plugin commands on Tauri's "ipc" queue
  // (Tauri.swift PluginManager.invoke); one lock orders them. Links are sent while
  // it is held so that queued links always precede newer ones.
  private let lock = NSLock()
  private var channel: Channel?
  private var queued: [String] = []
  private var launchTimeLink: String?
  private var launchLinkTaken = false
  private var schemes: Set<String>?
  private weak var plugin: Plugin?

  private static func send(_ raw: String, on channel: Channel) {
    let payload: JsonObject = ["url": raw]
    channel.send(payload)
  }

  // MARK: commands (ipc queue)

  func register(_ handler: Channel) {
    lock.lock()
    defer { lock.unlock() }
    channel = handler
    for raw in queued {
      ReturnLinks.send(raw, on: handler)
    }
    queued.removeAll()
  }

  /// The cold-start link, once: the one recorded at launch, else the oldest queued.
  func takeLaunchLink() -> String? {
    lock.lock()
    defer { lock.unlock() }
    launchLinkTaken = true
    if let raw = launchTimeLink {
      launchTimeLink = nil
      return raw
    }
    return queued.isEmpty ? nil : queued.removeFirst()
  }

  // MARK: UIKit (main thread)

  /// A link of our scheme. One that came with the launch is kept for `launchLink`
  /// until that has been asked once; after that, and for every other link: the
  /// channel, or the queue until Rust registers one.
  private func arrived(_ raw: String, atLaunch: Bool) {
    lock.lock()
    defer { lock.unlock() }
    if atLaunch && !launchLinkTaken && launchTimeLink == nil {
      launchTimeLink = raw
    } else if let channel = channel {
      ReturnLinks.send(raw, on: channel)
    } else {
      queued.append(raw)
    }
  }

  /// Compares the text before the first `:` with our schemes, ignoring case (URL
  /// schemes are case-insensitive, RFC 3986 §3.1).
  private func isOurs(_ raw: String) -> Bool {
    guard let colon = raw.firstIndex(of: ":") else { return false }
    let scheme = raw[..<colon].lowercased()
    lock.lock()
    defer { lock.unlock() }
    if schemes == nil {
      schemes = loadSchemes()
    }
    return schemes?.contains(scheme) ?? false
  }

  /// `plugins.payhost.appScheme`; without it (the section is absent, so the config
  /// is `null`, or it has no `appScheme`) every scheme of the app's own
  /// `CFBundleURLTypes`, which the deep-link plugin fills with our scheme only.
  private func loadSchemes() -> Set<String> {
    if let config = try? plugin?.parseConfig(PayhostConfig.self),
      let scheme = config.appScheme, !scheme.isEmpty
    {
      return [scheme.lowercased()]
    }
    var found = Set<String>()
    let types = Bundle.main.object(forInfoDictionaryKey: "CFBundleURLTypes") as? [[String: Any]]
    for entry in types ?? [] {
      for scheme in entry["CFBundleURLSchemes"] as? [String] ?? [] {
        found.insert(scheme.lowercased())
      }
    }
    return found
  }

  // MARK: hooks

  // A static `let` is initialized once (dispatch_once), so the hooks are too.
  private static let hooks: Void = {
    ReturnLinks.installAppDelegateHooks()
    ReturnLinks.installSceneDelegateHooks()
  }()

  /// From `initPlugin()`; installs the hooks once.
  func install(plugin: Plugin) {
    self.plugin = plugin
    _ = ReturnLinks.hooks
  }

  /// Replaces the implementation of `selector` on `cls` with the IMP `make` builds
  /// around the previous one (tao defines these methods on its own classes, so no
  /// superclass is touched). The IMPs come from `imp_implementationWithBlock`, which
  /// copies the block and calls it without `_cmd` (objc/runtime.h); the block is
  /// passed as in Tauri.swift PluginManager.invoke (`unsafeBitCast(block, to:
  /// AnyObject.self)`).
  private static func hook(_ cls: AnyClass, _ selector: Selector, _ make: (IMP) -> IMP) {
    guard let method = class_getInstanceMethod(cls, selector) else {
      Tauri.Logger.error("payhost: \(cls) has no \(selector); its links go to tao")
      return
    }
    _ = method_setImplementation(method, make(method_getImplementation(method)))
  }

  private static func installAppDelegateHooks() {
    guard let cls = NSClassFromString("AppDelegate") else {
      Tauri.Logger.error("payhost: no AppDelegate class; return links go to tao")
      return
    }

    // The URL the app was launched for
    // (https://developer.apple.com/documentation/uikit/uiapplication/launchoptionskey/url).
    // tao's implementation ignores the options and answers YES, so UIKit then also
    // calls openURL with the same URL
    // (https://developer.apple.com/documentation/uikit/uiapplicationdelegate/application(_:open:options:)):
    // that second copy goes to the channel, for Rust to drop as a duplicate.
    typealias DidFinish = @convention(c) (AnyObject, Selector, AnyObject, NSDictionary?) -> ObjCBool
    let didFinishSelector = NSSelectorFromString("application:didFinishLaunchingWithOptions:")
    hook(cls, didFinishSelector) { imp -> IMP in
      let original = unsafeBitCast(imp, to: DidFinish.self)
      let block: @convention(block) (AnyObject, AnyObject, NSDictionary?) -> ObjCBool = {
        this, application, options in
        let key = UIApplication.LaunchOptionsKey.url.rawValue
        if let url = options?.object(forKey: key) as? NSURL, let raw = url.absoluteString,
          ReturnLinks.shared.isOurs(raw)
        {
          ReturnLinks.shared.arrived(raw, atLaunch: true)
        }
        return original(this, didFinishSelector, application, options)
      }
      return imp_implementationWithBlock(unsafeBitCast(block, to: AnyObject.self))
    }

    // Our scheme is answered here (YES: handled) and never reaches tao's
    // handle_deep_link; any other URL goes to tao's implementation unchanged.
    typealias OpenURL = @convention(c) (AnyObject, Selector, AnyObject, NSURL, NSDictionary?) -> ObjCBool
    let openSelector = NSSelectorFromString("application:openURL:options:")
    hook(cls, openSelector) { imp -> IMP in
      let original = unsafeBitCast(imp, to: OpenURL.self)
      let block: @convention(block) (AnyObject, AnyObject, NSURL, NSDictionary?) -> ObjCBool = {
        this, application, url, options in
        if let raw = url.absoluteString, ReturnLinks.shared.isOurs(raw) {
          ReturnLinks.shared.arrived(raw, atLaunch: false)
          return ObjCBool(true)
        }
        return original(this, openSelector, application, url, options)
      }
      return imp_implementationWithBlock(unsafeBitCast(block, to: AnyObject.self))
    }
  }

  private static func installSceneDelegateHooks() {
    guard let cls = NSClassFromString("TaoSceneDelegate") else {
      Tauri.Logger.error("payhost: no TaoSceneDelegate class; scene return links go to tao")
      return
    }

    // Cold start on scenes: the URL is in the connection options only
    // (https://developer.apple.com/documentation/uikit/uisceneconnectionoptions/urlcontexts).
    // tao's connect_scene ignores them, so the options are passed on as they are.
    typealias WillConnect = @convention(c) (
      AnyObject, Selector, AnyObject, AnyObject, UISceneConnectionOptions
    ) -> Void
    let connectSelector = NSSelectorFromString("scene:willConnectToSession:options:")
    hook(cls, connectSelector) { imp -> IMP in
      let original = unsafeBitCast(imp, to: WillConnect.self)
      let block: @convention(block) (AnyObject, AnyObject, AnyObject, UISceneConnectionOptions) -> Void = {
        this, scene, session, options in
        for context in options.urlContexts {
          let raw = context.url.absoluteString
          if ReturnLinks.shared.isOurs(raw) {
            ReturnLinks.shared.arrived(raw, atLaunch: true)
          }
        }
        original(this, connectSelector, scene, session, options)
      }
      return imp_implementationWithBlock(unsafeBitCast(block, to: AnyObject.self))
    }

    // Warm links on scenes: ours are taken out; tao gets the others, or the untouched
    // set when none is ours.
    typealias OpenContexts = @convention(c) (AnyObject, Selector, AnyObject, NSSet) -> Void
    let contextsSelector = NSSelectorFromString("scene:openURLContexts:")
    hook(cls, contextsSelector) { imp -> IMP in
      let original = unsafeBitCast(imp, to: OpenContexts.self)
      let block: @convention(block) (AnyObject, AnyObject, NSSet) -> Void = {
        this, scene, contexts in
        let others = NSMutableSet()
        for case let context as UIOpenURLContext in contexts {
          let raw = context.url.absoluteString
          if ReturnLinks.shared.isOurs(raw) {
            ReturnLinks.shared.arrived(raw, atLaunch: false)
          } else {
            others.add(context)
          }
        }
        if others.count == contexts.count {
          original(this, contextsSelector, scene, contexts)
        } else if others.count > 0 {
          original(this, contextsSelector, scene, others)
        }
      }
      return imp_implementationWithBlock(unsafeBitCast(block, to: AnyObject.self))
    }
  }
}
