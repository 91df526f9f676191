import CobrandCore
import Testing

@Suite("Fleet builds")
struct FleetBuildTests {
    static func shards(_ texts: [String]) -> [Shard] { texts.compactMap(Shard.init) }

    @Test("the last of N shards to report finishes the build, in any order", arguments: [
        ("1/3", [String](), false),
        ("3/3", ["1/3"], false),
        ("2/3", ["3/3", "1/3"], true),
        ("1/1", [], true),
    ])
    func finishes(shard: String, reported: [String], finished: Bool) throws {
        #expect(try FleetBuild.report(Shard(shard)!, build: "b", reported: Self.shards(reported)) == finished)
    }

    @Test("a shard that reported already, or a shard count the build's others do not share, is refused with the fix", arguments: [
        ("2/3", ["2/3"], FleetBuild.Refusal.reportedAlready(build: "b", shard: Shard("2/3")!),
         "shard 2/3 of fleet build b has reported already; give each build its own --build-id (such as the CI run's id)"),
        ("1/4", ["2/3"], .otherShardCount(build: "b", shards: 3, given: Shard("1/4")!),
         "fleet build b has 3 shards, not 4 (--shard 1/4); give each build its own --build-id"),
    ])
    func refused(shard: String, reported: [String], refusal: FleetBuild.Refusal, message: String) {
        #expect(throws: refusal) { try FleetBuild.report(Shard(shard)!, build: "b", reported: Self.shards(reported)) }
        #expect(refusal.description == message)
    }

    @Test("shards are I/N with 1 <= I <= N", arguments: [("2/4", true), ("0/4", false), ("5/4", false), ("1/0", false), ("a/b", false)])
    func parses(text: String, valid: Bool) {
        #expect((Shard(text) != nil) == valid)
    }
}
