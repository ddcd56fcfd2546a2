/// The bytes of one append: record batches as they arrived, optionally with their first bytes replaced by a
/// rewritten copy (a leader's assigned base offset and epoch), so the request's buffer is never written to.
/// Both pieces go to the file in one `pwritev`, one write as the kernel sees it.
struct RecordsToWrite {
    /// Replaces `body`'s first `head.count` bytes when written; empty when the batches go out as they are.
    let head: UnsafeRawBufferPointer
    /// The rest, after `head`.
    let body: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        head = UnsafeRawBufferPointer(start: nil, count: 0)
        body = bytes
    }

    /// `head` followed by `batches` from `head.count` on.
    init(head: UnsafeRawBufferPointer, restOf batches: UnsafeRawBufferPointer) {
        precondition(head.count <= batches.count, "the rewritten head is part of the batches")
        self.head = head
        body = UnsafeRawBufferPointer(rebasing: batches[head.count...])
    }

    var count: Int { head.count + body.count }
}
