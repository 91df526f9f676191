import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, without Foundation's search when neither end is
    /// white space, as in nearly every roster field (a project load trims each of 200 rows' fields twice).
    var trimmed: String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        let space = CharacterSet.whitespacesAndNewlines
        return space.contains(first) || space.contains(last) ? trimmingCharacters(in: space) : self
    }
}
