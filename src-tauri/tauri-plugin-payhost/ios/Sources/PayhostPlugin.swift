// payhost's iOS launcher: opens the URL payhost-core chose and reports whether an
// app took it. The decision and the App Store fallback are Rust's. Return links of
// our scheme are taken from UIKit before tao sees them (ReturnLinks.swift, which also
// documents the lifecycle and when each callback runs).

import SwiftRs
import Tauri
import UIKit
import WebKit

struct LaunchArgs: Decodable {
  let url: String
  let intent: String?
}

struct RegisterReturnListenerArgs: Decodable {
  let handler: Channel
}

class PayhostPlugin: Plugin {
  // Characters that may stand unescaped somewhere in a URL (RFC 3986 §2: unreserved,
  // reserved, and `%` so that existing `%XX` escapes survive). `[` `]` are left out:
  // RFC 3986 allows them only around an IPv6 host, which app URLs do not have.
  private static let urlCharacters = CharacterSet(
    charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
      + "-._~:/?#@!$&'()*+,;=%")

  // Before iOS 17, `URL(string:)` parses by RFC 1738/1808 and returns nil for a
  // string with characters that must be percent-escaped (`{ } | ^`, space, non-ASCII);
  // apps linked on or after iOS 17 get RFC 3986 parsing, which escapes them itself
  // (https://developer.apple.com/documentation/foundation/url/init(string:), the
  // "Important" note). Only after a nil does the retry do the same:
  // `addingPercentEncoding(withAllowedCharacters:)` escapes every character outside
  // the set as UTF-8 `%XX`
  // (https://developer.apple.com/documentation/foundation/nsstring/addingpercentencoding(withallowedcharacters:)).
  private static func url(from raw: String) -> URL? {
    if let url = URL(string: raw) {
      return url
    }
    guard let escaped = raw.addingPercentEncoding(withAllowedCharacters: urlCharacters) else {
      return nil
    }
    return URL(string: escaped)
  }

  @objc public func launch(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(LaunchArgs.self)
    guard let url = PayhostPlugin.url(from: args.url) else {
      invoke.resolve(["status": "failed", "message": "not a URL"])
      return
    }
    // UIKit wants the main queue; plugin commands arrive on Tauri's "ipc" queue
    // (tauri@2.12.5:mobile/ios-api/Sources/Tauri/Tauri.swift PluginManager.invoke).
    // Not gated on canOpenURL: apps linked on iOS 15+ get false for schemes past the
    // 50th LSApplicationQueriesSchemes entry
    // (https://developer.apple.com/documentation/uikit/uiapplication/canopenurl(_:));
    // the completion's `opened` is the reliable answer.
    DispatchQueue.main.async {
      UIApplication.shared.open(url, options: [:]) { opened in
        invoke.resolve(["status": opened ? "launched" : "not_found"])
      }
    }
  }

  // Rust's channel for return links; the links that came before it are sent now, in
  // order. Resolves with no data.
  @objc public func registerReturnListener(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(RegisterReturnListenerArgs.self)
    ReturnLinks.shared.register(args.handler)
    invoke.resolve()
  }

  // `{"url": <the cold-start link>}` once, else `{"url": null}`.
  @objc public func launchLink(_ invoke: Invoke) {
    var payload: JsonObject = ["url": NSNull()]
    if let raw = ReturnLinks.shared.takeLaunchLink() {
      payload["url"] = raw
    }
    invoke.resolve(payload)
  }
}

// Public so release builds keep the symbol (shell/opener 2.6/2.7 changelogs). Runs
// before UIApplicationMain (ReturnLinks.swift, "Timing"), so the hooks are in place
// for the very first URL.
@_cdecl("init_plugin_payhost")
public func initPlugin() -> Plugin {
  let plugin = PayhostPlugin()
  ReturnLinks.shared.install(plugin: plugin)
  return plugin
}
