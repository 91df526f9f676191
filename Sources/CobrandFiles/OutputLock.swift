import Foundation

/// An exclusive lock on an output folder (`flock` on `<output>/.cobrand-lock`), held for a whole build: a
/// `cobrand build` and a publish from `cobrand serve` clear the same temp folder and merge the same
/// `index.json`, so one waits for the other. The lock dies with the process, so a killed build leaves none.
final class OutputLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Waits (on a thread of its own, not the caller's) until the folder is free.
    static func acquire(_ output: URL) async throws -> OutputLock {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let path = output.appendingPathComponent(".cobrand-lock").path
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return OutputLock(descriptor: descriptor) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                if flock(descriptor, LOCK_EX) == 0 {
                    continuation.resume(returning: OutputLock(descriptor: descriptor))
                } else {
                    close(descriptor)
                    continuation.resume(throwing: CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: path]))
                }
            }
        }
    }

    /// The lock if it is free now; nil while another process holds it.
    static func tryAcquire(_ folder: URL) throws -> OutputLock? {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(".cobrand-lock").path
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        return OutputLock(descriptor: descriptor)
    }

    deinit { close(descriptor) }
}
