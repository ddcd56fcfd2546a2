// Unaligned big-endian loads for Storage's own small binary files (`.snapshot`, `.txnindex`); callers check the
// bounds first.

extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as type: T.Type = T.self) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
