/// Refuses a multipart body whose part header *name* has a byte above 0x7F before MultipartKit sees it:
/// MultipartKit 4.7.1 indexes a 128-entry table with such a byte and traps, which took the whole server
/// down (found by `scripts/fuzz`). The guard steps through MultipartParser's own states byte by byte
/// (across chunks), so it agrees with the parser on where header names are; header values (a UTF-8
/// filename) and bodies are left alone. Where the parser would throw, the guard stops looking.
struct MultipartHeaderGuard {
    private let delimiter: [UInt8]
    private enum State: Equatable {
        case preamble(Int), preHeaders(expectingLF: Bool), headerName(empty: Bool), headerValue, postHeaderValue, postHeaders,
             body, boundary(Int), done
    }
    private var state = State.preamble(0)

    init(boundary: String) { delimiter = Array("\r\n--\(boundary)".utf8) }

    /// Whether `bytes` (the next chunk) keep every header name ASCII.
    mutating func accepts(_ bytes: some Sequence<UInt8>) -> Bool {
        let cr: UInt8 = 13, lf: UInt8 = 10
        for byte in bytes {
            switch state {
            case .preamble(let index):
                let next = index == 0 && byte == delimiter[2] ? 3 : byte == delimiter[index] ? index + 1 : index > 0 && byte == cr ? 1 : 0
                state = next == delimiter.count ? .preHeaders(expectingLF: false) : .preamble(next)
            case .preHeaders(let expectingLF):
                state = byte == (expectingLF ? lf : cr) ? (expectingLF ? .headerName(empty: true) : .preHeaders(expectingLF: true)) : .done
            case .headerName(let empty):
                if byte >= 0x80 { return false }
                state = byte == UInt8(ascii: ":") && !empty ? .headerValue : byte == cr && empty ? .postHeaders : .headerName(empty: false)
            case .headerValue:
                if byte == cr { state = .postHeaderValue }
            case .postHeaderValue:
                state = byte == lf ? .headerName(empty: true) : .done
            case .postHeaders:
                state = byte == lf ? .body : .done
            case .body:
                if byte == cr { state = .boundary(1) }
            case .boundary(let index) where index == delimiter.count:
                state = byte == cr ? .preHeaders(expectingLF: true) : .done
            case .boundary(let index):
                state = byte == delimiter[index] ? .boundary(index + 1) : byte == cr ? .boundary(1) : .body
            case .done:
                return true
            }
        }
        return true
    }
}
