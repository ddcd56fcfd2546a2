// swift-tools-version:6.1
import PackageDescription

// Module map and one-way dependencies: see ../shared/ARCHITECTURE.md (copied in README.md).
let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let coreMetrics = Target.Dependency.product(name: "CoreMetrics", package: "swift-metrics")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
// PBKDF2 (SCRAM's Hi function) lives in swift-crypto's _CryptoExtras, backed by BoringSSL.
let cryptoExtras = Target.Dependency.product(name: "_CryptoExtras", package: "swift-crypto")
// TLS for listeners and for the broker's own client connections (BoringSSL inside; no system OpenSSL needed).
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
// TLSUserEvent: the handshake's completion, after which a connection's certificate is known.
let nioTLS = Target.Dependency.product(name: "NIOTLS", package: "swift-nio")
// The client certificate's subject, as the SSL principal (Kafka's `User:CN=...,O=...`).
let x509 = Target.Dependency.product(name: "X509", package: "swift-certificates")
// DER/BER reading for the subject DN's raw values (Java prints unknown attributes as #hex) and PKCS#12 checks.
let asn1 = Target.Dependency.product(name: "SwiftASN1", package: "swift-asn1")
// The purgatory's expiration reaper keeps its deadlines in a heap.
let heap = Target.Dependency.product(name: "HeapModule", package: "swift-collections")

let package = Package(
    name: "Gregor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gregor-server", targets: ["gregor-server"]),
        .executable(name: "gregor", targets: ["gregor"]),
        .executable(name: "gregor-protocol-gen", targets: ["gregor-protocol-gen"]),
        .executable(name: "gregor-fuzz", targets: ["gregor-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
    ],
    targets: [
        // Debian's libzookeeper-mt-dev; no pkg-config file exists, the modulemap links by name.
        .systemLibrary(name: "CZooKeeper", path: "Sources/CZooKeeper"),
        .target(name: "ZooKeeper", dependencies: ["CZooKeeper", log]),
        // CRC-32C with the SSE4.2 instruction where the CPU has it (record batches are checksummed on every append).
        .target(name: "CCRC32C", path: "Sources/CCRC32C"),
        // Kafka's four compression codecs over Debian's C libraries; only consumers of records (the client, ListOffsets
        // by timestamp, tests) decompress: the broker stores compressed batches as they came.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .target(
            name: "KafkaProtocol",
            dependencies: ["CCRC32C", "CZlib", "CLZ4", "CZstd", "CSnappy", nioCore, crypto, cryptoExtras],
            exclude: ["Schema"]),
        // Schema text in, Swift text out: the message codecs in KafkaProtocol/Messages/Generated come from it.
        .target(name: "KafkaProtocolGenerator"),
        .executableTarget(name: "gregor-protocol-gen", dependencies: ["KafkaProtocolGenerator"]),
        // A structure-aware fuzzer for the broker's wire protocol (requests built from the schemas, then damaged).
        .target(name: "GregorFuzz", dependencies: ["KafkaProtocolGenerator", "KafkaProtocol"]),
        .executableTarget(name: "gregor-fuzz", dependencies: ["GregorFuzz", argumentParser]),
        // fallocate(FALLOC_FL_KEEP_SIZE), a GNU extension Swift's Glibc module leaves out (segments allocate ahead).
        .target(name: "CFileSpace", path: "Sources/CFileSpace"),
        .target(name: "Storage", dependencies: ["KafkaProtocol", "CFileSpace", nioCore, log]),
        .target(name: "KafkaClient", dependencies: ["KafkaProtocol", nioCore, nioPosix, nioSSL, nioTLS, asn1, log]),
        .target(name: "Coordination", dependencies: ["ZooKeeper", "KafkaProtocol", log]),
        .target(
            name: "Broker",
            dependencies: [
                "Coordination", "Storage", "KafkaProtocol", "KafkaClient", "ZooKeeper", nioCore, nioPosix, nioHTTP1, log,
                lifecycle, coreMetrics, prometheus, nioSSL, nioTLS, x509, asn1, heap, "CMalloc",
            ]),
        .executableTarget(name: "gregor-server", dependencies: ["Broker", "Storage", log, lifecycle, argumentParser]),
        .executableTarget(
            name: "gregor",
            dependencies: [
                "Broker", "Coordination", "Storage", "KafkaProtocol", "KafkaClient", "ZooKeeper", nioCore, log, argumentParser,
            ]),

        // A fake Kafka broker (canned answers over real TCP) for tests of code that talks to brokers; not a product.
        .target(
            name: "KafkaTestSupport", dependencies: ["KafkaProtocol", nioCore, nioPosix], path: "Tests/KafkaTestSupport"),
        // Fixtures that start real ZooKeeper servers and real broker processes; not a product.
        .target(name: "GregorTestSupport", dependencies: [log], path: "Tests/GregorTestSupport"),
        // A child process for crash tests: appends to a log until it is killed with SIGKILL.
        .executableTarget(
            name: "StorageCrashWorker", dependencies: ["Storage", "KafkaProtocol", nioCore], path: "Tests/StorageCrashWorker"),

        .testTarget(name: "ZooKeeperTests", dependencies: ["ZooKeeper", "GregorTestSupport"]),
        .testTarget(
            name: "KafkaProtocolTests",
            dependencies: [
                "KafkaProtocol", "KafkaProtocolGenerator", nioCore,
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: [
                "KafkaClient", "KafkaProtocol", "KafkaTestSupport", "GregorTestSupport", nioCore, nioPosix, log, nioSSL,
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "KafkaProtocol", nioCore, "GregorTestSupport"]),
        .testTarget(name: "CoordinationTests", dependencies: ["Coordination", "ZooKeeper", "GregorTestSupport"]),
        .testTarget(
            name: "BrokerTests",
            dependencies: [
                "Broker", "Coordination", "KafkaProtocol", "Storage", "ZooKeeper", "GregorTestSupport", "KafkaTestSupport",
                nioCore, nioPosix, log, nioSSL, x509, asn1,
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Coordination", "Storage", "ZooKeeper", "KafkaClient", "KafkaProtocol", "GregorTestSupport", "GregorFuzz",
            ]
        ),
        .testTarget(name: "GregorFuzzTests", dependencies: ["GregorFuzz", "KafkaProtocol", nioCore]),
    ]
)
