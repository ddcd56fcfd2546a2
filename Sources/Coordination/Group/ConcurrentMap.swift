import Synchronization

/// `transform` applied to every element with at most `limit` calls in flight, results in the elements' order; the
/// first error thrown ends the map (the calls still in flight are cancelled).
///
/// For reads and writes of many znodes: the C client pipelines requests on its one connection, so a few dozen in
/// flight cost one round trip where one at a time costs one each; the bound keeps 100 000 partitions from queueing
/// 100 000 requests at once. Children return nothing and store their result themselves: the task group's own
/// result passing is not used for values (a child result of tuple type crashed the runtime under load).
func concurrentMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element], limit: Int, _ transform: @escaping @Sendable (Element) async throws -> Result
) async throws -> [Result] {
    precondition(limit > 0, "at least one call in flight")
    guard elements.count > 1 else {
        var results: [Result] = []
        for element in elements { results.append(try await transform(element)) }
        return results
    }
    let results = ResultSlots<Result>(count: elements.count)
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < elements.count {
            if next >= limit { try await group.next() }
            let index = next
            next += 1
            // An owned copy, alive until the call returns: the element is used after the call's suspensions.
            let element = elements[index]
            group.addTask {
                defer { withExtendedLifetime(element) {} }
                results.store(try await transform(element), at: index)
            }
        }
        try await group.waitForAll()
    }
    return results.all()
}

/// Where the children of `concurrentMap` leave their results.
private final class ResultSlots<Result: Sendable>: Sendable {
    private let slots: Mutex<[Result?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func store(_ result: Result, at index: Int) { slots.withLock { $0[index] = result } }

    /// Every slot, once every child stored its result.
    func all() -> [Result] { slots.withLock { $0.map { $0! } } }
}

/// `concurrentMap` for calls that cannot fail.
func concurrentMap<Element: Sendable, Result: Sendable>(
    _ elements: [Element], limit: Int, _ transform: @escaping @Sendable (Element) async -> Result
) async -> [Result] {
    do {
        return try await concurrentMap(elements, limit: limit) { element async throws -> Result in await transform(element) }
    } catch {
        preconditionFailure("a call that cannot fail failed: \(error)")
    }
}
