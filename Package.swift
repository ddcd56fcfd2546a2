// swift-tools-version:6.1
import PackageDescription

// Module map and one-way dependencies: see ../shared/ARCHITECTURE.md (copied in README.md).
let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Gregor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gregor-server", targets: ["gregor-server"]),
        .executable(name: "gregor", targets: ["gregor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Debian's libzookeeper-mt-dev; no pkg-config file exists, the modulemap links by name.
        .systemLibrary(name: "CZooKeeper", path: "Sources/CZooKeeper"),
        .target(name: "ZooKeeper", dependencies: ["CZooKeeper", log]),
        .target(name: "Storage", dependencies: [log]),
        .target(name: "Coordination", dependencies: ["ZooKeeper", log]),
        .target(name: "Broker", dependencies: ["Coordination", "Storage", "ZooKeeper", nioCore, nioPosix, log, lifecycle]),
        .executableTarget(name: "gregor-server", dependencies: ["Broker", log, lifecycle, argumentParser]),
        .executableTarget(name: "gregor", dependencies: ["Broker", "Coordination", "ZooKeeper", log, argumentParser]),

        // Fixtures that start real ZooKeeper servers and real broker processes; not a product.
        .target(name: "GregorTestSupport", path: "Tests/GregorTestSupport"),

        .testTarget(name: "ZooKeeperTests", dependencies: ["ZooKeeper", "GregorTestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"]),
        .testTarget(name: "CoordinationTests", dependencies: ["Coordination", "ZooKeeper", "GregorTestSupport"]),
        .testTarget(name: "BrokerTests", dependencies: ["Broker"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Coordination", "ZooKeeper", "GregorTestSupport"]
        ),
    ]
)
