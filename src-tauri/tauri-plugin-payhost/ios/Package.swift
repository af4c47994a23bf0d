// swift-tools-version:5.3

import PackageDescription

let package = Package(
  name: "tauri-plugin-payhost",
  platforms: [
    .iOS(.v13),
  ],
  products: [
    .library(
      name: "tauri-plugin-payhost",
      type: .static,
      targets: ["tauri-plugin-payhost"])
  ],
  dependencies: [
    .package(name: "Tauri", path: "../.tauri/tauri-api")
  ],
  targets: [
    .target(
      name: "tauri-plugin-payhost",
      dependencies: [
        .byName(name: "Tauri")
      ],
      path: "Sources")
  ]
)
