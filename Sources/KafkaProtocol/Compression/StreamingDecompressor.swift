/// What one call of a streaming C decoder did.
struct DecompressionStep {
    enum Status {
        /// The stream goes on: more input, or more room for output, is needed.
        case inProgress
        /// A whole stream (gzip member, LZ4 frame, zstd frame) ended and all its output was written.
        case streamEnded
        case failed(CompressionError.Kind)
    }

    var consumed: Int
    var produced: Int
    var status: Status
}

/// A C streaming decoder (zlib, LZ4 frame, zstd), one instance per input, owning its C context.
protocol StreamingDecompressor: AnyObject {
    static var codec: CompressionType { get }
    /// Decodes from the start of `input` into `output`.
    func step(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> DecompressionStep
    /// After a stream ended with input left over: whether `input` starts another stream of this codec (concatenated
    /// gzip members or frames), in which case the decoder is ready for it.
    func startNextStream(_ input: UnsafeRawBufferPointer) -> Bool
}

extension StreamingDecompressor {
    /// Runs the decoder over all of `input`, writing into a buffer capped at `maxOutputBytes`.
    ///
    /// Every pass through the loop consumes input or produces output, or ends: a decoder that can do neither has
    /// run out of input inside a stream (`.truncated`), so the loop is bounded by input plus output bytes.
    func decompressAll(_ input: UnsafeRawBufferPointer, maxOutputBytes: Int) throws(CompressionError) -> [UInt8] {
        var output = DecompressionOutput(codec: Self.codec, limit: maxOutputBytes, inputCount: input.count)
        var position = 0
        var ended = false
        while true {
            if ended {
                guard position < input.count else { return output.finish() }
                let rest = UnsafeRawBufferPointer(rebasing: input[position...])
                guard startNextStream(rest) else { throw error(.trailingBytes(count: rest.count)) }
                ended = false
            }
            let start = position
            let step = try output.write { free in
                let step = self.step(input: UnsafeRawBufferPointer(rebasing: input[start...]), output: free)
                return (step, step.produced)
            }
            precondition(step.consumed >= 0 && step.consumed <= input.count - position, "decoder overran its input")
            position += step.consumed
            switch step.status {
            case .failed(let kind):
                throw error(kind)
            case .streamEnded:
                ended = true
            case .inProgress:
                guard step.consumed > 0 || step.produced > 0 else {
                    throw error(position == input.count ? .truncated : .corrupt(reason: "the decoder made no progress"))
                }
            }
        }
    }

    func error(_ kind: CompressionError.Kind) -> CompressionError {
        CompressionError(codec: Self.codec, kind: kind)
    }
}
