/// `transform` applied to every element with at most `limit` calls in flight, results in the elements' order.
///
/// For reads of many znodes: the C client pipelines requests on its one connection, so a few dozen in flight cost
/// one round trip where one at a time costs one each; the bound keeps a group of 100 000 partitions from queueing
/// 100 000 requests at once.
func concurrentMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element], limit: Int, _ transform: @escaping @Sendable (Element) async -> Result
) async -> [Result] {
    precondition(limit > 0, "at least one call in flight")
    return await withTaskGroup(of: (Int, Result).self) { group in
        var results: [Result?] = Array(repeating: nil, count: elements.count)
        var next = 0
        while next < min(limit, elements.count) {
            let index = next
            group.addTask { (index, await transform(elements[index])) }
            next += 1
        }
        while let (index, result) = await group.next() {
            results[index] = result
            if next < elements.count {
                let index = next
                group.addTask { (index, await transform(elements[index])) }
                next += 1
            }
        }
        return results.compactMap { $0 }
    }
}
