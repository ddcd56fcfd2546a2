/// Left-aligned columns separated by one space, each as wide as its widest cell (Kafka's tools pad the same way);
/// the last column is not padded, so lines carry no trailing blanks.
public enum Table {
    public static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
