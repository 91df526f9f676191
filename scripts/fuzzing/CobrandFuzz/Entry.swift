import Foundation

// libFuzzer's entry points. The target is chosen by COBRAND_FUZZ_TARGET; with COBRAND_FUZZ_SEEDS set to a
// folder, the process writes every target's seeds there (one folder per target) and exits instead.

nonisolated(unsafe) var demo: Demo!
nonisolated(unsafe) var target: FuzzTarget!

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>>>) -> CInt {
    let environment = ProcessInfo.processInfo.environment
    demo = Demo(root: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    if let folder = environment["COBRAND_FUZZ_SEEDS"] {
        for target in FuzzTarget.all {
            let directory = URL(fileURLWithPath: folder).appendingPathComponent(target.name)
            try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (index, seed) in target.seeds(demo).enumerated() {
                try! seed.write(to: directory.appendingPathComponent("demo-\(index)"))
            }
        }
        exit(0)
    }
    guard let name = environment["COBRAND_FUZZ_TARGET"], let chosen = FuzzTarget.all.first(where: { $0.name == name }) else {
        FileHandle.standardError.write(Data("set COBRAND_FUZZ_TARGET to one of: \(FuzzTarget.all.map(\.name).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    target = chosen
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    target.run(demo, Data(bytes: bytes, count: count))
    return 0
}
