import Crypto
import Foundation

/// SHA-256 as lower-case hex, the form manifests and `index.json` use.
public enum Checksum {
    public static func sha256(_ data: Data) -> String { SHA256.hash(data: data).hex }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Digest {
    var hex: String { Array(self).hex }
}
