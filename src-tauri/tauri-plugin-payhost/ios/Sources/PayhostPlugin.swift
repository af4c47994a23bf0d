// payhost's iOS launcher: opens the URL payhost-core chose and reports whether an
// app took it. The decision and the App Store fallback are Rust's.

import SwiftRs
import Tauri
import UIKit
import WebKit

struct LaunchArgs: Decodable {
  let url: String
  let intent: String?
}

class PayhostPlugin: Plugin {
  @objc public func launch(_ invoke: Invoke) throws {
    let args = try invoke.parseArgs(LaunchArgs.self)
    guard let url = URL(string: args.url) else {
      invoke.resolve(["status": "failed", "message": "not a URL"])
      return
    }
    // UIKit wants the main queue; plugin commands arrive on a background queue
    // (tauri2.md §1). Not gated on canOpenURL: iOS 15+ answers false for schemes past
    // the 50th LSApplicationQueriesSchemes entry (payment-apps.md §4 item 4); the
    // completion's `opened` is the reliable answer (TOSS, BP, IOS fallback path).
    DispatchQueue.main.async {
      UIApplication.shared.open(url, options: [:]) { opened in
        invoke.resolve(["status": opened ? "launched" : "not_found"])
      }
    }
  }
}

// Public so release builds keep the symbol (shell/opener 2.6/2.7 changelogs).
@_cdecl("init_plugin_payhost")
public func initPlugin() -> Plugin {
  return PayhostPlugin()
}
