@testable import CobrandCore
import CobrandFiles
@testable import CobrandServer
import Foundation
import NIOCore

/// One fuzz target: what it feeds the input to, and seed inputs made from the demo project. A target's
/// `run` may refuse the input in any way the product refuses bad input (a thrown error, a diagnostic); it
/// must not trap, leak past AddressSanitizer's checks or hang.
struct FuzzTarget: Sendable {
    let name: String
    let seeds: @Sendable (Demo) -> [Data]
    let run: @Sendable (Demo, Data) -> Void
}

/// The demo project (the repository's own), read once per process.
struct Demo: Sendable {
    let files: ProjectFiles
    let project: Project
    let locales: Set<LocaleTag>
    let logoFiles: Set<String>
    let signer: TrackingSigner

    init(root: URL) {
        files = try! ProjectReader.read(project: root)
        guard let project = Project.load(files).project else { fatalError("the demo project does not load; run cobrand validate") }
        self.project = project
        locales = project.locales
        logoFiles = Set(project.partnerLogos.keys)
        signer = TrackingSigner(baseURL: "https://t.example", secret: Data(repeating: 7, count: 32))
    }

    /// The demo's files whose path matches, as seeds.
    func seeds(_ matching: (String) -> Bool) -> [Data] {
        files.files.keys.sorted().filter(matching).compactMap { files[$0] }
    }

    /// The demo project with one file replaced, loaded as a build would.
    func load(replacing path: String, with data: Data) {
        var changed = files
        changed.files[path] = data
        _ = Project.load(changed)
    }
}

let multipartType = "multipart/form-data; boundary=----cobrandfuzz\n"

extension FuzzTarget {
    static let all: [FuzzTarget] = [
        FuzzTarget(name: "roster", seeds: { $0.seeds { $0 == Project.defaultRosterPath } }) { demo, data in
            _ = Roster(csv: String(decoding: data, as: UTF8.self), file: Project.defaultRosterPath, locales: demo.locales, logoFiles: demo.logoFiles)
        },
        FuzzTarget(name: "config", seeds: { $0.seeds { $0 == Project.configPath } }) { demo, data in
            demo.load(replacing: Project.configPath, with: data)
        },
        FuzzTarget(name: "campaign", seeds: { $0.seeds { $0.hasSuffix("/campaign.yaml") } }) { demo, data in
            demo.load(replacing: "Templates/data-summit/campaign.yaml", with: data)
        },
        FuzzTarget(name: "catalog", seeds: { $0.seeds { $0.hasPrefix("Locales/") && $0.hasSuffix(".yaml") } }) { demo, data in
            demo.load(replacing: "Locales/de-DE/messages.yaml", with: data)
        },
        FuzzTarget(name: "xliff", seeds: { demo in
            demo.locales.sorted { $0.identifier < $1.identifier }.prefix(3).map {
                Data(XLIFF.encode(XLIFF.document(project: demo.project, locale: $0), brandTerms: demo.project.config.brandTerms).utf8)
            }
        }) { demo, data in
            _ = try? XLIFF.read(data, file: "fuzz.xlf", project: demo.project)
        },
        FuzzTarget(name: "form", seeds: { _ in
            [Data("first_name=Jane&last_name=Doe&email=jane%40example.com&company=Example+Corp&consent=yes".utf8),
             Data("token=abc%2Bdef&csrf=%E2%9C%93&a=&=b&c".utf8)]
        }) { _, data in
            _ = try? URLEncodedForm.fields(String(decoding: data, as: UTF8.self))
        },
        // The input is the Content-Type header's value, a newline, then the body, fed in two chunks.
        FuzzTarget(name: "multipart", seeds: { _ in
            let body = "------cobrandfuzz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n"
                + "------cobrandfuzz\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\r\n------cobrandfuzz--\r\n"
            return [Data((multipartType + body).utf8)]
        }) { _, data in
            let split = data.firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
            guard let boundary = HeaderParameters(String(decoding: data[..<split], as: UTF8.self))["boundary"], !boundary.isEmpty,
                  let reader = try? MultipartReader(boundary: boundary, limits: MultipartLimits(bytes: 1 << 20, parts: 100))
            else { return }
            let body = data[split...].dropFirst()
            let middle = body.startIndex + body.count / 2
            do {
                for chunk in [body[..<middle], body[middle...]] { try reader.feed(ByteBuffer(bytes: chunk)); _ = reader.takeCompletedFields() }
                let form = try reader.finish()
                for file in form.files { _ = try file.data }
            } catch {}
        },
        // PNG and JPEG headers and the SVG sniffer; the first byte picks the name the browser claims.
        FuzzTarget(name: "image", seeds: { demo in
            [Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")!,
             Data(base64Encoded: "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=")!]
                + demo.seeds { $0.hasSuffix(".svg") }.prefix(2)
        }) { _, data in
            let name = ["logo.png", "logo.jpg", "logo.svg", "logo"][Int(data.first ?? 0) % 4]
            _ = try? LogoUpload(filename: name, data: data, maxBytes: 1 << 20, maxPixels: 2000 * 2000)
        },
        FuzzTarget(name: "svg", seeds: { $0.seeds { $0.hasSuffix(".svg") } }) { _, data in
            _ = try? SVGCleaner.clean(data)
        },
        FuzzTarget(name: "token", seeds: { demo in
            [TrackingSigner.Claims(kind: .click, partner: "acme-cloud", campaign: "cloud-migration", asset: "landing", locale: "en-US",
                                   target: "https://www.helioscale.example/"),
             TrackingSigner.Claims(kind: .open, partner: "rheinwerk", campaign: "data-summit", asset: "invite", locale: "de-DE")]
                .map { Data(demo.signer.token($0).utf8) }
        }) { demo, data in
            _ = demo.signer.verify(String(decoding: data, as: UTF8.self))
        },
    ]
}
