// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Cobrand",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cobrand", targets: ["CobrandCLI"]),
        .library(name: "CobrandCore", targets: ["CobrandCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/JohnSundell/Ink", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        /// CLDR plural rules from Debian's ICU (apt: libicu-dev), behind a C interface without ICU types.
        .target(name: "CPluralRules", linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc")]),
        /// libxml2 (apt: libxml2-dev) for SVG logos and XLIFF, behind a C interface without libxml2 types:
        /// Foundation's XMLDocument leaks on Linux, and libxml2's headers clash with Foundation's ICU module.
        /// librsvg and cairo (apt: librsvg2-dev) rasterise SVG logos and artwork for email and social images.
        .systemLibrary(name: "CLibRsvg", pkgConfig: "librsvg-2.0", providers: [.apt(["librsvg2-dev"])]),
        /// libpng (apt: libpng-dev, which librsvg2-dev pulls in) writes the PNGs faster than cairo's own writer.
        .target(name: "CRaster", dependencies: ["CLibRsvg"], linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z"), .linkedLibrary("m")]),
        .target(name: "CXMLTree", cSettings: [.unsafeFlags(["-I/usr/include/libxml2"])], linkerSettings: [.linkedLibrary("xml2")]),
        /// Pure core: model, validation, rendering, bundle assembly. No file system, clock or network.
        .target(
            name: "CobrandCore",
            dependencies: [
                "CPluralRules", "CXMLTree", "CRaster",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Ink", package: "Ink"),
            ]
        ),
        /// File-system adapter: reads a project folder, writes kits atomically.
        .target(
            name: "CobrandFiles",
            dependencies: ["CobrandCore"],
            /// caniemail.com's support data (MIT, its LICENSE beside it) for the email-client check.
            resources: [.copy("Resources/caniemail"), .copy("Resources/scaffold")]
        ),
        /// SQLite adapter (GRDB): partners, kits, asset-use events, access tokens, secrets.
        .target(
            name: "CobrandStore",
            dependencies: [
                "CobrandCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        /// Use cases the CLI and the server share, one sequence each: build and sync, publish, record events,
        /// deliver the outbox, render the MDF report.
        .target(
            name: "CobrandUseCases",
            dependencies: [
                "CobrandCore", "CobrandFiles", "CobrandStore", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        /// HTTP adapter (Hummingbird): tracking endpoints, the partner portal (with publishing through the
        /// builder) and the admin API.
        .target(
            name: "CobrandServer",
            dependencies: [
                "CobrandCore", "CobrandFiles", "CobrandStore", "CobrandUseCases", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"), .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ]
        ),
        /// The `cobrand` command: wires the adapters together.
        .executableTarget(
            name: "CobrandCLI",
            dependencies: [
                "CobrandCore", "CobrandFiles", "CobrandStore", "CobrandUseCases", "CobrandServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        /// Fixture builders shared by the test targets.
        .target(name: "CobrandTesting", dependencies: ["CobrandCore"]),
        .testTarget(
            name: "CobrandCoreTests",
            dependencies: [
                "CobrandCore", "CobrandTesting", .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "CobrandStoreTests", dependencies: [
            "CobrandStore", "CobrandCore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(
            name: "CobrandServerTests",
            dependencies: [
                "CobrandServer", "CobrandUseCases", "CobrandStore", "CobrandCore", "CobrandFiles", "CobrandTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "GRDB", package: "GRDB.swift"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "CobrandCLITests",
            dependencies: [
                "CobrandCLI", "CobrandTesting", "CobrandCore", "CobrandStore", "CobrandFiles", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CobrandFilesTests",
            dependencies: ["CobrandCore", "CobrandFiles", "CobrandTesting", .product(name: "ZIPFoundation", package: "ZIPFoundation")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// libFuzzer targets (scripts/fuzz): only in a build that sets COBRAND_FUZZ, with the fuzzer and address
/// sanitizers, because libFuzzer supplies `main`.
if Context.environment["COBRAND_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "CobrandFuzz",
        dependencies: ["CobrandCore", "CobrandFiles", "CobrandServer", .product(name: "NIOCore", package: "swift-nio")],
        path: "scripts/fuzzing/CobrandFuzz",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    ))
}
